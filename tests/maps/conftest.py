"""Fixtures of the map tests: the Helsinki demo layers on the session's shared drive network."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pytest
from map_cases import helsinki_inputs as _inputs


@pytest.fixture(scope="session")
def helsinki_inputs(helsinki_drive: nx.MultiDiGraph) -> Callable[[], dict]:
    """A factory of fresh copies of the Helsinki demo map inputs (ranking, chosen sites, lanes, isochrones)."""
    return lambda: _inputs(helsinki_drive)
