"""Sequence-dependent changeovers: the matrix table, its lower bound for the design, and the exact cyclic sequence."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError, InputError

log = logging.getLogger("siting")

__all__ = [
    "CHANGEOVER_COLUMNS",
    "MAX_FAMILIES",
    "SEQUENCE_COLUMNS",
    "changeover_matrix",
    "cheapest_cycle",
    "cycle_changeover_hours",
    "incoming_lower_bound",
    "read_changeovers",
    "refuse_overloads",
    "sequence_table",
    "warn_overloads",
]

#: Columns of a changeover table (``[share] changeovers = "changeovers.csv"``).
CHANGEOVER_COLUMNS = ("process", "from_family", "to_family", "changeover_min")

#: Most families one site's cycle is enumerated over ((k-1)! orders: 5,040 at 8).
MAX_FAMILIES = 8


def cheapest_cycle(cost_hours: np.ndarray) -> tuple[float, tuple[int, ...]]:
    """The cheapest cyclic sequence over k families, exact by enumeration.

    Parameters
    ----------
    cost_hours : ndarray, shape (k, k)
        ``cost_hours[a, b]``: hours to change over from family a to family b (any units; the
        diagonal is used only when k = 1: one family changes over to itself between its runs).

    Returns
    -------
    (cost, order)
        The cycle's cost (sum of ``cost_hours[order[i], order[i + 1]]``, wrapping round to
        ``order[0]``) and the order, starting at family 0; ``(0.0, ())`` for k = 0.

    Raises
    ------
    InputError
        More than :data:`MAX_FAMILIES` families.
    """
    c = np.asarray(cost_hours, dtype=float)
    k = c.shape[0]
    if c.shape != (k, k):
        raise InputError(f"cheapest_cycle: expected a square matrix, got shape {c.shape}.")
    if k == 0:
        return 0.0, ()
    if k == 1:
        return float(c[0, 0]), (0,)
    if k > MAX_FAMILIES:
        raise InputError(
            f"cheapest_cycle: {k} families at one site; the exact sequence is enumerated for at most {MAX_FAMILIES}."
        )
    best = np.inf
    order: tuple[int, ...] = (0,)
    for rest in itertools.permutations(range(1, k)):
        tour = (0, *rest)
        cost = float(c[tour, tour[1:] + (0,)].sum())
        if cost < best - 1e-12:
            best, order = cost, tour
    return best, order


def incoming_lower_bound(matrix_hours: np.ndarray) -> np.ndarray:
    """The cheapest changeover into each family from any family (itself included), shape (B, P).

    Whatever cyclic sequence a site runs, each run of family b follows a run of some family a it
    makes (b itself when b is all it makes), so ``min_a matrix[p, a, b]`` hours per run is a lower
    bound on b's changeover: the design MILP charges it per run and stays linear.

    Parameters
    ----------
    matrix_hours : ndarray, shape (P, B, B)
        ``matrix_hours[p, a, b]``: hours on process p to change over from family a to family b.
    """
    m = np.asarray(matrix_hours, dtype=float)
    return m.min(axis=1).T.copy()


def changeover_matrix(
    table: pd.DataFrame,
    family_names: Sequence[str],
    process_names: Sequence[str],
    changeover_hours: np.ndarray,
    *,
    source: str = "changeovers",
) -> np.ndarray:
    """A sequence-dependent changeover matrix from a table, in hours, shape (P, B, B).

    Parameters
    ----------
    table : DataFrame
        Columns ``process, from_family, to_family, changeover_min`` (minutes per changeover). The
        families are the network's brands (each brand's routing is one family of runs).
    family_names, process_names : sequence of str
    changeover_hours : ndarray, shape (B, P)
        Each family's own changeover per run (``[[routings]]``): the hours of every pair the table
        leaves out (``matrix[p, a, b] = changeover_hours[b, p]``).
    source : str
        Named in error messages (the file's path).

    Raises
    ------
    InputError
        Naming the source, the row (the file's line, header = line 1) and the column: a missing
        column, an empty table, an unknown process or family, a duplicate pair, or a changeover that
        is not a finite number >= 0.
    """
    fams, procs = list(family_names), list(process_names)
    own = np.asarray(changeover_hours, dtype=float)
    missing = [c for c in CHANGEOVER_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"{source}: missing column {missing[0]!r}; a changeover table has the columns "
            f"{', '.join(CHANGEOVER_COLUMNS)}."
        )
    if len(table) == 0:
        raise InputError(f"{source}: the changeover table holds no rows; add rows or leave share.changeovers out.")
    matrix = np.repeat(own.T[:, None, :], len(fams), axis=1)  # (P, B, B): [p, a, b] = own[b, p]
    seen: dict[tuple[int, int, int], int] = {}
    for k, row in enumerate(table.itertuples(index=False)):
        line = k + 2
        at = f"{source}: row {line}"
        proc, a, b = (str(getattr(row, c)).strip() for c in CHANGEOVER_COLUMNS[:3])
        if proc not in procs:
            raise InputError(f"{at}, column 'process': unknown process {proc!r}; the processes are {', '.join(procs)}.")
        for col, name in (("from_family", a), ("to_family", b)):
            if name not in fams:
                raise InputError(f"{at}, column {col!r}: unknown family {name!r}; the families are {', '.join(fams)}.")
        raw = row.changeover_min
        try:
            minutes = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"{at}, column 'changeover_min': expected minutes, got {raw!r}.") from None
        if not np.isfinite(minutes) or minutes < 0:
            raise InputError(f"{at}, column 'changeover_min': must be a finite number of minutes >= 0, got {raw!r}.")
        key = (procs.index(proc), fams.index(a), fams.index(b))
        if key in seen:
            raise InputError(
                f"{at}: the pair {a!r} -> {b!r} on process {proc!r} is already given in row {seen[key]}; "
                "give each pair once."
            )
        seen[key] = line
        matrix[key] = minutes / 60.0
    return matrix


def read_changeovers(
    path: str | Path, family_names: Sequence[str], process_names: Sequence[str], changeover_hours: np.ndarray
) -> np.ndarray:
    """Read a changeover CSV (``process,from_family,to_family,changeover_min``) into hours, shape (P, B, B).

    See :func:`changeover_matrix`; an empty or unreadable file is refused naming the file.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: changeover file not found; check share.changeovers.")
    text = p.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise InputError(f"{p}: the changeover file is empty; give a header {','.join(CHANGEOVER_COLUMNS)} and rows.")
    try:
        table = pd.read_csv(p, dtype={"process": str, "from_family": str, "to_family": str}, encoding="utf-8-sig")
    except Exception as exc:  # pandas raises many types for unreadable CSVs
        raise InputError(f"{p}: cannot read as CSV ({exc}); save it as comma-separated UTF-8 text.") from None
    return changeover_matrix(table, family_names, process_names, changeover_hours, source=str(p))


SEQUENCE_COLUMNS = [
    "site_id",
    "process",
    "season",
    "sequence",
    "changeover_hours_per_week_design",
    "changeover_hours_per_week_sequence",
    "hours_per_week_sequence",
    "available_hours_per_week",
    "fits",
]


def sequence_table(pb: Any, design: Any) -> pd.DataFrame:
    """The exact cyclic changeover sequence of every open site, process and season (``sequence.csv``).

    A site makes the families it serves in a season in a repeating cycle; each run of family b
    follows a run of its predecessor a in the cycle and costs ``matrix[p, a, b]`` hours; family b
    runs ``units_b / run_units_b`` times a week. The order minimises the week's changeover hours
    (:func:`cheapest_cycle` on ``runs_b x matrix[p, a, b]``). ``changeover_hours_per_week_design``
    is what the design charged (the lower bound); ``hours_per_week_sequence`` is the design's hours
    with the exact changeovers; ``available_hours_per_week`` the level's regular hours x
    ``max_utilisation`` plus its flexible hours; ``fits`` whether the exact hours stay within them.
    Empty without a changeover matrix.
    """
    matrix = getattr(pb, "changeover_matrix_hours", None)
    if matrix is None:
        return pd.DataFrame(columns=SEQUENCE_COLUMNS)
    matrix = np.asarray(matrix, dtype=float)
    brand_of = np.asarray(pb.store_brand)
    nb = len(pb.brand_names)
    made = design.made_units_per_week  # (n, m, T)
    hpu = np.asarray(pb.hours_per_unit, dtype=float)
    lb = np.asarray(pb.changeover_hours, dtype=float)  # (B, P), the design's charge per run
    runs_per_unit = 1.0 / np.asarray(pb.run_units, dtype=float)
    hours = np.asarray(pb.process_hours_per_week, dtype=float)
    flex = np.asarray(pb.flex_hours_per_week, dtype=float)
    held = design.reserved_hours_per_week  # (n, B, P)
    rows = []
    for i in design.open_sites:
        units = np.stack([made[i][brand_of == b].sum(axis=0) for b in range(nb)])  # (B, T)
        lvl = design.level[i]
        for q, proc in enumerate(pb.process_names):
            visits = (hpu[:, q] > 0) | (matrix[q].max(axis=0) > 0)
            available = float(hours[lvl, q] * pb.max_utilisation + flex[lvl, q])
            for t, season in enumerate(pb.season_names):
                fam = [b for b in range(nb) if units[b, t] > 1e-9 and visits[b]]
                runs = units[fam, t] * runs_per_unit[fam]  # runs per week
                cost, order = cheapest_cycle(matrix[q][np.ix_(fam, fam)] * runs[None, :])
                seq_b = np.zeros(nb)
                for pos, k in enumerate(order):
                    prev = order[pos - 1] if len(order) > 1 else k
                    seq_b[fam[k]] = runs[k] * matrix[q, fam[prev], fam[k]]
                design_b = units[:, t] * runs_per_unit * lb[:, q]
                load = units[:, t] * hpu[:, q]
                exact = float(np.maximum(load + seq_b, held[i, :, q]).sum())
                rows.append(
                    (
                        pb.site_ids[i],
                        proc,
                        season,
                        ">".join(pb.brand_names[fam[k]] for k in order),
                        float(design_b.sum()),
                        float(cost),
                        exact,
                        available,
                        bool(exact <= available * (1 + 1e-6) + 1e-6),
                    )
                )
    return pd.DataFrame(rows, columns=SEQUENCE_COLUMNS)


def cycle_changeover_hours(pb: Any, design: Any) -> np.ndarray:
    """Hours each run of each brand costs in the exact cheapest cycle, shape (n, B, P, T).

    At each open site, process and season the brands made there run in the cycle of
    :func:`sequence_table` (:func:`cheapest_cycle` on ``runs_b x matrix[p, a, b]``); a run of brand b
    costs ``matrix[p, a, b]``, a its predecessor in the cycle. Elsewhere (no changeover matrix, a
    brand not made there, a closed site) the problem's ``changeover_hours`` (the design's charge).
    """
    lb = np.asarray(pb.changeover_hours, dtype=float)  # (B, P)
    n, nt = pb.n_sites, len(pb.season_names)
    out = np.broadcast_to(lb[None, :, :, None], (n,) + lb.shape + (nt,)).copy()
    matrix = getattr(pb, "changeover_matrix_hours", None)
    if matrix is None:
        return out
    matrix = np.asarray(matrix, dtype=float)
    brand_of = np.asarray(pb.store_brand)
    nb = len(pb.brand_names)
    hpu = np.asarray(pb.hours_per_unit, dtype=float)
    per_run = 1.0 / np.asarray(pb.run_units, dtype=float)
    for i in design.open_sites:
        units = np.stack([design.made_units_per_week[i][brand_of == b].sum(axis=0) for b in range(nb)])  # (B, T)
        for q in range(len(pb.process_names)):
            visits = (hpu[:, q] > 0) | (matrix[q].max(axis=0) > 0)
            for t in range(nt):
                fam = [b for b in range(nb) if units[b, t] > 1e-9 and visits[b]]
                _, order = cheapest_cycle(matrix[q][np.ix_(fam, fam)] * (units[fam, t] * per_run[fam])[None, :])
                for pos, k in enumerate(order):
                    prev = order[pos - 1] if len(order) > 1 else k
                    out[i, fam[k], q, t] = matrix[q, fam[prev], fam[k]]
    return out


def refuse_overloads(table: pd.DataFrame) -> None:
    """Raise :class:`~siting.errors.InfeasibleError` naming the first site, process and season whose exact
    changeover sequence does not fit its hours (``share.sequence_overrun = "refuse"``), with the fix."""
    bad = table[~table["fits"].astype(bool)] if len(table) else table
    if not len(bad):
        return
    row = bad.iloc[0]
    more = f" (and {len(bad) - 1} more site/process/season)" if len(bad) > 1 else ""
    raise InfeasibleError(
        f"site {row.site_id!r}, process {row.process!r}, season {row.season!r}: the exact changeover sequence "
        f"{row.sequence} needs {row.hours_per_week_sequence:.1f} h/week, more than the "
        f"{row.available_hours_per_week:.1f} h/week available{more}; the design charged only the cheapest incoming "
        f"changeovers ({row.changeover_hours_per_week_design:.1f} h vs {row.changeover_hours_per_week_sequence:.1f} "
        "h in sequence). Raise that level's process_hours_per_week or max_utilisation, add flex_hours_per_week, "
        "lower the changeover_min of that pair in the changeovers table, or set share.sequence_overrun = "
        '"warn" to keep the design with a warning.'
    )


def warn_overloads(table: pd.DataFrame) -> list[str]:
    """Log (and return) a warning for every site, process and season whose exact sequence does not fit its hours."""
    out = []
    for row in table[~table["fits"].astype(bool)].itertuples(index=False):
        msg = (
            f"site {row.site_id!r}, process {row.process!r}, season {row.season!r}: the changeover sequence "
            f"{row.sequence} needs {row.hours_per_week_sequence:.1f} h/week, more than its "
            f"{row.available_hours_per_week:.1f} available (the design charged the cheapest incoming changeovers, "
            f"{row.changeover_hours_per_week_design:.1f} h, vs {row.changeover_hours_per_week_sequence:.1f} h in "
            "sequence); raise the level's hours or max_utilisation, or add flexible hours."
        )
        log.warning("%s", msg)
        out.append(msg)
    return out
