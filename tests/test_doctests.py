"""The runnable examples in siting's docstrings, run against the installed package (not the checkout's files)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import siting


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(siting.__path__, "siting."):
        if info.name.endswith("__main__"):
            continue
        if ">>>" in inspect.getsource(importlib.import_module(info.name)):
            names.append(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


def test_the_main_public_functions_have_examples():
    expected = {"siting.locate.pmedian", "siting.delivery.emissions", "siting.ranking.scoring", "siting.network.build"}
    assert expected <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name}: no example ran"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
