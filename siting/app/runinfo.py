"""run.json: what a run was computed from (scenario, versions, input hashes, timings) and the diff of two runs."""

from __future__ import annotations

import datetime as _dt
import json
import platform
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting.errors import InputError
from siting.network.cache import file_sha256

if TYPE_CHECKING:  # pragma: no cover
    from siting.config.scenario import Scenario

__all__ = [
    "RUN_FILE",
    "file_sha256",
    "input_files",
    "run_record",
    "write_run",
    "read_run",
    "to_jsonable",
    "RunDiff",
    "diff_runs",
    "format_diff",
]

RUN_FILE = "run.json"
RUN_FORMAT = 1


def input_files(scenario: Scenario) -> dict[str, Path]:
    """Every input file of a scenario by a stable label (``helsinki.stores``, ``vehicles`` ...).

    Parameters
    ----------
    scenario : siting.config.Scenario

    Returns
    -------
    dict of str to Path
        Only files that exist (network sources that are place names are left out).
    """
    from siting.app.inputs import network_source
    from siting.app.options import base_dir
    from siting.inputs.layers import LAYER_COLUMNS

    base = base_dir(scenario)
    files: dict[str, Path] = {}
    if scenario.source is not None:
        files["scenario"] = Path(scenario.source)
    for city in scenario.cities:
        for kind in LAYER_COLUMNS:
            spec = getattr(city.layers, kind)
            if spec is not None:
                files[f"{city.name}.{kind}"] = Path(spec.path)
        try:
            src = network_source(city, base)
        except InputError:
            continue
        if isinstance(src, Path):
            files[f"{city.name}.network"] = src
    if scenario.vehicles.file is not None:
        files["vehicles"] = Path(scenario.vehicles.file)
    for key in ("products", "sku_popularity", "order_history"):
        if getattr(scenario.costs, key) is not None:
            files[key] = Path(getattr(scenario.costs, key))
    return {k: p for k, p in files.items() if p.is_file()}


