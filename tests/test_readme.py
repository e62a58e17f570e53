"""README and manual code stays true: every import in their code blocks works, every `siting.x` resolves."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
TEXT = {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in PAGES}
FILE_SUFFIXES = {"toml", "html", "json", "csv", "gpkg", "md", "py", "png", "pbf", "geojson"}  # file names


def _imports(text: str) -> set[str]:
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))
    return {ln.strip() for ln in code.splitlines() if re.match(r"\s*(from siting\S* import |import siting)", ln)}


def _names(text: str) -> set[str]:
    found = set(re.findall(r"`(siting(?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text))
    return {n for n in found if n.split(".")[-1] not in FILE_SUFFIXES}


IMPORTS = sorted({(page, line) for page, text in TEXT.items() for line in _imports(text)})
NAMES = sorted({(page, name) for page, text in TEXT.items() for name in _names(text)})


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and get the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_pages_have_code_to_check():
    assert len(_imports(TEXT["README.md"])) >= 1 and len(IMPORTS) >= 8 and len(NAMES) >= 15


@pytest.mark.parametrize(("page", "line"), IMPORTS)
def test_every_import_in_the_readme_and_docs_works(page: str, line: str) -> None:
    exec(line, {})


@pytest.mark.parametrize(("page", "name"), NAMES)
def test_every_siting_name_in_the_readme_and_docs_resolves(page: str, name: str) -> None:
    _resolve(name)


def test_the_readme_runs_its_python_example():
    """The README's Python block runs as written (the demo city, the default options, two sites)."""
    code = re.findall(r"```python\n(.*?)```", TEXT["README.md"], flags=re.S)
    assert len(code) == 1
    scope: dict[str, object] = {}
    exec(code[0], scope)
    best = scope["best"]
    assert len(best.sites) == 2  # type: ignore[attr-defined]
