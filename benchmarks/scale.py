"""National scale: the same country ranked serially in one process and on a 2-worker Dask LocalCluster.

Run from the repository root:

    python benchmarks/scale.py            # 40 clusters, 250,000 road nodes, 20,000 stores, 2,000 sites
    python benchmarks/scale.py --quick    # 8 clusters, a few minutes less

The country is :func:`siting.national.synthetic_country` (seeded): separate street-grid cities joined by
highways. Clusters are found from the stores (:func:`siting.national.cluster_cities`), each cluster's
network cut from the national one. Then, in the same run:

- serial: :func:`siting.pipeline.run` in this process (the default without ``--scheduler``);
- LocalCluster: :func:`siting.national.run_clusters` on 2 single-threaded worker processes
  (``siting rank --scheduler local --workers 2``), cluster start-up excluded, shipping the cut
  networks to the workers included.

Printed: both times and their ratio, whether every output table is byte-identical, the machine load
(this machine is shared), the peak resident memory of each worker process (ru_maxrss), and an
estimate for 64 workers: the measured per-task compute times scheduled longest-first on 64 workers,
plus the measured per-task overhead and the driver's own work. It is an estimate, not a measurement.
"""

from __future__ import annotations

import argparse
import heapq
import os
import resource
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from siting.national import cluster_cities, dask_client, run_clusters
from siting.national.synthetic import synthetic_country
from siting.pipeline import RankOptions, run


def _tables(result) -> list[bytes]:
    return [
        result.ranking.to_csv(index=False).encode(),
        result.sensitivity.to_csv(index=False).encode(),
        result.lane_totals.to_csv(index=False).encode(),
        result.lanes.to_wkt().to_csv(index=False).encode(),
    ]


def _peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _makespan(task_s: list[float], workers: int) -> float:
    """Longest-processing-time-first list scheduling of the measured tasks on ``workers`` workers."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for t in sorted(task_s, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + t)
    return max(loads)


def main() -> None:
    """Build the country, run it serially and on a LocalCluster, print times, ratio, memory, estimate."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    n = 8 if args.quick else 40
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), cpus: {os.cpu_count()}")
    t0 = time.perf_counter()
    country = synthetic_country(n_cities=n, nodes_per_city=6400, stores_per_city=500, candidates_per_city=50, seed=0)
    build_s = time.perf_counter() - t0
    G = country.network
    print(
        f"country: {G.number_of_nodes():,} road nodes, {G.number_of_edges():,} edges, "
        f"{len(country.stores):,} stores, {len(country.candidates):,} candidate sites (built in {build_s:.1f} s)"
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cities, clusters = cluster_cities(country.stores, country.candidates, G)
    cut_s = time.perf_counter() - t0
    print(f"clusters found: {len(clusters)} (clustering + network cuts {cut_s:.1f} s in the driver)")
    del country, G
    options = RankOptions()

    t0, c0 = time.perf_counter(), _cpu_s()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        serial = run(cities, options)
    serial_s, serial_cpu = time.perf_counter() - t0, _cpu_s() - c0
    print(
        f"serial (in-process): {serial_s:.1f} s; driver peak RSS {_peak_rss_mib():,.0f} MiB; "
        f"load {os.getloadavg()[0]:.2f}"
    )

    from distributed import get_task_stream

    with dask_client("local", args.workers) as client:
        cpu0 = client.run(_cpu_s)  # workers up
        t0 = time.perf_counter()
        with get_task_stream(client) as stream, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            distributed = run_clusters(cities, options, client=client)
        dask_s = time.perf_counter() - t0
        rss = client.run(_peak_rss_mib)
        cpu1 = client.run(_cpu_s)
        load = os.getloadavg()[0]
    compute = [
        sum(s["stop"] - s["start"] for s in rec["startstops"] if s["action"] == "compute") for rec in stream.data
    ]
    span = [
        max(s["stop"] for s in rec["startstops"]) - min(s["start"] for s in rec["startstops"]) for rec in stream.data
    ]
    same = _tables(serial) == _tables(distributed)
    print(f"LocalCluster ({args.workers} workers): {dask_s:.1f} s; load {load:.2f}")
    workers_cpu = sum(cpu1[a] - cpu0[a] for a in cpu1)
    print(
        f"CPU time used: serial {serial_cpu:.0f} s over {serial_s:.0f} s ({serial_cpu / serial_s:.2f} cores); "
        f"workers {workers_cpu:.0f} s over {dask_s:.0f} s ({workers_cpu / dask_s:.2f} cores): the rest of the "
        "2 cores went to other users of this shared machine"
    )
    busiest = max(cpu1[a] - cpu0[a] for a in cpu1)
    print(
        f"ESTIMATE on an idle machine (each process on its own core): serial {serial_cpu:.0f} s, "
        f"LocalCluster {busiest:.0f} s (busiest worker's CPU time): {serial_cpu / busiest:.2f}x"
    )
    print(f"speed-up serial / LocalCluster: {serial_s / dask_s:.2f}x (target >= 1.6x on 2 cores)")
    print(f"outputs identical to the serial run (ranking, sensitivity, lane totals, lanes): {same}")
    for addr, mib in sorted(rss.items()):
        print(f"  worker {addr}: peak RSS {mib:,.0f} MiB")
    print(
        f"per-task compute: {len(compute)} tasks, mean {sum(compute) / len(compute):.2f} s, "
        f"max {max(compute):.2f} s, total {sum(compute):.1f} s"
    )
    overhead = max(0.0, dask_s - _makespan(compute, args.workers))
    for workers in (args.workers, 64):
        est = _makespan(compute, workers) + overhead
        print(
            f"estimate for {workers} workers: {est:.1f} s for this job (longest-first schedule of the measured "
            f"task times + {overhead:.1f} s measured overhead; driver cuts {cut_s:.1f} s not included)"
        )
    scaled = [c for c in compute for _ in range(64)]  # 64 such countries = 64 x the tasks
    est64 = _makespan(scaled, 64) + overhead
    print(
        f"estimate for a job 64x larger ({64 * len(compute)} clusters) on 64 workers: {est64:.1f} s "
        f"(vs {sum(scaled):.0f} s of task compute on one worker); ESTIMATE from measured per-task times, not measured"
    )
    print(f"mean task span incl. (de)serialisation: {sum(span) / len(span):.2f} s")
    if not same:
        raise SystemExit("outputs differ between serial and LocalCluster runs")


if __name__ == "__main__":
    main()