def to_jsonable(value: Any) -> Any:
    """``value`` with paths, numpy scalars and dates turned into JSON types (anything else as its repr).

    Parameters
    ----------
    value : Any
        Mappings and sequences are converted item by item.

    Returns
    -------
    Any
        Something :func:`json.dumps` accepts.
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return repr(value)


def _version() -> str:
    import siting

    return siting.__version__


def _factor_set() -> str | None:
    try:
        from siting.delivery.emissions import FACTOR_SET
    except ImportError:  # pragma: no cover
        return None
    return FACTOR_SET


def run_record(
    scenario: Scenario,
    *,
    command: str,
    top_sites: Mapping[str, Iterable[str]] | None = None,
    timings_s: Mapping[str, float] | None = None,
    outputs: Iterable[str | Path] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The run.json record of one run.

    Parameters
    ----------
    scenario : siting.config.Scenario
    command : str
        "rank" or "plan".
    top_sites : mapping, optional
        City -> site ids in rank order (the first few), or the chosen sites for ``plan``.
    timings_s : mapping, optional
        Stage -> seconds.
    outputs : iterable of path
        Files the run wrote.
    extra : mapping, optional
        Anything else worth recording (e.g. solver gaps).

    Returns
    -------
    dict
        JSON-serialisable: ``format``, ``command``, ``created_utc``, ``siting_version``,
        ``python``, ``platform``, ``factor_set``, ``scenario`` (the TOML document as read),
        ``scenario_file``, ``inputs`` (label -> {path, sha256, bytes}), ``timings_s``,
        ``top_sites``, ``outputs``.
    """
    inputs = {
        label: {"path": str(p), "sha256": file_sha256(p), "bytes": p.stat().st_size}
        for label, p in sorted(input_files(scenario).items())
    }
    record = {
        "format": RUN_FORMAT,
        "command": command,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "siting_version": _version(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "factor_set": _factor_set(),
        "scenario_file": None if scenario.source is None else str(scenario.source),
        "scenario": to_jsonable(scenario.raw),
        "inputs": inputs,
        "timings_s": {k: round(float(v), 4) for k, v in (timings_s or {}).items()},
        "top_sites": {k: [str(s) for s in v] for k, v in (top_sites or {}).items()},
        "outputs": [str(p) for p in outputs],
    }
    if extra:
        record.update(to_jsonable(dict(extra)))
    return record


def write_run(record: Mapping[str, Any], out_dir: str | Path) -> Path:
    """Write ``run.json`` into ``out_dir`` atomically.

    Returns
    -------
    pathlib.Path
    """
    from siting.outputs import write_text

    path = Path(out_dir) / RUN_FILE
    write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", path)
    return path


def read_run(path: str | Path) -> dict[str, Any]:
    """Read a run.json (or the run.json inside an output folder).

    Raises
    ------
    InputError
        When the file is missing or not a run record.
    """
    p = Path(path)
    if p.is_dir():
        p = p / RUN_FILE
    if not p.is_file():
        raise InputError(f"{p}: no run record found; pass a run.json or the --out folder of a run.")
    try:
        record = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: not a valid run.json ({exc}).") from None
    if not isinstance(record, dict) or "format" not in record or "inputs" not in record:
        raise InputError(f"{p}: not a siting run record (no 'format'/'inputs' keys).")
    return record


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


@dataclass(frozen=True)
class RunDiff:
    """What changed between two runs.

    Attributes
    ----------
    scenario : list of (key, old, new)
        Scenario settings that differ (``None`` = absent).
    inputs : list of (label, change)
        Input files added, removed or with different content (by sha256).
    versions : list of (what, old, new)
        Package version, factor set or command that differ.
    top_sites : dict
        City -> {"a": [...], "b": [...], "entered": [...], "left": [...], "moved": [(site, rank_a, rank_b)]}.
    chosen : dict
        City -> (chosen sites of A, of B) where two ``plan`` runs chose different sets.
    """

    scenario: list[tuple[str, Any, Any]] = field(default_factory=list)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    versions: list[tuple[str, Any, Any]] = field(default_factory=list)
    top_sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    chosen: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        """True when nothing differs."""
        changed_sites = any(d["entered"] or d["left"] or d["moved"] for d in self.top_sites.values())
        return not (self.scenario or self.inputs or self.versions or changed_sites or self.chosen)


def diff_runs(a: Mapping[str, Any], b: Mapping[str, Any]) -> RunDiff:
    """Compare two run records (from :func:`read_run`).

    Parameters
    ----------
    a, b : mapping

    Returns
    -------
    RunDiff
    """
    fa, fb = _flatten(a.get("scenario", {})), _flatten(b.get("scenario", {}))
    scenario = [(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
    ia, ib = a.get("inputs", {}), b.get("inputs", {})
    inputs = []
    for label in sorted(set(ia) | set(ib)):
        if label not in ia:
            inputs.append((label, f"added ({ib[label]['path']})"))
        elif label not in ib:
            inputs.append((label, f"removed ({ia[label]['path']})"))
        elif ia[label]["sha256"] != ib[label]["sha256"]:
            inputs.append((label, f"content changed ({ia[label]['sha256'][:12]} -> {ib[label]['sha256'][:12]})"))
    versions = [
        (key, a.get(key), b.get(key)) for key in ("command", "siting_version", "factor_set") if a.get(key) != b.get(key)
    ]
    top: dict[str, dict[str, Any]] = {}
    ta, tb = a.get("top_sites", {}), b.get("top_sites", {})
    for city in list(dict.fromkeys([*ta, *tb])):
        sa, sb = list(ta.get(city, [])), list(tb.get(city, []))
        if sa and sb:  # compare the same number of top sites
            n = min(len(sa), len(sb))
            sa, sb = sa[:n], sb[:n]
        moved = [(s, sa.index(s) + 1, sb.index(s) + 1) for s in sa if s in sb and sa.index(s) != sb.index(s)]
        top[city] = {
            "a": sa,
            "b": sb,
            "entered": [s for s in sb if s not in sa],
            "left": [s for s in sa if s not in sb],
            "moved": moved,
        }
    ca, cb = a.get("chosen_sites") or {}, b.get("chosen_sites") or {}
    chosen = {
        city: (list(ca.get(city, [])), list(cb.get(city, [])))
        for city in dict.fromkeys([*ca, *cb])
        if ca and cb and sorted(ca.get(city, [])) != sorted(cb.get(city, []))
    }
    return RunDiff(scenario=scenario, inputs=inputs, versions=versions, top_sites=top, chosen=chosen)


def format_diff(diff: RunDiff, *, name_a: str = "A", name_b: str = "B") -> str:
    """Human-readable text of a :class:`RunDiff`.

    Returns
    -------
    str
    """
    lines = [f"comparing {name_a} -> {name_b}"]
    if diff.same:
        lines.append("no differences in inputs, settings or top sites")
        return "\n".join(lines)
    if diff.versions:
        lines.append("versions:")
        lines += [f"  {k}: {old} -> {new}" for k, old, new in diff.versions]
    if diff.scenario:
        lines.append("scenario:")
        lines += [f"  {k}: {json.dumps(old)} -> {json.dumps(new)}" for k, old, new in diff.scenario]
    if diff.inputs:
        lines.append("input files:")
        lines += [f"  {label}: {change}" for label, change in diff.inputs]
    lines.append("top sites:")
    for city, d in diff.top_sites.items():
        if not (d["entered"] or d["left"] or d["moved"]):
            lines.append(f"  {city}: unchanged ({', '.join(d['a'][:5])}{' ...' if len(d['a']) > 5 else ''})")
            continue
        lines.append(f"  {city}: {' '.join(d['a'])}  ->  {' '.join(d['b'])}")
        lines += [f"    entered: {s} (rank {d['b'].index(s) + 1})" for s in d["entered"]]
        lines += [f"    left: {s} (was rank {d['a'].index(s) + 1})" for s in d["left"]]
        lines += [f"    moved: {s} {ra} -> {rb}" for s, ra, rb in d["moved"]]
    if diff.chosen:
        lines.append("chosen sites (plan):")
        lines += [f"  {city}: {', '.join(a) or '-'}  ->  {', '.join(b) or '-'}" for city, (a, b) in diff.chosen.items()]
    return "\n".join(lines)
