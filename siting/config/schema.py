"""Checking TOML tables against dataclass fields: types from the type hints, errors with the key path."""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from siting.errors import InputError

__all__ = ["SchemaError", "convert", "table_fields", "type_hints", "tomltype", "read_any_layer"]


class SchemaError(Exception):
    """A problem at a key path (turned into an InputError naming the file)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)


def _typename(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is type(None):
        return "nothing"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_typename(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (Mapping, dict, typing.Mapping, collections.abc.Mapping):
        return "a table"
    if origin in (tuple, list):
        return "an array"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false", Path: "a path string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def tomltype(value: Any) -> str:
    """How a TOML value is described in messages ("a string", "an integer", ...)."""
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        dict: "a table",
        list: "an array",
    }.get(type(value), type(value).__name__)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def convert(value: Any, tp: Any, path: str, base: Path) -> Any:
    """Check ``value`` (from TOML) against the type hint ``tp`` and convert it.

    Parameters
    ----------
    value : Any
        The TOML value.
    tp : type hint
        str, int, float, bool, Path (resolved against ``base``), Literal, Optional/Union,
        Mapping, tuple/list, a dataclass (a nested table) or a registered converter type.
    path : str
        Key path of ``value``, for messages.
    base : Path
        Folder relative paths are resolved against.

    Returns
    -------
    Any
    """
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        if isinstance(value, str) and value and (base / Path(value).expanduser()).exists():
            return str(base / Path(value).expanduser())  # a file named relative to the scenario
        return value
    if origin in (typing.Union, types.UnionType):
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return convert(value, a, path, base)
            except SchemaError as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise SchemaError(path, f"expected {_typename(tp)}, got {tomltype(value)} {value!r}")
    if origin is Literal:
        if value not in args:
            raise SchemaError(path, f"expected one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise SchemaError(path, f"expected a table, got {tomltype(value)}")
        kwargs = table_fields(value, tp, path, base)
        try:
            return tp(**kwargs)
        except InputError as exc:
            raise SchemaError(path, str(exc)) from None
    if origin is not None and origin.__name__ == "Mapping" or origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(path, f"expected a table, got {tomltype(value)}")
        ktp, vtp = args if args else (str, Any)
        return {str(k): convert(v, vtp, _join(path, str(k)), base) for k, v in value.items()}
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise SchemaError(path, f"expected an array, got {tomltype(value)}")
        item = args[0] if args else Any
        items = [convert(v, item, f"{path}[{i}]", base) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if tp is bool:
        if not isinstance(value, bool):
            raise SchemaError(path, f"expected true or false, got {tomltype(value)} {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(path, f"expected an integer, got {tomltype(value)} {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(path, f"expected a number, got {tomltype(value)} {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise SchemaError(path, f"expected a string, got {tomltype(value)} {value!r}")
        return value
    if tp is Path:
        if not isinstance(value, str):
            raise SchemaError(path, f"expected a path string, got {tomltype(value)} {value!r}")
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p
    converter = _CONVERTERS.get(tp)
    if converter is not None:
        if not isinstance(value, str):
            raise SchemaError(path, f"expected the path of a file, got {tomltype(value)} {value!r}")
        p = Path(value).expanduser()
        return converter(p if p.is_absolute() else base / p)
    raise SchemaError(path, f"cannot be set from a scenario file (type {_typename(tp)})")


def type_hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a dataclass (its module's names in scope)."""
    module = __import__(cls.__module__, fromlist=["_"])
    return typing.get_type_hints(cls, globalns=vars(module), localns={"Path": Path})


def table_fields(table: Mapping[str, Any], cls: type, path: str, base: Path, *, skip: tuple[str, ...] = ()) -> dict:
    """Check a TOML table against a dataclass's fields; return its keyword arguments.

    Parameters
    ----------
    table : mapping
        The TOML table.
    cls : dataclass type
    path : str
        Key path of the table ("" at the top).
    base : Path
        Folder relative paths are resolved against.
    skip : tuple of str
        Fields that cannot be set from the file.

    Returns
    -------
    dict

    Raises
    ------
    SchemaError
        Unknown key, wrong type or missing required key, with its key path.
    """
    hints = type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in skip]
    out = {}
    for key, value in table.items():
        if key not in names:
            raise SchemaError(path, f"unknown key {key!r}; expected one of {', '.join(names)}")
        out[key] = convert(value, hints[key], _join(path, key), base)
    required = [
        f.name
        for f in dataclasses.fields(cls)
        if f.init
        and f.name not in skip
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    for name in required:
        if name not in out:
            raise SchemaError(path, f"missing key {name!r}")
    return out


_CONVERTERS: dict[Any, Callable[[Path], Any]] = {}


def _register_converters() -> None:
    """Types of pipeline options that a scenario gives as a file path."""
    try:
        import geopandas as gpd

        _CONVERTERS[gpd.GeoDataFrame] = lambda p: read_any_layer(p)
    except ImportError:  # pragma: no cover
        pass


def read_any_layer(p: Path) -> Any:
    """Read a GeoPackage / GeoJSON / Shapefile / GeoParquet layer (InputError if missing)."""
    import geopandas as gpd

    if not p.exists():
        raise InputError(f"{p}: file not found; check the path.")
    return gpd.read_parquet(p) if p.suffix.lower() in (".parquet", ".geoparquet") else gpd.read_file(p)


_register_converters()
