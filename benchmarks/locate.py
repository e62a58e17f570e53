"""Benchmark of siting.locate: OR-Library p-median optima and spopt's PMedian on seeded random instances.

Usage (from the repository root)::

    python benchmarks/locate.py                 # all 40 OR-Library instances + 3 random vs spopt
    python benchmarks/locate.py --quick         # pmed1-10, 40x300 and 100x1000, shorter limits
    python benchmarks/locate.py --instances 1-20 --time-limit 60 --skip-peer

Reads ../shared/benchmarks/orlib-pmed (never copied into the repo). Timings on a shared machine
are noisy; the peer (spopt 0.7 + PuLP/CBC, its default solver) runs in a subprocess with a timeout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from siting.locate import p_median
from siting.locate.pmed_reader import read_orlib_pmed

REPO = Path(__file__).resolve().parents[1]
ORLIB = REPO.parent / "shared" / "benchmarks" / "orlib-pmed"

PEER_SCRIPT = r"""
import json, sys, time
import numpy as np, pulp
from spopt.locate import PMedian
d = np.load(sys.argv[1])
t = time.perf_counter()
model = PMedian.from_cost_matrix(d["cost"], d["weights"], p_facilities=int(d["p"]))
model = model.solve(pulp.PULP_CBC_CMD(msg=False))
elapsed = time.perf_counter() - t
status = pulp.LpStatus[model.problem.status]
print(json.dumps({"objective": float(pulp.value(model.problem.objective)), "time_s": elapsed, "status": status}))
"""


def parse_instances(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip().removeprefix("pmed")
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def _progress(row: dict) -> None:
    """One instance's figures on stderr as it finishes (the tables go to stdout at the end)."""
    print(
        "  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
        file=sys.stderr,
        flush=True,
    )


def run_orlib(ids: list[int], time_limit_s: float, do_exact: bool) -> pd.DataFrame:
    opt = pd.read_csv(ORLIB / "optimal.csv").set_index("instance")
    rows = []
    for k in ids:
        name = f"pmed{k}"
        cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
        best = float(opt.loc[name, "optimal"])
        h = p_median(cost, p, method="heuristic")
        row = {
            "instance": name,
            "n": cost.shape[0],
            "p": p,
            "published": best,
            "heur_obj": h.objective,
            "heur_err_pct": 100 * (h.objective - best) / best,
            "heur_bound": h.lower_bound,
            "heur_time_s": h.runtime_s,
        }
        if do_exact:
            e = p_median(cost, p, method="exact", time_limit_s=time_limit_s)
            row.update(
                {
                    "exact_obj": e.objective,
                    "exact_bound": e.lower_bound,
                    "exact_gap_pct": 100 * e.gap,
                    "proven": e.optimal,
                    "exact_time_s": e.runtime_s,
                    "engine": e.method.split("(")[0],
                }
            )
        rows.append(row)
        _progress(row)
    return pd.DataFrame(rows)


