"""Scenario files: the TOML schema of a run, parsing with key paths, and translation to run inputs."""

from siting.config.scenario import (
    Scenario,
    check_inputs,
    city_inputs,
    load_scenario,
    parse_scenario,
    rank_options,
)

__all__ = ["Scenario", "check_inputs", "city_inputs", "load_scenario", "parse_scenario", "rank_options"]
