"""Road networks: build (OSM readers, cache), the CSR engine, exact OD, snapping and isochrones."""

from siting.network.build import MODES, ModeProfile, build_network, network_summary, save_network
from siting.network.od import od_long, od_matrix, od_time_length, route_lines, route_nodes, snap
from siting.network.reach import isochrones

__all__ = [
    "MODES",
    "ModeProfile",
    "build_network",
    "network_summary",
    "save_network",
    "snap",
    "od_matrix",
    "od_time_length",
    "od_long",
    "route_nodes",
    "route_lines",
    "isochrones",
]
