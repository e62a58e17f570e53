"""RankOptions from a scenario: the one place [rank] and the scenario-level vehicle, seed and products are checked."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from siting.config.scenario import Scenario, VehiclesSpec
from siting.config.schema import SchemaError as _Bad
from siting.config.schema import table_fields as _fields
from siting.errors import InputError

__all__ = ["base_dir", "rank_keys", "rank_options", "vehicle_table"]


def vehicle_table(spec: VehiclesSpec, source: str = "<scenario>", key: str = "vehicles.file") -> dict:
    """The vehicle profiles a scenario uses: the package's, or those of ``vehicles.file``; ``use`` must be one.

    Parameters
    ----------
    spec : VehiclesSpec
    source : str
        Named in error messages.
    key : str
        The key path named when ``use`` is unknown.

    Returns
    -------
    dict
        Vehicle name -> profile.
    """
    from siting.delivery.emissions import VEHICLES, load_vehicles

    table = dict(VEHICLES)
    if spec.file is not None:
        try:
            table = load_vehicles(spec.file)
        except InputError as exc:
            raise InputError(f"{source}: vehicles.file: {exc}") from None
    if spec.use is not None and spec.use not in table:
        raise InputError(f"{source}: {key}: unknown vehicle {spec.use!r}; expected one of {', '.join(sorted(table))}")
    return table


def _rank_groups() -> dict[str, type]:
    """The groups of RankOptions whose fields ``[rank]`` gives as flat keys (a key is its field's name)."""
    from siting.pipeline import CostOptions, LaneOptions, ReachOptions

    return {"reach": ReachOptions, "lanes": LaneOptions, "costs": CostOptions}


def rank_keys() -> dict[str, str]:
    """Every ``[rank]`` key and where it lands in :class:`siting.pipeline.RankOptions` (e.g. ``"reach.mode"``).

    Returns
    -------
    dict
        Key -> attribute path: ``weights`` -> ``weights``, ``reach_time_s`` -> ``reach.reach_time_s``,
        ``lanes_for_top`` -> ``lanes.lanes_for_top``, ``products`` -> ``costs.products``, ...
    """
    from siting.pipeline import RankOptions

    groups = _rank_groups()
    out = {f.name: f.name for f in dataclasses.fields(RankOptions) if f.name not in groups}
    for name, cls in groups.items():
        out.update({f.name: f"{name}.{f.name}" for f in dataclasses.fields(cls)})
    return out


def _grouped(flat: dict[str, Any]):
    """RankOptions from flat ``[rank]`` keyword arguments (each key into its group)."""
    from siting.pipeline import RankOptions

    where = rank_keys()
    parts: dict[str, dict[str, Any]] = {name: {} for name in _rank_groups()}
    top: dict[str, Any] = {}
    for key, value in flat.items():
        group, _, field = where[key].rpartition(".")
        (parts[group] if group else top)[field] = value
    return RankOptions(**top, **{name: cls(**parts[name]) for name, cls in _rank_groups().items()})


def _rank_fields(scenario: Scenario, where: str) -> dict[str, Any]:
    """``[rank]`` as flat keyword arguments, each key checked against its field's type and range."""
    from siting.pipeline import RankOptions
    from siting.ranking.scoring import CRITERIA, normalise_weights

    groups = _rank_groups()
    table = dict(scenario.rank)
    keys = rank_keys()
    try:
        unknown = [k for k in table if k not in keys]
        if unknown:
            raise _Bad("rank", f"unknown key {unknown[0]!r}; expected one of {', '.join(keys)}")
        base = base_dir(scenario)
        kwargs = _fields(
            {k: v for k, v in table.items() if keys[k] == k}, RankOptions, "rank", base, skip=tuple(groups)
        )
        for name, cls in groups.items():
            mine = {k: v for k, v in table.items() if keys[k] == f"{name}.{k}"}
            kwargs.update(_fields(mine, cls, "rank", base))
        if "weights" in kwargs:
            unknown = sorted(set(kwargs["weights"]) - set(CRITERIA))
            if unknown:
                raise _Bad("rank.weights", f"unknown criterion {unknown[0]!r}; expected one of {', '.join(CRITERIA)}")
            try:
                normalise_weights(kwargs["weights"])
            except InputError as exc:
                raise _Bad("rank.weights", str(exc).removeprefix("weights: ")) from None
        try:
            _grouped(kwargs)
        except InputError as exc:
            raise _Bad("rank", str(exc)) from None
    except _Bad as exc:
        raise InputError(f"{where}: {exc}") from None
    return kwargs


def rank_options(scenario: Scenario, *, source: str | None = None, load_products: bool = True, **overrides: Any):
    """The :class:`siting.pipeline.RankOptions` of a scenario (plus ``overrides``): the one place ``[rank]`` is checked.

    ``[rank]`` gives the fields by flat keys, each put into its group (:func:`rank_keys`:
    ``reach_time_s`` -> ``reach``, ``lanes_for_top`` -> ``lanes``, ``products`` -> ``costs``);
    scenario-level settings fill the fields ``[rank]`` leaves unset: ``vehicles.use`` ->
    ``lanes.lane_params.vehicle``, ``seed`` -> ``robustness.seed``, ``costs.products`` ->
    ``costs.products``, ``costs.hubs`` -> ``portfolio.hubs``.

    Parameters
    ----------
    scenario : Scenario
    source : str, optional
        Named in error messages (default: the scenario's file).
    load_products : bool
        Read ``costs.products`` (False only checks the options).
    **overrides
        ``[rank]`` keys given on the command line or in Python; unset (None) ones are ignored.

    Returns
    -------
    RankOptions
    """
    from siting.pipeline import RankOptions

    where = source or str(scenario.source or "<scenario>")
    known = set(rank_keys())
    unknown = sorted(
        k
        for k, v in overrides.items()
        if v is not None and k not in known | {"portfolio_enabled", "portfolio_max_sites", "portfolio_prove_all_local"}
    )
    if unknown:
        raise InputError(f"option(s) {', '.join(unknown)} are not supported by this version of the pipeline")
    kwargs = _rank_fields(scenario, where)
    written = scenario.rank  # what the file itself sets wins over scenario-level settings
    defaults = RankOptions()
    if scenario.vehicles.use is not None and "vehicle" not in written.get("lane_params", {}):
        lp = kwargs.get("lane_params", defaults.lanes.lane_params)
        kwargs["lane_params"] = dataclasses.replace(lp, vehicle=scenario.vehicles.use)
    if scenario.vehicles.file is not None:
        kwargs["vehicles"] = vehicle_table(scenario.vehicles, where)
    if "seed" not in written.get("robustness", {}):
        kwargs["robustness"] = dataclasses.replace(kwargs.get("robustness", defaults.robustness), seed=scenario.seed)
    if scenario.costs.products is not None and load_products:
        from siting.app.products import scenario_products

        kwargs["products"] = scenario_products(scenario.costs.products, scenario.costs, source=where)
    if scenario.costs.hubs is not None:  # candidate hubs of the portfolio design, read and checked once
        try:
            kwargs["portfolio"] = dataclasses.replace(
                kwargs.get("portfolio", defaults.portfolio), hubs=str(scenario.costs.hubs)
            )
        except InputError as exc:
            raise InputError(f"{where}: costs.hubs: {exc}") from None
    enabled = overrides.pop("portfolio_enabled", None)  # --portfolio: the full design; --no-portfolio: off
    if enabled is not None:
        scope = "full" if enabled else kwargs.get("portfolio", defaults.portfolio).scope
        kwargs["portfolio"] = dataclasses.replace(
            kwargs.get("portfolio", defaults.portfolio), enabled=bool(enabled), scope=scope
        )
    max_sites = overrides.pop("portfolio_max_sites", None)  # plan --k: caps the sites the design opens
    if max_sites is not None:
        kwargs["portfolio"] = dataclasses.replace(kwargs.get("portfolio", defaults.portfolio), max_sites=max_sites)
    proving = overrides.pop("portfolio_prove_all_local", None)  # plan --[no-]prove-all-local: after the file's keys
    if proving is not None:
        from siting.pipeline.portfolio import prove_all_local

        popt = kwargs.get("portfolio", defaults.portfolio)
        flag = "--prove-all-local" if proving else "--no-prove-all-local"
        if not popt.enabled:
            fix = "drop --no-portfolio" if enabled is False else f"remove [rank.portfolio] enabled = false from {where}"
            raise InputError(
                f"{flag} sets how far the portfolio design's all-local cost is proven, and this run has no "
                f"portfolio design: {fix} (or drop {flag})."
            )
        kwargs["portfolio"] = prove_all_local(popt, bool(proving))
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return _grouped(kwargs)


def base_dir(scenario: Scenario) -> Path:
    """The folder a scenario's relative paths are resolved against (the file's, else the working folder)."""
    return scenario.source.resolve().parent if scenario.source is not None else Path.cwd()
