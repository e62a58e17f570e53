"""Scenario files: the TOML schema of a run, parsing with key paths, and translation to run inputs."""

from siting.config.checks import check_inputs
from siting.config.scenario import Scenario, load_scenario, parse_scenario
from siting.config.translate import base_dir, city_inputs, network_source, rank_options

__all__ = [
    "Scenario",
    "check_inputs",
    "city_inputs",
    "load_scenario",
    "parse_scenario",
    "rank_options",
    "base_dir",
    "network_source",
]
