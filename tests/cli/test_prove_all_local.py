"""`siting plan --prove-all-local`: the all-local proof's rounds and swaps in one flag, and the hint that offers it."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import run_cli

from siting.cli.console import _local_gap_hint
from siting.design.colgen import MAX_BOUND_ROUNDS
from siting.pipeline.portfolio import PROVE_ALL_LOCAL_SWAPS


def test_the_flag_runs_every_round_and_the_swaps_and_records_them(
    tmp_path: Path, bound_rounds_seen: list[int], swaps_seen: list[int]
) -> None:
    """Kotka: the real all-local bound and start run with the flag's rounds and swaps; summary.json says so."""
    code, _, err = run_cli("plan", "--demo", "kotka", "--prove-all-local", "--no-map", "--out", tmp_path / "run")
    assert code == 0, err
    assert bound_rounds_seen == [MAX_BOUND_ROUNDS] and swaps_seen == [PROVE_ALL_LOCAL_SWAPS]
    options = json.loads((tmp_path / "run" / "summary.json").read_text())["options"]["portfolio"]
    assert (options["all_local_bound_rounds"], options["all_local_swaps"]) == (500, 400)
    assert options["mip_gap"] == 0.01 and options["enabled"] is True


def test_the_flag_wins_over_the_scenarios_keys_and_leaves_the_rest() -> None:
    """``rank_options``: without the flag the scenario's keys stand (the defaults, 0 and 0); with it the rounds
    and swaps are the flag's whatever the scenario says, and every other portfolio option is the scenario's."""
    import dataclasses

    from siting.app import demo_scenario, rank_options

    sc = demo_scenario("kotka")
    plain = rank_options(sc).portfolio
    assert (plain.all_local_bound_rounds, plain.all_local_swaps) == (0, 0)
    rank = {**sc.rank, "portfolio": {"all_local_bound_rounds": 7, "all_local_swaps": 3, "max_nodes": 77}}
    written = dataclasses.replace(sc, rank=rank)
    assert rank_options(written).portfolio.all_local_bound_rounds == 7
    proving = rank_options(written, portfolio_prove_all_local=True).portfolio
    assert (proving.all_local_bound_rounds, proving.all_local_swaps) == (MAX_BOUND_ROUNDS, PROVE_ALL_LOCAL_SWAPS)
    assert proving == dataclasses.replace(
        rank_options(written).portfolio, all_local_bound_rounds=MAX_BOUND_ROUNDS, all_local_swaps=PROVE_ALL_LOCAL_SWAPS
    )


def test_the_hint_offers_the_flag_only_when_it_was_not_given() -> None:
    """Above mip_gap: the flag is offered; with every round already asked for, it says what is left instead."""
    extra = {"local_gap": 0.0255, "mip_gap": 0.01, "local_bound_rounds": 0}
    offered = _local_gap_hint(extra)
    assert offered.startswith("all-local is proven within 2.55%, not the 1.00% asked for (mip_gap): ")
    assert "siting plan --prove-all-local" in offered
    assert "siting plan --prove-all-local" in _local_gap_hint({**extra, "local_bound_rounds": MAX_BOUND_ROUNDS - 1})
    spent = _local_gap_hint({**extra, "local_bound_rounds": MAX_BOUND_ROUNDS}, "national ")
    assert spent.startswith("national all-local is proven within 2.55%")
    assert "--prove-all-local" not in spent and "all_local_bound_rounds = 500" in spent
    assert _local_gap_hint({**extra, "local_gap": 0.01}) == ""  # proven within the gap asked for: no line
