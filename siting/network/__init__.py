"""Road networks: build (OSM readers, cache), the CSR engine, exact OD, snapping, isochrones, travel-time profiles."""

from siting.network.build import MODES, ModeProfile, build_network, network_summary, save_network
from siting.network.calibration import calibrate, read_trips
from siting.network.components import component_report, format_component_report
from siting.network.ferries import ferry_edges
from siting.network.od import od_long, od_matrix, od_time_length, route_lines, route_nodes, snap
from siting.network.profiles import SpeedProfile, default_profile, parse_window, read_profile_csv, write_profile_csv
from siting.network.reach import isochrones
from siting.network.snapping import snap_to_edges
from siting.network.timing import apply_profile
from siting.network.traffic import TRAFFIC_BANDS, apply_traffic, congestion_factors

__all__ = [
    "MODES",
    "ModeProfile",
    "build_network",
    "network_summary",
    "save_network",
    "snap",
    "snap_to_edges",
    "component_report",
    "format_component_report",
    "ferry_edges",
    "TRAFFIC_BANDS",
    "apply_traffic",
    "congestion_factors",
    "od_matrix",
    "od_time_length",
    "od_long",
    "route_nodes",
    "route_lines",
    "isochrones",
    "SpeedProfile",
    "default_profile",
    "parse_window",
    "read_profile_csv",
    "write_profile_csv",
    "apply_profile",
    "calibrate",
    "read_trips",
]
