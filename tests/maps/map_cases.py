"""Map test cases shared by the layer tests and the browser tests: the Helsinki demo run and a synthetic city."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import LineString, box

from siting.delivery.lanes import direct_lanes
from siting.inputs.demo import demo_city
from siting.network.od import isochrones, od_matrix, snap
from siting.ranking.criteria import site_criteria
from siting.ranking.scoring import score_sites

XSS_IMG = '<img src=x onerror="window.__x=1">'
XSS_SCRIPT = "</script><script>window.__x=2</script>"
CROW_SPEED_M_S = 25 / 3.6  # the synthetic 1,000-store city ranks its sites on crow-fly times
N_CHOSEN = 3


_DEMO: dict[int, dict] = {}


def unpack(data: dict) -> dict:
    """A packed layer (``siting.maps.geojson.packed_lines`` / ``packed_polygons``) as plain GeoJSON.

    Written apart from the page's JavaScript decoder, from the format's description: each tree node
    is (node - parent, dx, dy), a root (0, x, y); a line is the path from its root to node ``e``;
    a ring is its first vertex then deltas. Other layers are returned as they are.
    """
    if "s" not in data:
        return data
    scale = data["s"]
    feats = []
    if "t" in data:
        t = data["t"]
        xy: list[tuple[int, int]] = []
        parent: list[int] = []
        for i in range(0, len(t), 3):
            dp, dx, dy = t[i : i + 3]
            n = i // 3
            parent.append(n - dp if dp else -1)
            px, py = xy[n - dp] if dp else (0, 0)
            xy.append((px + dx, py + dy))
        for f in data["features"]:
            path, node = [], f["e"]
            while node >= 0:
                path.append([xy[node][0] / scale, xy[node][1] / scale])
                node = parent[node]
            coords = path[::-1] if len(path) > 1 else path * 2
            feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, **f})
    else:
        for f in data["features"]:
            parts = []
            for part in f["g"]:
                rings = []
                for ring in part:
                    xs = np.cumsum(ring[0::2]) / scale
                    ys = np.cumsum(ring[1::2]) / scale
                    rings.append([[float(x), float(y)] for x, y in zip(xs, ys)])
                parts.append(rings)
            feats.append({"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": parts}, **f})
    return {"type": "FeatureCollection", "features": feats}


def _demo_inputs(graph: nx.MultiDiGraph) -> dict:
    """The Helsinki demo run end to end on the real road network: ranking, top sites, lanes, isochrones."""
    if id(graph) in _DEMO:
        return _DEMO[id(graph)]
    city = demo_city("helsinki")
    store_nodes, site_nodes = snap(graph, city.stores), snap(graph, city.candidates)
    stores = city.stores.loc[store_nodes.index].assign(node=store_nodes["node"].to_numpy())
    cands = city.candidates.loc[site_nodes.index].assign(node=site_nodes["node"].to_numpy())
    time_s = od_matrix(graph, cands["node"].to_numpy(), stores["node"].to_numpy())
    crit = site_criteria(
        cands["site_id"],
        time_s,
        stores["demand_units_per_week"].to_numpy(),
        rent_per_m2_yr=cands["rent_per_m2_yr"].to_numpy(),
        required_floor_area_m2=800.0,
    )
    ranking = score_sites(
        crit[["site_id", "delivery_time_s", "rent_per_yr"]], {"delivery_time_s": 0.6, "rent_per_yr": 0.4}
    )
    ranked = cands.merge(ranking, on="site_id", how="left")
    chosen = ranking["site_id"].head(N_CHOSEN).tolist()
    top = cands[cands["site_id"].isin(chosen)]
    rows = [cands["site_id"].tolist().index(s) for s in top["site_id"]]
    allocation = dict(zip(stores["store_id"], top["site_id"].to_numpy()[np.argmin(time_s[rows], axis=0)]))
    lanes = direct_lanes(graph, top, stores, allocation)
    iso = isochrones(graph, top["node"].to_numpy()[:1], [300.0, 600.0])
    iso["site_id"] = top["site_id"].iloc[0]
    _DEMO[id(graph)] = {
        "stores": stores.drop(columns="node"),
        "candidates": ranked.drop(columns="node"),
        "lanes": lanes,
        "population": city.population,
        "rents": city.rents,
        "chosen": chosen,
        "isochrones": iso,
    }
    return _DEMO[id(graph)]


def helsinki_inputs(graph: nx.MultiDiGraph) -> dict:
    """Fresh copies of the Helsinki demo layers plus a ranking, chosen sites, lanes and isochrones."""
    return {k: (v.copy() if hasattr(v, "copy") else v) for k, v in _demo_inputs(graph).items()}


def expected_counts(inp: dict) -> dict[str, int]:
    """Features per layer derived from the inputs (candidate polygons count twice: footprint + label)."""
    c = inp["candidates"]
    polys = int((~c.geom_type.isin(["Point", "MultiPoint"])).sum())
    return {
        "population": len(inp["population"]),
        "rents": len(inp["rents"]),
        "isochrones": len(inp["isochrones"]),
        "lanes": len(inp["lanes"]),
        "stores": len(inp["stores"]),
        "candidates": len(c) + polys,
        "chosen": len(inp["chosen"]),
    }


def synthetic_city(n_stores: int, n_sites: int, seed: int = 7) -> dict:
    """A seeded synthetic city in UTM: stores, ranked candidate boxes, road-like lanes, population and rents."""
    rng = np.random.default_rng(seed)
    crs = "EPSG:32635"
    x0, y0 = 385_000.0, 6_670_000.0
    xy = rng.uniform(0, 20_000, size=(n_stores, 2)) + (x0, y0)
    stores = gpd.GeoDataFrame(
        {
            "store_id": [f"s{i}" for i in range(n_stores)],
            "name": [f"Store number {i} Ltd" for i in range(n_stores)],
            "demand_units_per_week": rng.gamma(2.0, 20.0, n_stores),
            "shop": "clothes",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=crs,
    )
    sxy = rng.uniform(0, 20_000, size=(n_sites, 2)) + (x0, y0)
    cands = gpd.GeoDataFrame(
        {
            "site_id": [f"site{i}" for i in range(n_sites)],
            "name": "",
            "floor_area_m2": rng.uniform(500, 5000, n_sites),
            "rent_per_m2_yr": rng.uniform(100, 300, n_sites),
        },
        geometry=[box(x, y, x + 80, y + 60) for x, y in sxy],
        crs=crs,
    )
    d = np.hypot(sxy[:, None, 0] - xy[None, :, 0], sxy[:, None, 1] - xy[None, :, 1])
    crit = site_criteria(
        cands["site_id"],
        d / CROW_SPEED_M_S,
        stores["demand_units_per_week"].to_numpy(),
        rent_per_m2_yr=cands["rent_per_m2_yr"].to_numpy(),
        required_floor_area_m2=800.0,
    )
    cands = cands.merge(
        score_sites(crit[["site_id", "delivery_time_s", "rent_per_yr"]], {"delivery_time_s": 0.5, "rent_per_yr": 0.5}),
        on="site_id",
    )
    chosen = cands.sort_values("rank")["site_id"].head(5).tolist()
    near = np.argmin(d[[int(s[4:]) for s in chosen]], axis=0)
    lines = []
    for k, (x, y) in zip(near, xy):  # road-like lanes: 200 vertices on a staircase of 20 collinear runs
        a = sxy[int(chosen[k][4:])]
        t = np.linspace(0, 1, 200)
        step = np.floor(t * 10) / 10
        lines.append(
            LineString(np.c_[a[0] + (x - a[0]) * np.where(np.arange(200) % 20 < 10, step, t), a[1] + (y - a[1]) * step])
        )
    lanes = gpd.GeoDataFrame(
        {
            "site_id": [chosen[k] for k in near],
            "store_id": stores["store_id"],
            "trips_per_week": rng.integers(1, 6, n_stores).astype(float),
            "co2e_wtw_kg_per_week": rng.uniform(0.5, 20, n_stores),
        },
        geometry=lines,
        crs=crs,
    )
    cells = [
        box(x0 + i * 1000, y0 + j * 1000, x0 + (i + 1) * 1000, y0 + (j + 1) * 1000)
        for i in range(20)
        for j in range(20)
    ]
    population = gpd.GeoDataFrame(
        {"zone_id": [f"z{i}" for i in range(400)], "population": rng.uniform(0, 5000, 400)}, geometry=cells, crs=crs
    )
    rents = gpd.GeoDataFrame(
        {"zone_id": [f"r{i}" for i in range(400)], "rent_per_m2_yr": rng.uniform(100, 400, 400)},
        geometry=cells,
        crs=crs,
    )
    return {
        "stores": stores,
        "candidates": cands,
        "lanes": lanes,
        "population": population,
        "rents": rents,
        "chosen": chosen,
    }
