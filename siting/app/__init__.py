"""The application: a scenario checked and resolved once into run inputs, run, and written as one run folder."""

from siting.app.checks import check_inputs
from siting.app.demo import demo_scenario, demo_scenario_path
from siting.app.inputs import city_inputs, network_source
from siting.app.options import base_dir, rank_keys, rank_options
from siting.app.run import CityPlan, RunOutcome, check_execution, execute
from siting.app.runinfo import diff_runs, format_diff, read_run, run_record, write_run
from siting.app.scenario import check_scenario, load_scenario, parse_scenario
from siting.app.staging import check_file_target, check_out_folder, staged_run
from siting.app.write import map_targets, write_layers, write_outputs, write_table

__all__ = [
    "CityPlan",
    "RunOutcome",
    "base_dir",
    "check_execution",
    "check_file_target",
    "check_inputs",
    "check_out_folder",
    "check_scenario",
    "demo_scenario",
    "demo_scenario_path",
    "city_inputs",
    "diff_runs",
    "execute",
    "format_diff",
    "load_scenario",
    "map_targets",
    "network_source",
    "parse_scenario",
    "rank_options",
    "rank_keys",
    "read_run",
    "run_record",
    "staged_run",
    "write_layers",
    "write_outputs",
    "write_run",
    "write_table",
]
