"""The embedded demos as scenarios: one TOML file per demo in the package, the only definition of each."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from siting.config.scenario import Scenario
from siting.errors import InputError

__all__ = ["DEMO_SCENARIOS", "demo_scenario", "demo_scenario_path"]

#: Demo name -> its scenario file in the package data.
DEMO_SCENARIOS = {"helsinki": "demo_helsinki.toml", "kotka": "demo_kotka.toml", "malta": "demo_malta.toml"}


def demo_scenario_path(name: str) -> Path:
    """The packaged scenario file of a demo (copy it to start your own).

    Parameters
    ----------
    name : {"helsinki", "kotka", "malta"}

    Returns
    -------
    Path
    """
    key = name.lower()
    if key not in DEMO_SCENARIOS:
        raise InputError(f"--demo: unknown demo city {name!r}; use one of {', '.join(DEMO_SCENARIOS)}.")
    return Path(str(resources.files("siting").joinpath("data", DEMO_SCENARIOS[key])))


def demo_scenario(name: str = "helsinki") -> Scenario:
    """The checked scenario of a demo: what ``siting rank --demo NAME`` runs.

    Parameters
    ----------
    name : {"helsinki", "kotka", "malta"}

    Returns
    -------
    Scenario
    """
    from siting.app.scenario import load_scenario

    return load_scenario(demo_scenario_path(name))
