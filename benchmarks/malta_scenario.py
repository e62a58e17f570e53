"""Write the Malta scenario (shops as stores, industrial/commercial land use as sites) to a folder.

Usage: ``python benchmarks/malta_scenario.py OUT_DIR`` then ``siting rank OUT_DIR/malta.toml``.
The network is ../shared/osm/malta.osm.pbf (read in place, never copied).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from malta_inputs import MALTA_PBF, malta_layers  # noqa: E402

SCENARIO = """# Malta as a planner would run it (benchmarks/malta_scenario.py)
name = "malta"
currency = "EUR"
seed = 0

[[cities]]
name = "malta"
k = 3
network = "{network}"
[cities.layers.stores]
path = "stores.gpkg"
[cities.layers.candidates]
path = "candidates.gpkg"

[rank]
lanes_for_top = 1
isochrones_for_top = 1
[rank.weights]
delivery_time_s = 0.5
rent_per_yr = 0.25
co2e_wtw_kg_per_week = 0.25
"""


def write_scenario(out_dir: Path) -> Path:
    """Write ``stores.gpkg``, ``candidates.gpkg`` and ``malta.toml`` to ``out_dir``; return the TOML path.

    Parameters
    ----------
    out_dir
        Target folder (created).

    Returns
    -------
    pathlib.Path
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stores, candidates = malta_layers()
    stores.to_file(out_dir / "stores.gpkg")
    candidates.to_file(out_dir / "candidates.gpkg")
    path = out_dir / "malta.toml"
    path.write_text(SCENARIO.format(network=MALTA_PBF.resolve().as_posix()))
    return path


if __name__ == "__main__":
    print(write_scenario(Path(sys.argv[1] if len(sys.argv) > 1 else "malta-run")))