def random_instance(n_cand: int, n_demand: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.random((n_demand, 2)) * 10_000
    cand = rng.random((n_cand, 2)) * 10_000
    cost = np.round(np.linalg.norm(demand[:, None, :] - cand[None, :, :], axis=2), 1)
    weights = rng.integers(1, 11, n_demand).astype(float)
    return cost, weights


def run_peer(cost: np.ndarray, weights: np.ndarray, p: int, timeout_s: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inst.npz"
        np.savez(path, cost=cost, weights=weights, p=p)
        t = time.perf_counter()
        try:
            out = subprocess.run(
                [sys.executable, "-c", PEER_SCRIPT, str(path)],
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return {
                "objective": float("nan"),
                "time_s": float("nan"),
                "status": f"timeout>{timeout_s:g}s",
                "wall_s": time.perf_counter() - t,
            }
        except subprocess.CalledProcessError as exc:
            return {
                "objective": float("nan"),
                "time_s": float("nan"),
                "status": "error: " + exc.stderr[-200:],
                "wall_s": time.perf_counter() - t,
            }
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res["wall_s"] = time.perf_counter() - t
        return res


def run_random(
    sizes: list[tuple[int, int, int]], time_limit_s: float, peer_timeout_s: float, skip_peer: bool
) -> pd.DataFrame:
    rows = []
    for n_cand, n_demand, p in sizes:
        cost, weights = random_instance(n_cand, n_demand, seed=n_cand)
        ours = p_median(cost, p, weights, method="auto", time_limit_s=time_limit_s)
        peer = (
            {"objective": float("nan"), "time_s": float("nan"), "status": "skipped"}
            if skip_peer
            else run_peer(cost, weights, p, peer_timeout_s)
        )
        same = (
            bool(np.isclose(ours.objective, peer["objective"], rtol=1e-6)) if np.isfinite(peer["objective"]) else None
        )
        row = {
            "instance": f"random{n_cand}x{n_demand}",
            "candidates": n_cand,
            "demand": n_demand,
            "p": p,
            "our_obj": ours.objective,
            "our_bound": ours.lower_bound,
            "our_gap_pct": 100 * ours.gap,
            "proven": ours.optimal,
            "our_time_s": ours.runtime_s,
            "peer_obj": peer["objective"],
            "peer_status": peer["status"],
            "peer_time_s": peer["time_s"],
            "same_objective": same,
            "speedup": peer["time_s"] / ours.runtime_s if np.isfinite(peer["time_s"]) else float("nan"),
            "engine": ours.method,
        }
        rows.append(row)
        _progress(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", default="1-40", help="OR-Library ids, e.g. 1-20 or 1,5,40")
    ap.add_argument("--time-limit", type=float, default=60.0, help="exact solve limit per instance (s)")
    ap.add_argument("--peer-timeout", type=float, default=600.0, help="spopt subprocess timeout (s)")
    ap.add_argument("--quick", action="store_true", help="pmed1-10, random 40x300 and 100x1000, 20 s limits")
    ap.add_argument("--skip-exact", action="store_true")
    ap.add_argument("--skip-orlib", action="store_true")
    ap.add_argument("--skip-random", action="store_true")
    ap.add_argument("--skip-peer", action="store_true")
    args = ap.parse_args(argv)
    sizes = [(40, 300, 5), (100, 1000, 10), (200, 2000, 20)]
    ids = parse_instances(args.instances)
    if args.quick:
        ids, sizes = [i for i in ids if i <= 10], sizes[:2]
        args.time_limit, args.peer_timeout = min(args.time_limit, 20.0), min(args.peer_timeout, 180.0)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    t0 = time.perf_counter()
    if not args.skip_orlib:
        if not ORLIB.is_dir():
            sys.exit(f"OR-Library folder {ORLIB} not found (expected beside the checkout)")
        table = run_orlib(ids, args.time_limit, not args.skip_exact)
        print(
            "\n## OR-Library p-median (heuristic = method='heuristic'; exact = method='exact', "
            f"limit {args.time_limit:g} s)"
        )
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(
            f"heuristic within 0.5% on {int((table.heur_err_pct <= 0.5).sum())}/{len(table)}; "
            f"max error {table.heur_err_pct.max():.3f}%; max heuristic time {table.heur_time_s.max():.2f} s"
        )
        if not args.skip_exact:
            hit = (table.proven & np.isclose(table.exact_obj, table.published)).sum()
            print(
                f"exact proved the published optimum on {int(hit)}/{len(table)}; "
                f"max exact time {table.exact_time_s.max():.2f} s"
            )
    if not args.skip_random:
        table = run_random(sizes, args.time_limit, args.peer_timeout, args.skip_peer)
        print("\n## Random Euclidean instances, ours (method='auto') vs spopt PMedian + CBC (subprocess)")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\ntotal benchmark time {time.perf_counter() - t0:.1f} s (shared 2-core machine: timings are noisy)")


if __name__ == "__main__":
    main()
