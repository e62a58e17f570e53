"""The README's Python stays true: every import in its code blocks works, every `siting.x` it names resolves."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CODE = "\n".join(re.findall(r"```python\n(.*?)```", README, flags=re.S))
IMPORTS = sorted({ln.strip() for ln in CODE.splitlines() if re.match(r"\s*(from siting\S* import |import siting)", ln)})
FILE_SUFFIXES = {"toml", "html", "json", "csv", "gpkg", "md"}  # `siting.toml` is a file name, not a module
NAMES = sorted(
    n
    for n in set(re.findall(r"`(siting(?:\.[A-Za-z_][A-Za-z0-9_]*)+)", README))
    if n.split(".")[-1] not in FILE_SUFFIXES
)


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and get the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_readme_has_code_to_check():
    assert len(IMPORTS) >= 8 and len(NAMES) >= 15


@pytest.mark.parametrize("line", IMPORTS)
def test_every_import_in_the_readme_works(line: str) -> None:
    exec(line, {})


@pytest.mark.parametrize("name", NAMES)
def test_every_siting_name_in_the_readme_resolves(name: str) -> None:
    _resolve(name)
