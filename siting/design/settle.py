"""A design settled: its site values and forced-open prices, any cheaper closure or forced opening adopted first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.design.model import DesignModel
from siting.design.neighbourhood import MAX_ADOPTED, check_max_adopted
from siting.design.outages import (
    FORCED_COLUMNS,
    adopt_forced,
    cheapest_forced,
    forced_open,
    settled_values,
    site_values,
)
from siting.design.problem import DesignProblem
from siting.design.solve import Design

__all__ = ["Settled", "settle_design"]


@dataclass(frozen=True)
class Settled:
    """The design the values are against, its site values, forced-open prices and the forced openings adopted.

    ``adopted`` names, in order, each site whose forced opening became the design (cheaper
    closures adopted by :func:`siting.design.outages.settled_values` are not listed: the design
    then simply opens fewer sites).
    """

    design: Design
    site_values: pd.DataFrame
    forced_open: pd.DataFrame
    adopted: tuple[str, ...] = field(default=())


def settle_design(
    pb: DesignProblem,
    design: Design,
    dm: DesignModel,
    *,
    explain: Sequence[Sequence[str]] = (),
    explain_sites: int | None = None,
    time_limit_s: float = 60.0,
    explain_time_limit_s: float | None = None,
    mip_gap: float = 1e-4,
    starts: Sequence[np.ndarray | None] = (),
    max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    max_adopted: int = MAX_ADOPTED,
) -> Settled:
    """Site values and forced-open prices of ``design``; with neighbourhoods, cheaper designs adopted first.

    With ``neighbourhood_sites`` and ``max_nodes`` (every solve bounded by work) it loops:
    settled values (a cheaper closure becomes the design, :func:`siting.design.outages.settled_values`)
    -> forced-open prices -> the cheapest forced opening cheaper than the design becomes the design
    (:func:`siting.design.outages.adopt_forced`, the design's own bound kept), at most
    ``max_adopted`` times; a fixed count, so the result is the same on any machine and load.
    Otherwise the values and prices are of ``design`` as it is.

    Parameters
    ----------
    pb : DesignProblem
    design : Design
        The hybrid design.
    dm : DesignModel
        The model it was solved on.
    explain : sequence of sequences of str
        Groups of sites to price forced open, each in its order; of each group the first
        ``explain_sites`` the design leaves closed are priced (a city: one group; a national
        design: one per cluster).
    explain_sites : int, optional
        Sites priced per group (None: all).
    time_limit_s : float
        Safety net of each closure solve (a site's value).
    explain_time_limit_s : float, optional
        Safety net of each forced-open solve (default ``time_limit_s``).
    mip_gap : float
    starts : sequence of ndarray, optional
        Other feasible designs of the model (e.g. the pure policies'); None entries are skipped.
    max_nodes : int, optional
        Branch-and-bound nodes of each closure and forced-open solve.
    neighbourhood_sites : int, optional
        Sites a neighbourhood MILP may open besides the design's
        (:func:`siting.design.neighbourhood.neighbourhood_solve`).
    max_adopted : int
        Most forced openings adopted (and most closures adopted by each round of values).

    Returns
    -------
    Settled
    """
    max_adopted = check_max_adopted(max_adopted)
    settled = neighbourhood_sites is not None and max_nodes is not None
    forced_limit_s = time_limit_s if explain_time_limit_s is None else explain_time_limit_s
    adopted: list[str] = []
    while True:
        if settled:
            assert neighbourhood_sites is not None and max_nodes is not None
            design, values = settled_values(
                pb,
                design,
                dm,
                time_limit_s=time_limit_s,
                mip_gap=mip_gap,
                starts=starts,
                max_nodes=max_nodes,
                neighbourhood_sites=neighbourhood_sites,
                max_adopted=max_adopted,
            )
        else:
            values = site_values(
                pb, design, dm, time_limit_s=time_limit_s, mip_gap=mip_gap, starts=starts, max_nodes=max_nodes
            )
        designs: dict[str, np.ndarray] = {}
        tables = [
            forced_open(
                pb,
                design,
                dm,
                [str(s) for s in group],
                time_limit_s=forced_limit_s,
                mip_gap=mip_gap,
                limit=explain_sites,
                max_nodes=max_nodes,
                neighbourhood_sites=neighbourhood_sites,
                designs=designs,
            )
            for group in explain
        ]
        forced = _stack(tables)
        better = adopt_forced(pb, design, dm, forced, designs) if settled and len(adopted) < max_adopted else None
        if better is None:
            return Settled(design, values, forced, tuple(adopted))
        # a forced opening cheaper than the design: it becomes the design, valued and explained again
        adopted.append(str(cheapest_forced(design, forced, designs)))
        design = better


def _stack(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The groups' forced-open tables as one (a site listed in two groups priced once: its first row)."""
    if not tables:
        return pd.DataFrame(columns=FORCED_COLUMNS)
    out = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    return out.drop_duplicates("site_id", ignore_index=True)
