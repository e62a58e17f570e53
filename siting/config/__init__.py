"""Scenario files: the TOML schema of a run and its parsing with key paths (a pure schema: imports no stage)."""

from siting.config.scenario import Scenario, load_scenario, parse_scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario"]
