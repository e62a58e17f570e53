"""A CPU burner beside a run, for the tests that a result does not depend on the machine's load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cpu_burner() -> Iterator[subprocess.Popen]:
    """A busy loop in another process while the block runs, at the lowest priority (nice 19).

    It takes any idle core (the run sees another load and other timings) but yields to the
    suite's other worker, so it does not slow the rest of the suite down.
    """
    burner = subprocess.Popen([sys.executable, "-c", "import os\nos.nice(19)\nwhile 1: pass"])
    try:
        yield burner
    finally:
        burner.kill()
        burner.wait()
