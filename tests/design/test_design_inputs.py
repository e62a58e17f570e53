"""Piecewise-linear cost curves against the exact cost model, and hostile design inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from design_instances import FAMS, tables

from siting.design import cost_curve, design_problem, exact_cost_per_week
from siting.errors import SitingError


@pytest.mark.parametrize("source", ["local", "offshore"])
@pytest.mark.parametrize("fam", FAMS, ids=lambda f: f.family)
def test_curve_is_exact_at_breakpoints_and_within_its_bound_between(fam, source):
    curve = cost_curve(fam, source, 3000.0, v_min_units_per_week=0.5, rel_tol=0.01)
    v = curve.volume_units_per_week
    exact = np.array([exact_cost_per_week(fam, source, x)[0] for x in v])
    np.testing.assert_allclose(curve.cost_per_week, exact, rtol=1e-12)
    rng = np.random.default_rng(7)
    between = np.exp(rng.uniform(math.log(curve.v_min), math.log(3000.0), 80))
    inside_jump = np.zeros(len(between), bool)
    for a, b in curve.jumps:
        inside_jump |= (between > a) & (between < b)
    g = np.array([exact_cost_per_week(fam, source, x)[0] for x in between])
    err = np.abs(curve.cost_at(between) - g) / g
    assert err[~inside_jump].max() <= 1.5 * curve.rel_tol  # stated bound: 1.5 x rel_tol outside jumps
    assert curve.max_rel_error <= 1.5 * curve.rel_tol
    below = np.linspace(0, curve.v_min, 7)[1:]  # below v_min: at most the cost at v_min off
    g_below = np.array([exact_cost_per_week(fam, source, x)[0] for x in below])
    assert np.all(np.abs(curve.cost_at(below) - g_below) <= curve.cost_per_week[1] + 1e-9)


@pytest.mark.parametrize("fam", FAMS, ids=lambda f: f.family)
def test_local_runs_stay_within_50_to_500_units(fam):
    """The brief's run sizes: units per run (volume / runs a week) within 50-500, exact model and curve alike."""
    from siting.design.curves import RUN_MAX_UNITS, RUN_MIN_UNITS

    assert (RUN_MIN_UNITS, RUN_MAX_UNITS) == (50.0, 500.0)
    curve = cost_curve(fam, "local", 3000.0, v_min_units_per_week=0.5, rel_tol=0.01)
    rng = np.random.default_rng(11)
    volumes = np.exp(rng.uniform(math.log(0.5), math.log(3000.0), 40))
    exact = np.array([v / exact_cost_per_week(fam, "local", v)[1] for v in volumes])
    assert ((exact >= 50 - 1e-9) & (exact <= 500 + 1e-9)).all(), exact
    on_curve = volumes / curve.runs_at(volumes)  # what the MILP's hours count between breakpoints too
    assert ((on_curve >= 50 - 1e-6) & (on_curve <= 500 + 1e-6)).all(), on_curve


def _with(key: str, mutate) -> dict:
    t = tables(3)
    t[key] = mutate(t[key].copy())
    return t


def _set(col, row, value):
    def f(df: pd.DataFrame) -> pd.DataFrame:
        df[col] = df[col].astype(object)
        df.loc[df.index[row], col] = value
        return df

    return f


HOSTILE = [
    ("demand", _set("units_per_week", 0, -1.0), "units_per_week"),
    ("demand", _set("units_per_week", 0, float("nan")), "units_per_week"),
    ("demand", _set("units_per_week", 0, float("inf")), "units_per_week"),
    ("demand", lambda df: df.iloc[:0], "demand"),
    ("demand", lambda df: pd.concat([df, df.iloc[:1]]), "duplicate"),
    ("demand", _set("family", 0, "nope"), "nope"),
    ("sites", _set("hours_per_week", 0, 0.0), "hours_per_week"),
    ("sites", _set("fixed_cost_per_yr", 1, -5.0), "fixed_cost_per_yr"),
    ("sites", _set("crossdock_cost_per_unit", 0, float("inf")), "crossdock_cost_per_unit"),
    ("sites", lambda df: pd.concat([df, df.iloc[:1]]), "site_id='s0'"),
    ("lanes", _set("cost_per_unit", 0, float("nan")), "cost_per_unit"),
    ("lanes", _set("within_promise", 0, "yes"), "within_promise"),
    ("lanes", _set("site_id", 0, "ghost"), "ghost"),
    ("direct", lambda df: df.iloc[1:], "direct"),
    ("making", _set("machine_hours_per_unit", 0, -0.1), "machine_hours_per_unit"),
    ("making", lambda df: df.drop(columns=["changeover_hours_per_run"]), "changeover_hours_per_run"),
]


@pytest.mark.parametrize(("key", "mutate", "named"), HOSTILE)
def test_hostile_inputs_are_refused_naming_the_key(key, mutate, named):
    with pytest.raises(SitingError, match=named):
        design_problem(**_with(key, mutate))


@pytest.mark.parametrize("seasons", [{}, {"t0": -1.0}, {"t0": float("nan")}, {"t0": 60.0}])
def test_bad_seasons_are_refused(seasons):
    t = tables(3)
    t["seasons"] = seasons
    with pytest.raises(SitingError, match="season"):
        design_problem(**t)


def test_a_store_no_source_reaches_in_time_is_refused_by_name():
    t = tables(3)
    t["direct"]["within_promise"] = False
    t["lanes"]["within_promise"] = t["lanes"]["store_id"] != "j1"
    with pytest.raises(SitingError, match="'j1'"):
        design_problem(**t)
