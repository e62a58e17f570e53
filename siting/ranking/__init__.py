"""Ranking candidate sites: raw criteria, hard filters, weighted scores and robustness to weights."""

from siting.ranking.filters import SiteFilters
from siting.ranking.robustness import RobustnessOptions, robustness_summary, sensitivity_table
from siting.ranking.scoring import CRITERIA, DEFAULT_WEIGHTS, Criterion, normalise_weights, score_sites

__all__ = [
    "SiteFilters",
    "RobustnessOptions",
    "robustness_summary",
    "sensitivity_table",
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "Criterion",
    "normalise_weights",
    "score_sites",
]
