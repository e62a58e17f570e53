"""Reading a finished run folder back into a map (the layout is :mod:`siting.runfolder`'s)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from siting import runfolder
from siting.errors import InputError, MissingColumnError
from siting.maps.draw import make_map
from siting.network.cache import file_sha256

__all__ = ["map_from_outputs", "read_run_layer"]

log = logging.getLogger("siting")

_ALIASES = {"candidates": ("candidates", "sites")}


def read_run_layer(folder: Path, name: str) -> gpd.GeoDataFrame | None:
    """Layer ``name`` of a city folder, in whichever format the run wrote it (None if absent).

    Parameters
    ----------
    folder : Path
        A city folder of a run (see :func:`siting.runfolder.city_folders`).
    name : str
        One of :data:`siting.runfolder.LAYER_NAMES` (``candidates`` is also found as ``sites``).

    Returns
    -------
    geopandas.GeoDataFrame or None
    """
    import pyogrio

    for alias in _ALIASES.get(name, (name,)):
        for path in runfolder.layer_candidates(folder, alias):
            if not path.is_file():
                continue
            try:
                if path.name == runfolder.BUNDLE:
                    if alias in set(pyogrio.list_layers(path)[:, 0]):
                        return gpd.read_file(path, layer=alias)
                elif path.suffix == ".parquet":
                    return gpd.read_parquet(path)
                else:
                    return gpd.read_file(path)
            except Exception as exc:  # a damaged file of a run: say which
                raise InputError(f"{path}: cannot read the saved {name} layer ({exc}); rerun the run.") from None
    return None


def _read_ranking(path: Path, city: str | None) -> pd.DataFrame:
    ranking = pd.read_csv(path, dtype={"site_id": str, "city": str})
    if "site_id" not in ranking.columns:
        raise MissingColumnError(f"{path} lacks the column 'site_id'")
    if "city" in ranking.columns:
        cities = sorted(ranking["city"].dropna().unique())
        if city is None and len(cities) > 1:
            raise InputError(f"{path} ranks several cities {cities}: pass city=... to draw one")
        if city is not None:
            if city not in cities:
                raise InputError(f"{path} has no rows for city {city!r}; its cities are {cities}")
            ranking = ranking[ranking["city"] == city]
        ranking = ranking.drop(columns="city")
    return ranking


def _city_dir(out: Path, city: str | None) -> Path:
    """The city folder to draw: ``out/<city>``, ``out`` itself, or a one-city run's only folder."""
    if city is not None:
        folder = out / runfolder.safe_name(city, what="city name")
        if not runfolder.has_layers(folder):
            found = [p.name for p in runfolder.city_folders(out)]
            raise InputError(
                f"{out} holds no layers of city {city!r} (expected the folder {folder}); its cities are {found}"
            )
        return folder
    folders = runfolder.city_folders(out)
    if len(folders) > 1:
        names = [p.name for p in folders]
        raise InputError(f"{out} holds several cities {names}: pass city=... to draw one")
    return folders[0] if folders else out


