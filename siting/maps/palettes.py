"""Colour-blind-safe categorical palettes: one distinct colour per category (clusters, brands)."""

from __future__ import annotations

import logging

__all__ = ["categorical_colours", "OKABE_ITO", "TOL_RAINBOW"]

log = logging.getLogger(__name__)

#: Okabe & Ito (2008), "Color Universal Design (CUD): how to make figures and presentations that
#: are friendly to colorblind people", https://jfly.uni-koeln.de/color/ : orange, sky blue, bluish
#: green, yellow, blue, vermillion, reddish purple, black (black moved last: it is the ring of a
#: recommended site on the national map).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")

#: Paul Tol (2021), "Colour schemes", SRON/EPS/TN/09-002 issue 3.2, fig. 22 "discrete rainbow":
#: a distinct set chosen for each count n (9 to 23), distinguishable with the common forms of
#: colour blindness; https://personal.sron.nl/~pault/#fig:scheme_rainbow_discrete_all
#: (the same values as bokeh.palettes.TolRainbow).
_TOL = {
    9: "882E72 1965B0 7BAFDE 4EB265 CAE0AB F7F056 EE8026 DC050C 72190E",
    10: "882E72 1965B0 7BAFDE 4EB265 CAE0AB F7F056 F4A736 E8601C DC050C 72190E",
    11: "882E72 1965B0 5289C7 7BAFDE 4EB265 CAE0AB F7F056 F4A736 E8601C DC050C 72190E",
    12: "D1BBD7 AA6F9E 882E72 1965B0 5289C7 7BAFDE 4EB265 CAE0AB F7F056 F4A736 E8601C DC050C",
    13: "D1BBD7 AA6F9E 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F4A736 E8601C DC050C",
    14: "D1BBD7 AA6F9E 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 F1932D E8601C DC050C",
    15: "D1BBD7 AA6F9E 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 F1932D E8601C DC050C 72190E",
    16: "D1BBD7 BA8DB4 AA6F9E 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 F1932D E8601C DC050C "
    "72190E",
    17: "D1BBD7 BA8DB4 AA6F9E 994F88 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 F1932D E8601C "
    "DC050C 72190E",
    18: "D1BBD7 BA8DB4 AA6F9E 994F88 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 F1932D E8601C "
    "DC050C A5170E 72190E",
    19: "D9CCE3 CAACCB BA8DB4 AA6F9E 994F88 882E72 1965B0 5289C7 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 F1932D "
    "E8601C DC050C A5170E 72190E",
    20: "D9CCE3 CAACCB BA8DB4 AA6F9E 994F88 882E72 1965B0 437DBF 6195CF 7BAFDE 4EB265 90C987 CAE0AB F7F056 F6C141 "
    "F1932D E8601C DC050C A5170E 72190E",
    21: "D9CCE3 CAACCB BA8DB4 AA6F9E 994F88 882E72 1965B0 437DBF 6195CF 7BAFDE 4EB265 90C987 CAE0AB F7F056 F7CB45 "
    "F4A736 EE8026 E65518 DC050C A5170E 72190E",
    22: "D9CCE3 CAACCB BA8DB4 AA6F9E 994F88 882E72 1965B0 437DBF 6195CF 7BAFDE 4EB265 90C987 CAE0AB F7F056 F7CB45 "
    "F4A736 EE8026 E65518 DC050C A5170E 72190E 42150A",
    23: "E8ECFB D9CCE3 CAACCB BA8DB4 AA6F9E 994F88 882E72 1965B0 437DBF 6195CF 7BAFDE 4EB265 90C987 CAE0AB F7F056 "
    "F7CB45 F4A736 EE8026 E65518 DC050C A5170E 72190E 42150A",
}
TOL_RAINBOW: dict[int, tuple[str, ...]] = {n: tuple(f"#{c}" for c in s.split()) for n, s in _TOL.items()}


def categorical_colours(n: int) -> tuple[str, ...]:
    """``n`` distinct colour-blind-safe colours, one per category.

    Okabe-Ito for up to 8 categories, Paul Tol's discrete rainbow (chosen for the count) for 9
    to 23; beyond 23 no published colour-blind-safe set exists and Tol's 23 repeat (with a warning:
    tell the categories apart by their labels).

    Parameters
    ----------
    n : int
        Number of categories (0 or more).

    Returns
    -------
    tuple of str
        ``n`` hex colours (``#RRGGBB``).
    """
    if n <= len(OKABE_ITO):
        return OKABE_ITO[: max(n, 0)]
    if n in TOL_RAINBOW:
        return TOL_RAINBOW[n]
    log.warning("%d categories: only 23 distinct colour-blind-safe colours exist; colours repeat", n)
    base = TOL_RAINBOW[23]
    return tuple(base[i % len(base)] for i in range(n))
