"""The manual builds offline with `mkdocs build --strict`, its CLI reference is the typer app's, and the README's
two quick-start commands are the ones CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs")
    out = tmp_path_factory.mktemp("site")  # about 7 s on an idle 2-core machine
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_every_command_and_option_is_in_the_cli_reference(site: Path) -> None:
    import typer.main

    from siting.cli.app import app

    page = (site / "cli" / "index.html").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="siting")
    for name in root.list_commands(ctx):  # type: ignore[attr-defined]
        cmd = root.get_command(ctx, name)  # type: ignore[attr-defined]
        assert f"siting {name}" in page, name
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in page, (name, opt)
    for opt in ("--objective", "--traffic", "--scheduler", "--workers", "--demo", "--wide"):
        assert opt in page


def test_the_api_reference_is_rendered_from_the_docstrings(site: Path) -> None:
    page = (site / "api" / "locate" / "index.html").read_text(encoding="utf-8")
    assert "p_median" in page and "Parameters" in page


def test_the_site_loads_nothing_from_the_network(site: Path) -> None:
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', text), html


def test_ci_runs_the_readmes_second_command_verbatim() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s+```bash\n(.*?)```", readme, flags=re.S)
    assert block is not None
    first, second = block.group(1).strip().splitlines()
    assert first == "pip install . && siting rank"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == second == 'pip install ".[test]" && pytest'
    assert any(line.startswith("mkdocs build --strict") for line in ci)
