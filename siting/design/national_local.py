"""The national all-local design from the clusters' own: their designs side by side, their proven bounds summed."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from siting.design.bounded import _bounds
from siting.design.model import DesignModel, set_drops
from siting.design.problem import DesignProblem
from siting.design.solve import Design, _tables, with_bound
from siting.design.start import complete, is_feasible
from siting.milp import MilpSolution

__all__ = ["clusters_all_local"]


def clusters_all_local(
    dm: DesignModel, pb: DesignProblem, designs: Mapping[str, Design | None], sep: str
) -> Design | None:
    """The clusters' own all-local designs as one national design, proven against the sum of their bounds.

    All-local, the clusters share nothing: no unit is bought offshore, so the brand-wide buys that
    join them in the national model are empty, and each cluster's sites serve only its stores. The
    national all-local optimum is then the sum of the clusters' optima, and the sum of their proven
    bounds is a proven bound of it. Each design must be its cluster's, solved on the problem that
    :func:`siting.design.national.national_problem` placed in ``pb`` (or on a relaxation of it).

    Parameters
    ----------
    dm : DesignModel
        The national model (its rows and columns hold every cluster's).
    pb : DesignProblem
        The national problem; its ids read ``cluster + sep + id``.
    designs : mapping
        Cluster name -> its own all-local design (its ids); None when a cluster has none.
    sep : str
        The separator of the national ids (:data:`siting.design.national.SEP`).

    Returns
    -------
    Design or None
        The national all-local design, its status and gap against the summed bounds; None when a
        cluster has no all-local design or their union breaks a national row (say a cap of sites).
    """
    if not designs or any(d is None for d in designs.values()):
        return None
    site_of = {s: i for i, s in enumerate(pb.site_ids)}
    store_of = {j: i for i, j in enumerate(pb.store_ids)}
    family_of = {f: i for i, f in enumerate(pb.family_names)}
    season_of = {t: i for i, t in enumerate(pb.season_names)}
    lane_of = {(int(s), int(j)): p for p, (s, j) in enumerate(np.asarray(pb.lanes).reshape(-1, 2))}
    col_of = {(int(p), int(f), int(t)): i for i, (p, f, t) in enumerate(zip(dm.xp, dm.xf, dm.xt, strict=True))}
    levels = np.full(len(pb.site_ids), -1)
    x_local = np.zeros(len(dm.x_cols))
    bound = 0.0
    for cluster, d in designs.items():
        assert d is not None
        for site, level in d.levels.items():
            levels[site_of[f"{cluster}{sep}{site}"]] = pb.level_names.index(level)
        rows = d.portfolio[d.portfolio["source"] == "local"]
        for site, family, store, season, units in zip(
            rows["site"], rows["family"], rows["store_id"], rows["season"], rows["units_per_week"], strict=True
        ):
            p = lane_of[(site_of[f"{cluster}{sep}{site}"], store_of[f"{cluster}{sep}{store}"])]
            x_local[col_of[(p, family_of[f"{cluster}{sep}{family}"], season_of[season])]] += units
        bound += d.bound_per_yr
    x = complete(dm, pb, levels, x_local)
    if x is None:
        return None
    # all-local buys nothing offshore: no residue of the demand rows' rounding left to offshore buys or drops
    x[dm.yo_cols] = 0.0
    x[dm.yd_cols] = 0.0
    for g, seg in enumerate(dm.offshore_seg):
        x[seg] = 0.0
        if seg.shape[-1] > 1:
            start, _ = dm.model.blocks[f"bin_offshore_{g}"]
            x[start : start + seg[..., 1:].size] = 0.0
    x = set_drops(dm, x)
    lb, ub = _bounds(dm, pb, "local")
    if not is_feasible(dm, x, lb, ub):
        return None
    time_s = sum(d.time_s for d in designs.values() if d is not None)
    unproven = MilpSolution("unproven", dm.model.objective(x), -np.inf, np.inf, time_s, x, dm.model.blocks)
    return with_bound(_tables(dm, pb, unproven, "local"), bound)  # its status and gap follow the summed bound
