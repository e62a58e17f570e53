"""National runs: city clusters found from the stores, their networks cut from one extract, run on Dask."""

from siting.national.clustering import ClusterOptions, cluster_name, find_clusters
from siting.national.execute import OD_COLUMNS, cluster_info, dask_client, od_to_parquet, run_clusters
from siting.national.extract import assign_candidates, cluster_cities, cut_network
from siting.national.summary import national_map, national_summary, recommend_sites

__all__ = [
    "ClusterOptions",
    "cluster_name",
    "find_clusters",
    "cut_network",
    "assign_candidates",
    "cluster_cities",
    "dask_client",
    "cluster_info",
    "run_clusters",
    "od_to_parquet",
    "OD_COLUMNS",
    "recommend_sites",
    "national_summary",
    "national_map",
]
