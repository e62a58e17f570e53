"""`siting plan` proves the all-local design by default (`--prove-all-local`, `--no-prove-all-local`), and the hint."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import run_cli

from siting.cli.console import _local_gap_hint
from siting.design.colgen import MAX_BOUND_ROUNDS
from siting.pipeline.portfolio import PROVE_ALL_LOCAL_SWAPS


def test_plan_runs_every_round_and_the_swaps_by_default_and_records_them(
    tmp_path: Path, bound_rounds_seen: list[int], swaps_seen: list[int]
) -> None:
    """Kotka, no flag: the real all-local bound and start run with the proof's rounds and swaps; summary.json too."""
    code, _, err = run_cli("plan", "--demo", "kotka", "--no-map", "--out", tmp_path / "run")
    assert code == 0, err
    assert bound_rounds_seen == [MAX_BOUND_ROUNDS] and swaps_seen == [PROVE_ALL_LOCAL_SWAPS]
    options = json.loads((tmp_path / "run" / "summary.json").read_text())["options"]["portfolio"]
    assert (options["all_local_bound_rounds"], options["all_local_swaps"]) == (500, 400)
    assert options["mip_gap"] == 0.01 and options["enabled"] is True


def test_the_proof_follows_the_scope_unless_the_scenario_or_a_flag_says() -> None:
    """``rank_options``: unset, the rounds and swaps follow the scope (plan's ``full``: the proof's 500 and 400;
    rank's ``values``: 0 and 0); the scenario's keys win over the scope; either flag wins over both, and every
    other portfolio option is the scenario's."""
    import dataclasses

    from siting.app import demo_scenario, rank_options

    sc = demo_scenario("kotka")
    plain = rank_options(sc).portfolio
    assert (plain.all_local_bound_rounds, plain.all_local_swaps) == (None, None)
    assert (plain.local_bound_rounds(), plain.local_swaps()) == (0, 0)  # rank's site values
    full = dataclasses.replace(plain, scope="full")  # what plan() runs
    assert (full.local_bound_rounds(), full.local_swaps()) == (MAX_BOUND_ROUNDS, PROVE_ALL_LOCAL_SWAPS)
    rank = {**sc.rank, "portfolio": {"all_local_bound_rounds": 7, "all_local_swaps": 3, "max_nodes": 77}}
    written = dataclasses.replace(sc, rank=rank)
    keyed = dataclasses.replace(rank_options(written).portfolio, scope="full")
    assert (keyed.local_bound_rounds(), keyed.local_swaps()) == (7, 3)
    proving = rank_options(written, portfolio_prove_all_local=True).portfolio
    assert (proving.local_bound_rounds(), proving.local_swaps()) == (MAX_BOUND_ROUNDS, PROVE_ALL_LOCAL_SWAPS)
    assert proving == dataclasses.replace(
        rank_options(written).portfolio, all_local_bound_rounds=MAX_BOUND_ROUNDS, all_local_swaps=PROVE_ALL_LOCAL_SWAPS
    )
    quick = dataclasses.replace(rank_options(sc, portfolio_prove_all_local=False).portfolio, scope="full")
    assert (quick.local_bound_rounds(), quick.local_swaps()) == (0, 0)
    assert quick == dataclasses.replace(full, all_local_bound_rounds=0, all_local_swaps=0)


def test_the_hint_offers_the_flag_only_when_it_was_not_given() -> None:
    """Above mip_gap: the rounds the run asked for and the flag are offered; with every round already asked for,
    it says what is left instead."""
    extra = {"local_gap": 0.0255, "mip_gap": 0.01, "local_bound_rounds": 0}
    offered = _local_gap_hint(extra)
    assert offered.startswith(
        "all-local is proven within 2.55%, not the 1.00% asked for (mip_gap): this run asked for 0 column rounds "
        "(all_local_bound_rounds); siting plan --prove-all-local (plan's default) runs them until it is"
    )
    fewer = _local_gap_hint({**extra, "local_bound_rounds": MAX_BOUND_ROUNDS - 1})
    assert "asked for 499 column rounds" in fewer and "siting plan --prove-all-local" in fewer
    spent = _local_gap_hint({**extra, "local_bound_rounds": MAX_BOUND_ROUNDS}, "national ")
    assert spent.startswith("national all-local is proven within 2.55%")
    assert "--prove-all-local" not in spent and "all_local_bound_rounds = 500" in spent
    assert _local_gap_hint({**extra, "local_gap": 0.01}) == ""  # proven within the gap asked for: no line
