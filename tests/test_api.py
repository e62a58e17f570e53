"""The public API: every name in siting.__all__ resolves and is documented."""

from __future__ import annotations

import inspect

import siting


def test_every_public_name_resolves_and_has_a_docstring():
    for name in siting.__all__:
        if name == "__version__":
            continue
        obj = getattr(siting, name)
        if callable(obj) and not isinstance(obj, dict):
            assert inspect.getdoc(obj), f"siting.{name} has no docstring"


def test_every_module_opens_with_a_one_line_docstring():
    import pkgutil

    for info in pkgutil.walk_packages(siting.__path__, "siting."):
        module = __import__(info.name, fromlist=["_"])
        doc = inspect.getdoc(module)
        assert doc and doc.splitlines()[0].strip(), f"{info.name} has no opening docstring"