def map_from_outputs(
    out_dir: str | os.PathLike[str],
    *,
    city: str | None = None,
    title: str | None = None,
    simplify_m: float | None = None,
) -> folium.Map:
    """Redraw the map of a finished run from the files it wrote, without recomputing anything.

    Parameters
    ----------
    out_dir : path-like
        The run's ``--out`` folder or one of its city folders. Each layer is read from whichever
        format the run wrote (``<layer>.parquet``, ``.gpkg``, ``.geojson`` or a layer of
        ``layers.gpkg``): ``stores`` and ``candidates`` (also found as ``sites``) are required;
        ``population``, ``rents``, ``lanes``, ``isochrones`` and ``tours`` are optional. The folder's
        ``ranking.csv`` adds the ranking columns missing from the candidates by ``site_id``; chosen
        sites come from ``chosen.csv`` (column ``site_id``; its ``portfolio_*`` columns, what each
        site of a portfolio plan makes, join the candidates) or a boolean ``chosen`` column of the
        ranking; ``summary.json`` (in the folder or the run folder above it) may give a ``title``.
    city : str, optional
        The city folder to draw, for runs with several cities.
    title : str, optional
        Overrides the title.
    simplify_m : float, optional
        As in :func:`siting.maps.make_map` (default: at map scale).

    Returns
    -------
    folium.Map

    Notes
    -----
    After ``siting rank data/two_cities.toml --out results``, ``map_from_outputs("results",
    city="kotka")`` redraws Kotka's map without recomputing (what ``siting map results`` does).
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"output folder {out} does not exist: run the pipeline first or pass the folder it wrote")
    folder = _city_dir(out, city)
    names = ("stores", "candidates", *runfolder.LAYER_NAMES[2:6], "tours", "offshore_flows", "open_hubs")
    layers = {name: read_run_layer(folder, name) for name in names}
    for name in ("stores", "candidates"):
        if layers[name] is None:
            tried = ", ".join(p.name for p in runfolder.layer_candidates(folder, name))
            raise InputError(
                f"{folder} holds no {name} layer: expected one of {tried} (a layer {name!r} in the last); "
                "pass the --out folder of a finished `siting rank` run"
            )
    candidates = layers["candidates"]
    assert candidates is not None
    candidates["site_id"] = candidates["site_id"].astype(str)
    chosen: list[str] | None = None
    ranking_path = folder / runfolder.RANKING
    if ranking_path.exists():
        ranking = _read_ranking(ranking_path, city)
        keep = [c for c in ranking.columns if c == "site_id" or c not in candidates.columns]
        candidates = candidates.merge(ranking[keep], on="site_id", how="left")
        if "chosen" in ranking.columns:
            flags = ranking["chosen"].astype(str).str.lower().isin(["true", "1", "yes"])
            chosen = ranking.loc[flags, "site_id"].tolist()
    chosen_path = folder / runfolder.CHOSEN
    if chosen_path.exists():
        chosen_df = pd.read_csv(chosen_path, dtype={"site_id": str})
        if "site_id" not in chosen_df.columns:
            raise MissingColumnError(f"{chosen_path} lacks the column 'site_id'")
        chosen = chosen_df["site_id"].tolist()
        made = [c for c in chosen_df.columns if c.startswith("portfolio_") and c not in candidates.columns]
        if made:  # a portfolio plan: what each chosen site makes (popup rows, star colours)
            candidates = candidates.merge(chosen_df[["site_id", *made]], on="site_id", how="left")
    currency = ""
    for summary_path in (folder / runfolder.SUMMARY, folder.parent / runfolder.SUMMARY):
        if summary_path.exists():
            try:
                summary = json.loads(summary_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InputError(f"{summary_path} is not valid JSON: {exc}") from exc
            if title is None and isinstance(summary, dict) and isinstance(summary.get("title"), str):
                title = summary["title"]
            currency = currency or _currency(summary, city or folder.name)
    flows = None
    if layers["offshore_flows"] is not None or layers["open_hubs"] is not None:  # a portfolio plan's layer
        flows = (layers["offshore_flows"], layers["open_hubs"])
    return make_map(
        **_network_context(folder, layers["stores"], candidates),
        stores=layers["stores"],
        candidates=candidates,
        lanes=layers["lanes"],
        population=layers["population"],
        rents=layers["rents"],
        chosen=chosen or None,
        isochrones=layers["isochrones"],
        tours=layers["tours"],
        offshore_flows=flows,
        currency=currency,
        title=title or f"Microfactory siting: {city or folder.name}",
        simplify_m=simplify_m,
    )


def _currency(summary: Any, city: str) -> str:
    """The city's currency in a run's summary.json (its only city's, when the name does not match)."""
    cities = summary.get("cities") if isinstance(summary, dict) else None
    if not isinstance(cities, dict) or not cities:
        return ""
    entry = cities.get(city) if city in cities else (next(iter(cities.values())) if len(cities) == 1 else None)
    value = entry.get("currency") if isinstance(entry, dict) else None
    return value if isinstance(value, str) else ""


def _network_context(folder: Path, stores: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> dict[str, Any]:
    """The land-and-sea base and access legs of a run's city, from the network file its run.json names.

    Drawn only when the file is still there with the sha256 the run recorded (the network is then
    read from the network cache) and the layers carry their edge-snap columns; otherwise one log
    line says why, and the map is drawn without them.
    """
    from siting.maps.basemap import map_context

    city = folder.name
    record_path = next(
        (p for p in (folder / runfolder.RUN_RECORD, folder.parent / runfolder.RUN_RECORD) if p.is_file()), None
    )
    why = None
    entry: Any = None
    record: Any = {}
    if record_path is None:
        why = f"no {runfolder.RUN_RECORD} beside {folder}"
    else:
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            record = {}
        inputs = record.get("inputs") if isinstance(record, dict) else None
        entry = inputs.get(f"{city}.network") if isinstance(inputs, dict) else None
        if not isinstance(entry, dict) or not entry.get("path"):
            why = f"{record_path} names no network file for {city} (a demo or a network passed as a graph)"
    if why is None:
        path = Path(entry["path"])
        if not path.is_file():
            why = f"the run's network {path} is no longer there"
        elif entry.get("sha256") and file_sha256(path) != entry["sha256"]:
            why = f"the run's network {path} has changed since the run (sha256 differs)"
        elif not {"u", "v", "key", "fraction"} <= set(stores.columns) & set(sites.columns):
            why = "the stores and sites layers lack their edge-snap columns (u, v, key, fraction)"
    G = None
    if why is None:  # redrawing never builds a network: only the run's cached one is read
        from siting.network.build import cached_network

        G = cached_network(path, mode=_city_mode(record, city))
        if G is None:
            why = f"the network cache no longer holds the run's network {path} (rerun the command to draw them)"
    if why is not None or G is None:
        log.info("map of %s: no land-and-sea base or access legs: %s", city, why)
        return {}
    crs = G.graph["crs"]
    return map_context(G, stores.to_crs(crs), sites.to_crs(crs))


def _city_mode(record: dict[str, Any], city: str) -> str:
    """The city's network mode as the run's scenario gave it (default drive)."""
    scenario = record.get("scenario") if isinstance(record, dict) else None
    for c in (scenario or {}).get("cities", []) if isinstance(scenario, dict) else []:
        if isinstance(c, dict) and c.get("name") == city and isinstance(c.get("mode"), str):
            return str(c["mode"])
    return "drive"
