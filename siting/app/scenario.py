"""A scenario ready to run: the schema's parse plus every check that needs a stage (demos, modes, vehicles, [rank])."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from siting.app.options import rank_options, vehicle_table
from siting.config import scenario as schema
from siting.config.scenario import CitySpec, Scenario
from siting.config.schema import SchemaError as _Bad
from siting.errors import InputError
from siting.inputs.layers import LAYER_COLUMNS

__all__ = ["check_scenario", "load_scenario", "parse_scenario"]


def _check_city(city: CitySpec, path: str) -> None:
    from siting.inputs.country_demo import DEMO_COUNTRIES
    from siting.inputs.demo import DEMO_CITIES
    from siting.network.build import MODES

    demos = {**DEMO_CITIES, **DEMO_COUNTRIES}
    if city.demo is not None and city.demo.lower() not in demos:
        raise _Bad(f"{path}.demo", f"unknown demo city {city.demo!r}; expected one of {', '.join(sorted(demos))}")
    if city.clusters is None and city.demo is not None and city.demo.lower() in DEMO_COUNTRIES:
        raise _Bad(f"{path}.clusters", f'the demo country {city.demo!r} needs clusters = "auto"')
    if city.mode is not None and city.mode not in MODES:
        raise _Bad(f"{path}.mode", f"unknown mode {city.mode!r}; expected one of {', '.join(MODES)}")
    for kind in LAYER_COLUMNS:
        spec = getattr(city.layers, kind)
        if spec is None:
            continue
        for role in spec.columns:
            if role not in LAYER_COLUMNS[kind]:
                raise _Bad(
                    f"{path}.layers.{kind}.columns",
                    f"unknown key {role!r}; expected one of {', '.join(LAYER_COLUMNS[kind])}",
                )


def check_scenario(scenario: Scenario, source: str | None = None) -> Scenario:
    """Check what only the stages know: demo cities, modes, column roles, vehicles and the ``[rank]`` fields.

    Parameters
    ----------
    scenario : Scenario
        As parsed by :func:`siting.config.parse_scenario`.
    source : str, optional
        Named in error messages (default: the scenario's file).

    Returns
    -------
    Scenario
        The same scenario.

    Raises
    ------
    InputError
        ``"<source>: <key path>: <problem>"`` for the first problem found.
    """
    where = source or str(scenario.source or "<scenario>")
    try:
        for i, city in enumerate(scenario.cities):
            _check_city(city, f"cities[{i}]")
    except _Bad as exc:
        raise InputError(f"{where}: {exc}") from None
    if scenario.vehicles.use is not None or scenario.vehicles.file is not None:
        key = "vehicles.use" if scenario.vehicles.use is not None else "vehicles.file"
        vehicle_table(scenario.vehicles, where, key)
    rank_options(scenario, source=where, load_products=False)
    no_products = scenario.costs.products is None and all(c.products is None for c in scenario.cities)
    for key in ("sku_popularity", "order_history"):  # they refine product families: some must be given
        if getattr(scenario.costs, key) is not None and no_products:
            raise InputError(
                f'{where}: costs.{key}: applies to product families; give them too ([costs] products = "products.csv").'
            )
    return scenario


def parse_scenario(doc: Mapping[str, Any], *, source: str | Path = "<scenario>", base: Path | None = None) -> Scenario:
    """Parse and check a TOML document: :func:`siting.config.parse_scenario`, then :func:`check_scenario`.

    Parameters
    ----------
    doc : mapping
    source : str or Path
        Named in error messages.
    base : Path, optional
        Folder relative paths are resolved against (default: the current folder).

    Returns
    -------
    Scenario
    """
    return check_scenario(schema.parse_scenario(doc, source=source, base=base), str(source))


def load_scenario(path: str | Path) -> Scenario:
    """Read, parse and check a TOML scenario file (not the input files' contents: see :func:`check_inputs`).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Scenario
        Relative paths inside are resolved against the scenario file's folder.

    Raises
    ------
    InputError
        Naming the key path, e.g. ``scenario.toml: cities[1].layers.stores.columns: unknown key 'demnd'``.
    """
    sc = schema.load_scenario(path)
    return dataclasses.replace(check_scenario(sc, str(path)), source=Path(path))
