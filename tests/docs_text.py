"""The user documentation as tests read it: the README and docs/**/*.md, and sections marked `<!-- section:x -->`."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def doc_pages() -> list[Path]:
    """README.md and every Markdown page of the manual."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def all_docs_text() -> str:
    """Every page's text, joined."""
    return "\n".join(p.read_text(encoding="utf-8") for p in doc_pages())


def docs_section(name: str) -> str:
    """The text from the marker `<!-- section:NAME -->` to the next marker or the end of its page."""
    marker = f"<!-- section:{name} -->"
    for page in doc_pages():
        text = page.read_text(encoding="utf-8")
        if marker in text:
            start = text.index(marker)
            nxt = text.find("<!-- section:", start + len(marker))
            return text[start : nxt if nxt > 0 else len(text)]
    raise LookupError(f"no page has {marker}")
