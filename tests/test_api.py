"""The public API: every name in siting.__all__ resolves to a documented function, class or value."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import siting


def _import_every_module() -> list[types.ModuleType]:
    return [importlib.import_module(info.name) for info in pkgutil.walk_packages(siting.__path__, "siting.")]


def test_every_public_name_resolves_and_has_a_docstring():
    for name in siting.__all__:
        if name == "__version__":
            continue
        obj = getattr(siting, name)
        assert not isinstance(obj, types.ModuleType), f"siting.{name} is a module, not a public object"
        if callable(obj) and not isinstance(obj, dict):
            assert inspect.getdoc(obj), f"siting.{name} has no docstring"


def test_public_names_survive_importing_every_module():
    # a module that shares its name with a public function would replace it on import
    _import_every_module()
    for name in siting.__all__:
        obj = getattr(siting, name)
        assert not isinstance(obj, types.ModuleType), f"siting.{name} became a module"
    assert siting.newsvendor(mean=100, std=20, price=10, unit_cost=4).order_qty > 100


def test_no_module_shares_its_name_with_a_function_of_its_package():
    for module in _import_every_module():
        parent = importlib.import_module(module.__name__.rpartition(".")[0])
        leaf = module.__name__.rpartition(".")[2]
        assert getattr(parent, leaf, module) is module, f"{module.__name__} is shadowed by a function"


def test_every_module_opens_with_a_one_line_docstring():
    for module in _import_every_module():
        doc = inspect.getdoc(module)
        assert doc and doc.splitlines()[0].strip(), f"{module.__name__} has no opening docstring"
