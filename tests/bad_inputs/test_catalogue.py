"""Bad inputs through the CLI and the Python API: exit 2 or the package's own exception, a message naming
the file, column or row and the fix, no traceback, and nothing written or replaced."""

from __future__ import annotations

from pathlib import Path

import cli_runner
import pytest
from bad_input_cases import API_CASES, CLI_CASES, ApiCase, CliCase, Kit, earlier_output, make_kit, snapshot

import siting.errors


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("kit"))


def run_cli(args: list[str]) -> tuple[int, str, str]:
    return cli_runner.run_cli(*args)


def test_the_catalogue_holds_at_least_80_cases_as_the_manual_says() -> None:
    from docs_text import docs_section

    assert len(CLI_CASES) + len(API_CASES) >= 100 and len(CLI_CASES) >= 80 and len(API_CASES) >= 20
    said = " ".join(docs_section("runs").split())
    assert "a catalogue of at least 100 bad inputs (at least 80 through the CLI, 20 through the Python API)" in said


def test_the_catalogue_holds_at_least_80_cases_as_the_docs_say() -> None:
    assert len(CLI_CASES) + len(API_CASES) >= 80
    page = (Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    total = len(CLI_CASES) + len(API_CASES)
    said = (
        f"catalogue of {total} bad inputs ({len(CLI_CASES)} through the CLI, {len(API_CASES)} through the Python API)"
    )
    assert said in " ".join(page.split())
    assert len({c.id for c in CLI_CASES} | {c.id for c in API_CASES}) == len(CLI_CASES) + len(API_CASES)


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli_bad_input(case: CliCase, kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    earlier_output(tmp_path)
    args = case.args(tmp_path, kit)
    before = snapshot(tmp_path)
    kit_before = snapshot(kit.folder)
    code, stdout, stderr = run_cli(args)
    assert code == case.code, f"{args}\n{stderr}"
    assert "Traceback" not in stderr and "Traceback" not in stdout
    for word in case.words:
        assert word in stderr, f"{word!r} not in: {stderr}"
    for word in case.stdout_words:
        assert word in stdout, f"{word!r} not in: {stdout}"
    assert snapshot(tmp_path) == before, "a failed run changed files"
    assert snapshot(kit.folder) == kit_before


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_api_bad_input(case: ApiCase, kit: Kit, tmp_path: Path) -> None:
    exc_class = getattr(siting.errors, case.exc)
    with pytest.raises(siting.errors.SitingError) as info:
        case.call(tmp_path, kit)
    assert isinstance(info.value, exc_class), repr(info.value)
    assert isinstance(info.value, (ValueError, FileNotFoundError, KeyError))  # also a builtin class
    for word in case.words:
        assert word in str(info.value), str(info.value)


def test_warnings_become_log_lines_naming_ids(kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shapely

    monkeypatch.chdir(tmp_path)
    stores = kit.stores.copy()
    far = stores.index[0]
    moved = shapely.Point(stores.geometry[far].x + 0.2, stores.geometry[far].y)  # about 11 km east of the roads
    stores.loc[far, "geometry"] = moved
    stores.to_file(tmp_path / "stores.gpkg")
    code, _, stderr = run_cli(
        ["rank", "--stores", "stores.gpkg", "--candidates", str(kit.path("candidates")), "--network", str(kit.pbf)]
        + ["--out", "out", "--no-map"]
    )
    assert code == 0, stderr
    line = next(ln for ln in stderr.splitlines() if "more than 500 m" in ln)
    assert f"1 of {len(stores)} stores" in line and str(stores.loc[far, "store_id"]) in line
    assert "UserWarning" not in stderr and "warnings.warn" not in stderr and "index" not in line
    assert "weights sum to" not in stderr  # the user set no weights
