"""From a checked scenario to what a run takes: RankOptions and each city's inputs (layers, network), resolved once."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from siting.app.options import base_dir
from siting.config.scenario import CitySpec, LayerSpec, Scenario
from siting.errors import InputError
from siting.inputs.layers import LAYER_COLUMNS

__all__ = ["city_inputs", "network_source"]


def network_source(city: CitySpec, base: Path) -> Path | str:
    """What a city's network is built from: a local file resolved against ``base``, a place name, or the demo's.

    Parameters
    ----------
    city : CitySpec
    base : Path
        The folder relative paths are resolved against (:func:`base_dir`).

    Returns
    -------
    Path or str
        A path to an existing network file, or a place name (queried online).
    """
    src = city.network
    if src is None:
        from siting.inputs.demo import demo_osm_path

        return demo_osm_path(city.demo or "helsinki")
    p = Path(src).expanduser()
    p = p if p.is_absolute() else base / p
    looks_like_file = any(str(src).lower().endswith(s) for s in (".pbf", ".osm", ".bz2", ".graphml", ".xml"))
    if p.exists() or looks_like_file:
        if not p.exists():
            raise InputError(f"{p}: network file not found; pass a local .osm.pbf, .osm or .graphml file.")
        return p
    return src  # a place name (online)


def _read_layer(spec: LayerSpec, kind: str):
    from siting.inputs.layers import read_layer

    renames = {user: LAYER_COLUMNS[kind][role] for role, user in spec.columns.items()}
    return read_layer(spec.path, kind, crs=spec.crs, columns=renames, layer=spec.layer)


def city_inputs(scenario: Scenario, city: CitySpec | str | None = None) -> list:
    """Read and validate every city's layers: the :class:`siting.pipeline.CityInputs` of a run.

    Parameters
    ----------
    scenario : Scenario
    city : CitySpec or str, optional
        Only this city.

    Returns
    -------
    list of CityInputs
    """
    from siting.pipeline import CityInputs

    base = base_dir(scenario)
    chosen = [c for c in scenario.cities if city is None or c is city or c.name == city]
    out = []
    for c in chosen:
        # the files the entry names, read and checked once; its network source resolved once
        layers: dict[str, Any] = {k: _read_layer(spec, k) for k in LAYER_COLUMNS if (spec := getattr(c.layers, k))}
        national_demo = c.clusters == "auto" and c.demo is not None  # its extract ships with siting
        source = None if national_demo else network_source(c, base)
        if c.clusters == "auto":  # a whole country: its cities are found from the stores
            from siting.app.national import cluster_entry

            out += cluster_entry(scenario, c, layers, source)
            continue
        demo: Any = None
        if c.demo is not None:
            from siting.inputs.demo import demo_city

            demo = demo_city(c.demo)
            layers = {**{k: getattr(demo, k) for k in LAYER_COLUMNS}, **layers}
        from siting.inputs.backrooms import check_backrooms

        where = str(c.layers.candidates.path) if c.layers.candidates else "candidates layer"
        check_backrooms(layers["candidates"], layers["stores"], where)
        kwargs = dict(
            name=c.name,
            stores=layers["stores"],
            candidates=layers["candidates"],
            population=layers.get("population"),
            rents=layers.get("rents"),
            network_source=source,
            currency=c.currency or scenario.currency,
        )
        if demo is not None and c.currency is None and "currency" not in scenario.raw:
            kwargs["currency"] = demo.currency
        kwargs.update(_city_business_case(c, demo is not None, scenario))
        # per-city settings the pipeline knows about (e.g. mode, k) are passed when it has the field
        fields = {f.name for f in dataclasses.fields(CityInputs)}
        kwargs.update({k: getattr(c, k) for k in ("mode", "k") if k in fields and getattr(c, k) is not None})
        out.append(CityInputs(**kwargs))
    return out


def _city_business_case(c: CitySpec, is_demo: bool, scenario: Scenario) -> dict[str, Any]:
    """A city's country, own product families (with ``[costs]`` SKU popularity and order history) and demand shares."""
    out: dict[str, Any] = {"country": c.country or ("FI" if is_demo else None)}
    if c.products is not None:
        from siting.app.products import scenario_products

        where = str(scenario.source or "<scenario>")
        out["products"] = scenario_products(c.products, scenario.costs, source=where, all_families=False)
    if c.demand_shares:
        out["demand_shares"] = dict(c.demand_shares)
    return out
