"""Dask execution: one task per cluster pipeline and one per chunk of OD sources, on a local or remote cluster."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from siting.errors import ClusterFailedError, InputError
from siting.pipeline.city import rank_city
from siting.pipeline.options import CityInputs, RankOptions
from siting.pipeline.results import CityResult, RunResult
from siting.pipeline.runs import combine_cities, run_options
from siting.progress import report

__all__ = ["dask_client", "cluster_info", "run_clusters", "od_to_parquet", "OD_COLUMNS"]

log = logging.getLogger("siting")

#: columns of the long OD tables written by :func:`od_to_parquet`
OD_COLUMNS = ["source", "target", "time_s", "length_m"]


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while local worker processes start: they inherit "ignore" (Python installs no
    KeyboardInterrupt handler then), so a later Ctrl-C reaches only this process, which closes them,
    instead of every worker printing its own traceback. A Ctrl-C in these few seconds is lost.
    The workers also start with distributed's own log at errors only."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the workers' own distributed log goes to the terminal directly: errors only (siting's log is forwarded)
    saved = os.environ.get("DASK_LOGGING__DISTRIBUTED")
    os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if saved is None:
            os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)
        else:
            os.environ["DASK_LOGGING__DISTRIBUTED"] = saved


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int = 2) -> Iterator[Any]:
    """A ``dask.distributed`` client: a fresh ``LocalCluster`` or an existing scheduler.

    Parameters
    ----------
    scheduler : str
        ``"local"``: start a ``LocalCluster`` of ``workers`` single-threaded worker processes bound to
        127.0.0.1, without dashboard (closed on exit); ``"tcp://HOST:PORT"`` (or ``tls://``): connect
        to a running scheduler (left running on exit).
    workers : int
        Worker processes of a local cluster (ignored for a remote scheduler).

    Yields
    ------
    distributed.Client
    """
    from siting.extras import require

    distributed = require("distributed", "Running on Dask (--scheduler, siting.national.dask_client)")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    from siting.national.scheduler import CONNECT_TIMEOUT_S, check_scheduler_address, check_workers

    if scheduler == "local":
        check_workers(workers)
        with _sigint_ignored():  # its worker processes never see Ctrl-C; this process closes them
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                worker_dashboard_address=None,
                # no dashboard; the scheduler's health endpoint on a free loopback port
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                env={"SITING_N_JOBS": "1"},
                # the workers' own logs stay quiet: a failed task reaches siting through the client,
                # and a worker closing after Ctrl-C (its heartbeat to a closed scheduler) is no news
                silence_logs=logging.CRITICAL,
            )
        quiet = logging.getLogger("distributed")
        level = quiet.level
        try:
            client = Client(cluster)
            try:
                yield client
            except BaseException:
                quiet.setLevel(logging.CRITICAL + 1)  # closing busy workers (e.g. after Ctrl-C) is no news to the user
                raise
            finally:
                client.close()
        finally:
            try:
                cluster.close()
            finally:
                quiet.setLevel(level)
        return
    check_scheduler_address(scheduler)
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        raise InputError(
            f"--scheduler {scheduler}: cannot reach the Dask scheduler within {CONNECT_TIMEOUT_S} s "
            f"({type(exc).__name__}); start it or check the address."
        ) from None
    with client:
        yield client


def cluster_info(client: Any, scheduler: str) -> dict[str, Any]:
    """What run.json records about the cluster: scheduler (as asked), worker count and threads.

    Parameters
    ----------
    client : distributed.Client
    scheduler : str

    Returns
    -------
    dict
        ``scheduler``, ``workers``, ``threads``.
    """
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return {
        "scheduler": scheduler,
        "workers": len(workers),
        "threads": int(sum(w.get("nthreads", 1) for w in workers.values())),
    }


def _rank_task(city: CityInputs, options: RankOptions, log_level: int) -> CityResult:
    """One cluster's pipeline on a worker: one process per task, parallelism comes from the tasks."""
    os.environ["SITING_N_JOBS"] = "1"  # a Dask worker is a daemon process: no forked pool inside
    logging.getLogger("siting").setLevel(log_level)
    return rank_city(city, options)


def run_clusters(
    cities: Sequence[CityInputs],
    options: RankOptions | None = None,
    *,
    client: Any,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunResult:
    """Rank every city (cluster) as one Dask task each; the same answer as :func:`siting.pipeline.run`.

    Each task runs :func:`siting.pipeline.rank_city` on a worker; the driver then adds the overall
    ranking across cities exactly as the serial run does. Worker log records of the ``siting``
    logger are forwarded to this process.

    Parameters
    ----------
    cities : sequence of CityInputs
        Unique names; each city's network (a graph or a file the workers can read) travels with its task.
    options : RankOptions, optional
    client : distributed.Client
        See :func:`dask_client`.
    progress : callable, optional
        ``progress("rank cities", done, total)`` as clusters finish.

    Returns
    -------
    RunResult

    Raises
    ------
    ClusterFailedError
        When any cluster fails (its exception, or a worker killed while running it): the message names
        every failed cluster; ``.partial`` holds the cities that finished.
    """
    from siting.extras import require

    as_completed = require("distributed", "Running on Dask (siting.national.run_clusters)").as_completed

    options = run_options(cities, options)
    names = [c.name for c in cities]
    with contextlib.suppress(Exception):  # older distributed versions lack it: logs then stay on the workers
        client.forward_logging("siting", level=log.getEffectiveLevel())
    futures = {
        client.submit(
            _rank_task, city, options, log.getEffectiveLevel(), key=f"rank-{city.name}", priority=-i
        ): city.name
        for i, city in enumerate(cities)
    }
    results: dict[str, CityResult] = {}
    failures: dict[str, str] = {}
    report(progress, "rank cities", 0, len(cities))
    for done, future in enumerate(as_completed(futures), start=1):
        name = futures[future]
        try:
            results[name] = future.result()
            log.info("%s: ranked %d sites", name, len(results[name].ranking))
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            if type(exc).__name__ == "KilledWorker":
                why = f"the worker running it died (KilledWorker: {exc})"
            failures[name] = why
            log.error("cluster %s failed: %s", name, why)
        report(progress, "rank cities", done, len(cities))
    ordered = {n: results[n] for n in names if n in results}
    if failures:
        partial = combine_cities(ordered, options) if ordered else None
        raise ClusterFailedError({n: failures[n] for n in names if n in failures}, partial)
    return combine_cities(ordered, options)


def _od_chunk(G: nx.MultiDiGraph, sources: np.ndarray, targets: np.ndarray, path: str) -> tuple[str, int]:
    """OD of one chunk of sources, written as one Parquet part (finite pairs only)."""
    from siting.network.od import od_time_length

    os.environ["SITING_N_JOBS"] = "1"
    time_s, length_m = od_time_length(G, sources, targets)
    i, j = np.nonzero(np.isfinite(time_s))
    part = pd.DataFrame(
        {"source": sources[i], "target": targets[j], "time_s": time_s[i, j], "length_m": length_m[i, j]},
        columns=OD_COLUMNS,
    )
    part.to_parquet(path, index=False)
    return path, len(part)


def od_to_parquet(
    G: nx.MultiDiGraph,
    sources: Sequence[int] | np.ndarray,
    targets: Sequence[int] | np.ndarray,
    folder: str | Path,
    *,
    chunk_sources: int = 256,
    client: Any = None,
) -> list[Path]:
    """Travel time and length from every source to every target node, streamed to Parquet by source chunk.

    No process holds more than one chunk's rows (``chunk_sources x len(targets)``): the long table
    is written as ``part-00000.parquet``, ``part-00001.parquet`` ... with :data:`OD_COLUMNS`
    (``time_s`` in seconds, ``length_m`` in metres; unreachable pairs are left out). Read it back with
    ``pandas.read_parquet(folder)``. With a ``client``, each chunk is a Dask task (the graph is sent to
    each worker once); without, chunks run here one after another. Both write the same bytes.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    sources, targets : array of node ids
    folder : str or Path
        Created if needed; must be readable by this process (a shared path on a real cluster).
    chunk_sources : int
    client : distributed.Client, optional

    Returns
    -------
    list of Path
        The part files, in source order.
    """
    if chunk_sources < 1:
        raise InputError(f"chunk_sources must be at least 1, got {chunk_sources}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    src, dst = np.asarray(sources), np.asarray(targets)
    chunks = [src[i : i + chunk_sources] for i in range(0, len(src), chunk_sources)]
    paths = [str(folder / f"part-{k:05d}.parquet") for k in range(len(chunks))]
    if client is None:
        for chunk, path in zip(chunks, paths):
            _od_chunk(G, chunk, dst, path)
    else:
        graph = client.scatter(G, broadcast=True)
        futures = [
            client.submit(_od_chunk, graph, chunk, dst, path, key=f"od-{k:05d}-{uuid.uuid4().hex[:8]}", priority=-k)
            for k, (chunk, path) in enumerate(zip(chunks, paths))
        ]
        client.gather(futures)
    return [Path(p) for p in paths]
