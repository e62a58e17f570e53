"""A seeded synthetic country (separate street-grid cities joined by highways) for tests, benchmarks and trials."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import box

__all__ = ["SyntheticCountry", "synthetic_country"]

CRS = "EPSG:32633"
SPACING_M = 100.0
CITY_GAP_M = 20_000.0
STREET_KPH, ARTERIAL_KPH, HIGHWAY_KPH = 30.0, 50.0, 90.0


@dataclass(frozen=True)
class SyntheticCountry:
    """A synthetic country: its network, stores and candidate sites (EPSG:32633, metres).

    Attributes
    ----------
    network : networkx.MultiDiGraph
        One strongly connected graph: each city a jittered street grid (100 m blocks, 30 km/h
        streets, 50 km/h arterials every 10th line), cities 20 km apart joined by 90 km/h highways.
    stores, candidates : geopandas.GeoDataFrame
        Stores around each city centre (``store_id``, ``demand_units_per_week``); candidate sites
        (``site_id``, ``floor_area_m2``, ``rent_per_m2_yr``, 60 m square plots).
    centres : numpy.ndarray
        (n_cities, 2) city centres.
    """

    network: nx.MultiDiGraph
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    centres: np.ndarray


def _city(G: nx.MultiDiGraph, side: int, x0: float, y0: float, first_id: int, rng: np.random.Generator) -> None:
    ids = first_id + np.arange(side * side)
    rows, cols = np.divmod(np.arange(side * side), side)
    x = x0 + cols * SPACING_M + rng.uniform(-20, 20, side * side)
    y = y0 + rows * SPACING_M + rng.uniform(-20, 20, side * side)
    G.add_nodes_from((int(i), {"x": float(a), "y": float(b)}) for i, a, b in zip(ids, x, y))
    grid = np.arange(side * side).reshape(side, side)
    for u, v, line in (
        (grid[:, :-1], grid[:, 1:], rows[grid[:, :-1]]),
        (grid[:-1, :], grid[1:, :], cols[grid[:-1, :]]),
    ):
        u, v, line = u.ravel(), v.ravel(), line.ravel()
        kph = np.where(line % 10 == 0, ARTERIAL_KPH, STREET_KPH)
        length = np.hypot(x[u] - x[v], y[u] - y[v]) * (1.0 + rng.uniform(0.0, 0.1, len(u)))
        for a, b, k, m in zip(u, v, kph, length):
            data = {"length": float(m), "speed_kph": float(k), "travel_time": float(m / (k / 3.6)), "highway": "x"}
            G.add_edge(int(ids[a]), int(ids[b]), **data)
            G.add_edge(int(ids[b]), int(ids[a]), **data)


def synthetic_country(
    n_cities: int = 6,
    nodes_per_city: int = 2500,
    stores_per_city: int = 60,
    candidates_per_city: int = 12,
    *,
    seed: int = 0,
) -> SyntheticCountry:
    """Build a synthetic country whose store clusters are known (one per city).

    Parameters
    ----------
    n_cities : int
    nodes_per_city : int
        Road nodes per city (a square grid, rounded).
    stores_per_city, candidates_per_city : int
    seed : int

    Returns
    -------
    SyntheticCountry
        Deterministic for given arguments. Store demand is 2..40 units/week; stores lie within
        1.5 km (normal, clipped) of their city centre, candidates within 2 km.
    """
    rng = np.random.default_rng(seed)
    side = max(3, int(round(np.sqrt(nodes_per_city))))
    width = (side - 1) * SPACING_M
    per_row = int(np.ceil(np.sqrt(n_cities)))
    G = nx.MultiDiGraph(crs=CRS)
    centres, corners = [], []
    for c in range(n_cities):
        r, q = divmod(c, per_row)
        x0, y0 = 500_000.0 + q * (width + CITY_GAP_M), 4_000_000.0 + r * (width + CITY_GAP_M)
        _city(G, side, x0, y0, 10**6 * (c + 1), rng)
        centres.append((x0 + width / 2, y0 + width / 2))
        corners.append(10**6 * (c + 1))
    for a, b in zip(corners[:-1], corners[1:]):  # a highway chain keeps the country one component
        ax, ay, bx, by = G.nodes[a]["x"], G.nodes[a]["y"], G.nodes[b]["x"], G.nodes[b]["y"]
        m = float(np.hypot(ax - bx, ay - by))
        data = {"length": m, "speed_kph": HIGHWAY_KPH, "travel_time": m / (HIGHWAY_KPH / 3.6), "highway": "motorway"}
        G.add_edge(a, b, **data)
        G.add_edge(b, a, **data)
    cx = np.array(centres)
    half = width / 2 - 50.0
    s_xy = np.repeat(cx, stores_per_city, axis=0) + np.clip(
        rng.normal(0, 1500.0, (n_cities * stores_per_city, 2)), -half, half
    )
    stores = gpd.GeoDataFrame(
        {
            "store_id": [f"s{i:06d}" for i in range(len(s_xy))],
            "demand_units_per_week": rng.integers(2, 41, len(s_xy)).astype(float),
        },
        geometry=gpd.points_from_xy(s_xy[:, 0], s_xy[:, 1]),
        crs=CRS,
    )
    c_xy = np.repeat(cx, candidates_per_city, axis=0) + np.clip(
        rng.uniform(-2000.0, 2000.0, (n_cities * candidates_per_city, 2)), -half, half
    )
    candidates = gpd.GeoDataFrame(
        {
            "site_id": [f"c{i:05d}" for i in range(len(c_xy))],
            "floor_area_m2": rng.integers(500, 3000, len(c_xy)).astype(float),
            "rent_per_m2_yr": np.round(rng.uniform(80.0, 300.0, len(c_xy)), 1),
        },
        geometry=[box(x - 30, y - 30, x + 30, y + 30) for x, y in c_xy],
        crs=CRS,
    )
    return SyntheticCountry(network=G, stores=stores, candidates=candidates, centres=cx)
