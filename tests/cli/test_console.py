"""What the CLI prints: tables that fit 80 columns (narrow) or show every column (--wide), ids never cut, and
every user-supplied string and help text printed literally, never read as rich markup."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from cli_runner import run_cli
from rich.console import Console

from siting.cli.console import Column, print_table


@pytest.fixture(scope="module")
def demo_ranked(helsinki_demo_rank):
    """``siting rank`` of the demo, piped (stdout is not a terminal), at COLUMNS=80 and with --wide.

    The narrow run is the suite's shared ``siting rank -q`` (its tables are ``--no-map``'s).
    """
    stdout, stderr, folder = helsinki_demo_rank
    mp = pytest.MonkeyPatch()
    mp.setenv("COLUMNS", "80")
    try:
        wide = run_cli("rank", "--no-map", "-q", "--wide")
    finally:
        mp.undo()
    return (0, stdout, stderr), wide, pd.read_csv(folder / "out" / "ranking.csv")


def test_the_default_tables_fit_80_columns_with_every_id_whole(demo_ranked):
    (code, stdout, err), _, ranking = demo_ranked
    assert code == 0, err
    assert max(len(line) for line in stdout.splitlines()) <= 80
    top = ranking.sort_values("rank").head(10)
    for rank, site in zip(top["rank"], top["site_id"]):
        # the whole id on its rank's row (no "wa…", no id folded over two lines)
        assert any(line.startswith(f"│ {rank:>4} │ {site} ") for line in stdout.splitlines()), site
    assert "more columns with --wide" in stdout
    assert "…" not in stdout
    for line in stdout.splitlines():  # each printed score is the CSV's, to 3 decimals
        if line.startswith("│") and "way/" in line:
            cells = [c.strip() for c in line.strip("│").split("│")]
            row = ranking.loc[ranking["site_id"] == cells[1]].iloc[0]
            assert cells[2] == f"{row['score']:.3f}"


def test_wide_prints_every_column_uncut_even_when_piped(demo_ranked):
    (_, narrow, _), (code, stdout, err), ranking = demo_ranked
    assert code == 0, err
    narrow_table = narrow.split("more columns")[0]  # the ranking table (the notes below it may name criteria)
    for head in ("population", "rent/yr", "p_first", "p_top_k", "kg/unit"):
        assert head in stdout and (head not in narrow_table or head in ("p_first",)), head
    assert "…" not in stdout and "more columns" not in stdout
    assert max(len(line) for line in stdout.splitlines()) > 80  # wider than the terminal: not squeezed
    for site in ranking.sort_values("rank").head(10)["site_id"]:
        assert f" {site} " in stdout


def _render(title: str, columns: list[Column], rows: list[list[str]], width: int, wide: bool = False) -> str:
    buf = io.StringIO()
    print_table(Console(file=buf, width=width, highlight=False), title, columns, rows, wide=wide)
    return buf.getvalue()


def test_markup_in_titles_headers_and_cells_is_printed_as_written():
    text = _render("[red]city[/red]", [Column("[b]id", "left"), Column("v")], [["[/]", "1"], ["[bold]x", "2"]], 80)
    for s in ("[red]city[/red]", "[b]id", "[/]", "[bold]x"):
        assert s in text, s


def test_a_long_id_is_folded_whole_never_cut():
    long_id = "relation/" + "9" * 90  # wider than the console
    text = _render("t", [Column("site_id", "left"), Column("score", drop=1)], [[long_id, "0.5"]], 60)
    assert "".join(line.strip("│ ") for line in text.splitlines() if "9" in line).count("9") == 90
    assert "…" not in text


def test_sites_named_like_markup_are_printed_literally(tmp_path, monkeypatch):
    """A site named ``[/]`` used to exit 1 after --out was replaced; ``[bold]`` in a name vanished."""
    monkeypatch.setenv("COLUMNS", "80")
    assert run_cli("demo", tmp_path / "city")[0] == 0
    cand = gpd.read_file(tmp_path / "city" / "candidates.gpkg")
    cand["site_id"] = ["[/]"] + [f"[bold]{s}" for s in cand["site_id"].iloc[1:]]
    cand.to_file(tmp_path / "city" / "candidates.gpkg", driver="GPKG")
    code, out, err = run_cli(
        "rank", tmp_path / "city" / "scenario.toml", "--no-map", "-q", "--top", len(cand), "--out", tmp_path / "o"
    )
    assert code == 0, err
    ranked = pd.read_csv(tmp_path / "o" / "ranking.csv")
    printed = [line for line in out.splitlines() if line.startswith("│")]
    for site in ranked["site_id"]:
        assert any(f" {site} " in line for line in printed), site
    assert "[/]" in set(ranked["site_id"]) and max(len(line) for line in out.splitlines()) <= 80


def test_help_text_is_printed_as_written():
    code, out, _ = run_cli("share", "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "Scenario TOML with [[brands]] (and [[seasons]], [[lane_classes]], [site_capacity], [share])" in flat
    code, out, _ = run_cli("rank", "--help")
    assert code == 0 and "--wide" in out and "maps/<city>.html" in " ".join(out.split())


def test_the_design_status_line_names_the_gap_once():
    """A stopped design's words already name its gap; an optimal one's line adds it."""
    from siting.cli.console import design_status_line

    assert design_status_line("stopped at gap 0.71%", 0.0071, 0.61) == "design stopped at gap 0.71%, 0.6 s"
    assert (
        design_status_line("stopped at gap 2.10% (time limit)", 0.021, 60.0)
        == "design stopped at gap 2.10% (time limit), 60.0 s"
    )
    assert design_status_line("optimal", 0.0001, 0.25) == "design optimal, gap 0.01%, 0.2 s"
