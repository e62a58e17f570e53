"""Presence cuts (column <= its runs binary) and the thresholds of the rounded start, against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from share.test_runcount import brute_force_runs, small_instance
from siting.errors import InfeasibleError
from siting.share import design as design_mod
from siting.share.design import _build, _presence_cuts, _round_presence, _solve, design_network

SEEDS = range(12)  # seed 6 has no feasible design


def _all_cuts(model: design_mod._Model) -> None:
    pairs = model.run_pairs
    k = np.arange(len(pairs))
    model.milp.add_rows(
        "all_cuts", np.r_[k, k], np.r_[pairs[:, 0], pairs[:, 1]], np.r_[np.ones(len(k)), -np.ones(len(k))], hi=0.0
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_presence_cuts_never_cut_off_the_brute_force_optimum(seed: int) -> None:
    """Every presence cut in the MILP at once: its optimum is brute force's (a cut that removed the optimum would
    price it dearer or find none), and the design with the cut rounds on equals it too."""
    pb = small_instance(seed)
    best = brute_force_runs(pb)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            design_network(pb, mip_gap=1e-9)
        return
    model = _build(pb, (0, 1, 2), 0.0, 0.0)
    assert len(model.run_pairs) > 0
    _all_cuts(model)
    full = _solve(model, integer=True, y_fixed=None, time_limit_s=60, gap=1e-9)
    assert full.x is not None
    assert full.objective == pytest.approx(best, rel=1e-6)
    design = design_network(pb, mip_gap=1e-9, presence_cut_rounds=3)
    assert design.status == "optimal"
    assert design.total_per_yr == pytest.approx(best, rel=1e-6)


def test_presence_cuts_raise_some_lp_bound_and_only_add_broken_rows() -> None:
    """The cuts tighten the relaxation on some instance (else they would be dead weight), each round adds only
    rows the last LP broke, and the relaxation never passes brute force's optimum."""
    raised = 0
    for seed in range(4):
        pb = small_instance(seed)
        plain = _build(pb, (0, 1, 2), 0.0, 0.0)
        lp0 = _solve(plain, integer=False, y_fixed=None, time_limit_s=60, gap=0.0)
        cut = _build(pb, (0, 1, 2), 0.0, 0.0)
        lp = _presence_cuts(cut, 3, 60.0)
        assert lp is not None and lp0.x is not None and lp.x is not None
        assert lp.objective >= lp0.objective - 1e-6 * abs(lp0.objective)
        added = sum(cut.milp.row_block(b).stop - cut.milp.row_block(b).start for b in _cut_blocks(cut))
        broken = int((lp0.x[cut.run_pairs[:, 0]] > lp0.x[cut.run_pairs[:, 1]] + 1e-6).sum())
        if added:
            first = cut.milp.row_block("presence_cut0")
            assert first.stop - first.start == broken  # round 0 adds exactly the rows the plain LP breaks
        best = brute_force_runs(pb)
        if np.isfinite(best):
            assert lp.objective <= best * (1 + 1e-9)
        raised += lp.objective > lp0.objective * (1 + 1e-6)
    assert raised >= 3, raised  # 4 of 4 measured


def _cut_blocks(model: design_mod._Model) -> list[str]:
    out = []
    for r in range(10):
        try:
            model.milp.row_block(f"presence_cut{r}")
        except Exception:
            break
        out.append(f"presence_cut{r}")
    return out


@pytest.mark.parametrize("seed", range(8))
def test_the_rounded_start_is_the_cheapest_threshold_and_a_plan(seed: int) -> None:
    """With every site open at its largest level: the start is a plan (at least the MILP's optimum with those
    levels), and the cheapest over the thresholds (at most rounding every used binary up, when that runs)."""
    pb = small_instance(seed)
    model = _build(pb, (0, 1, 2), 0.0, 0.0)
    fixed = np.zeros((pb.n_sites, 2))
    fixed[:, 1] = 1.0
    lp = _solve(model, integer=False, y_fixed=fixed.ravel(), time_limit_s=60, gap=0.0)
    milp = _solve(model, integer=True, y_fixed=fixed.ravel(), time_limit_s=60, gap=1e-9)
    if lp.x is None:  # no plan with these levels even relaxed
        assert milp.x is None
        return
    start = _round_presence(model, fixed.ravel(), lp, 60.0)
    if milp.x is None:
        assert start.x is None or start.reason != "optimal"
        return
    assert start.x is not None and start.reason == "optimal"
    assert start.objective >= milp.objective * (1 - 1e-9)
    # the start is a plan of the MILP: integral presence binaries, every row held
    first, shape = model.milp.blocks["runs_here"]
    w = start.x[first : first + shape[0]]
    assert np.allclose(w, np.round(w))
    a = model.milp.matrix() @ start.x
    lo = np.concatenate(model.milp._row_lo)
    hi = np.concatenate(model.milp._row_hi)
    assert (a >= lo - 1e-6).all() and (a <= hi + 1e-6).all()
    for threshold in design_mod.ROUND_THRESHOLDS:
        one = _round_with(model, fixed.ravel(), lp, threshold)
        if one.x is not None and one.reason == "optimal":
            assert start.objective <= one.objective * (1 + 1e-9)


def _round_with(model, y_fixed, lp, threshold):
    saved = design_mod.ROUND_THRESHOLDS
    design_mod.ROUND_THRESHOLDS = (threshold,)
    try:
        return _round_presence(model, y_fixed, lp, 60.0)
    finally:
        design_mod.ROUND_THRESHOLDS = saved
