"""Colour scales for map layers and the HTML legend that explains them."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["PALETTES", "Scale", "class_scale", "gradient_scale", "swatch_scale", "size_scale", "legend_html", "fmt"]

# ColorBrewer 2.0 five-class sequential schemes (Cynthia Brewer, colorbrewer2.org, 2002-2013).
PALETTES: dict[str, tuple[str, ...]] = {
    "YlGn": ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"),
    "Blues": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    "Purples": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
    "YlOrRd": ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    "PuBu": ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"),
}


def fmt(value: object, digits: int = 3) -> str:
    """Format a number for people: thousands separators, ``digits`` significant figures, '–' for missing."""
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        if v == 0:
            return "0"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        if abs(v) >= 10 ** (digits - 1):
            return f"{v:,.0f}"
        decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))
        return f"{v:,.{decimals}f}"
    return str(value)


def _hex_to_rgb(color: str) -> np.ndarray:
    c = color.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)], dtype=float)


def _interpolate(palette: tuple[str, ...], t: np.ndarray) -> list[str]:
    """Colours at positions ``t`` in [0, 1] along ``palette`` (linear in RGB)."""
    stops = np.array([_hex_to_rgb(c) for c in palette])
    pos = np.linspace(0.0, 1.0, len(palette))
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=float), nan=0.0), 0.0, 1.0)
    rgb = np.stack([np.interp(t, pos, stops[:, k]) for k in range(3)], axis=-1)
    return ["#{:02x}{:02x}{:02x}".format(*np.rint(row).astype(int)) for row in rgb]


@dataclass(frozen=True)
class Scale:
    """A legend entry: how one layer maps values to colours (or sizes).

    ``kind`` is "classes" (``colors[i]`` for ``breaks[i] <= v <= breaks[i+1]``), "gradient"
    (``colors`` evenly spaced from ``low_label`` to ``high_label``), "swatch" (one colour per
    label), "sizes" (circle radii ``breaks`` labelled ``labels``) or "dashes" (a dashed line of
    each colour, for lines that are not roads: ferries, access legs).
    """

    title: str
    kind: Literal["classes", "gradient", "swatch", "sizes", "dashes"]
    colors: tuple[str, ...]
    breaks: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()
    vmin: float = 0.0
    vmax: float = 1.0
    reverse: bool = False

    def color(self, values: np.ndarray) -> list[str]:
        """The colour of each value (missing values get the lowest colour)."""
        v = np.asarray(values, dtype=float)
        if self.kind == "classes":
            inner = np.asarray(self.breaks[1:-1], dtype=float)
            idx = np.searchsorted(inner, np.nan_to_num(v, nan=-np.inf), side="left")
            return [self.colors[int(i)] for i in idx]
        if self.kind == "gradient":
            span = self.vmax - self.vmin
            t = (v - self.vmin) / span if span > 0 else np.ones_like(v)
            return _interpolate(self.colors, 1.0 - t if self.reverse else t)
        return [self.colors[0]] * len(v)


def _nice(x: float, how: Any) -> float:
    """``x`` rounded (``how`` = np.floor, np.ceil or np.round) to two significant figures."""
    if x == 0 or not np.isfinite(x):
        return float(x)
    mag = 10.0 ** (math.floor(math.log10(abs(x))) - 1)
    if mag == 0.0 or not math.isfinite(x / mag):  # subnormal numbers
        return float(x)
    return float(how(x / mag) * mag)


def class_scale(values: np.ndarray, palette: str, title: str, *, n: int = 5) -> Scale:
    """Quantile classes (at most ``n``; inner breaks rounded to two significant figures) over the finite ``values``."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return Scale(title=title, kind="swatch", colors=(PALETTES[palette][-1],), labels=("no data",))
    q = np.quantile(v, np.linspace(0.0, 1.0, n + 1))
    inner = [_nice(b, np.round) for b in q[1:-1]]
    breaks = np.unique(np.clip([q[0], *inner, q[-1]], q[0], q[-1]))
    if breaks.size == 1:
        breaks = np.array([breaks[0], breaks[0]])
    k = breaks.size - 1
    colors = tuple(_interpolate(PALETTES[palette], np.linspace(0.0, 1.0, k) if k > 1 else np.ones(1)))
    labels = tuple(f"{fmt(lo)} – {fmt(hi)}" for lo, hi in zip(breaks[:-1], breaks[1:]))
    return Scale(title=title, kind="classes", colors=colors, breaks=tuple(float(b) for b in breaks), labels=labels)


def gradient_scale(
    vmin: float, vmax: float, palette: str, title: str, *, low_label: str, high_label: str, reverse: bool = False
) -> Scale:
    """A continuous scale from ``vmin`` to ``vmax`` (``reverse``: ``vmin`` gets the darkest colour)."""
    return Scale(
        title=title,
        kind="gradient",
        colors=PALETTES[palette],
        labels=(low_label, high_label),
        vmin=float(vmin),
        vmax=float(vmax),
        reverse=reverse,
    )


def swatch_scale(title: str, color: str, label: str) -> Scale:
    """A single-colour legend entry."""
    return Scale(title=title, kind="swatch", colors=(color,), labels=(label,))


def size_scale(title: str, color: str, radii_px: tuple[float, ...], labels: tuple[str, ...]) -> Scale:
    """Legend entry for circles sized by a value."""
    return Scale(title=title, kind="sizes", colors=(color,), breaks=radii_px, labels=labels)


def _section_body(scale: Scale) -> str:
    esc = html.escape
    if scale.kind == "gradient":
        colors = list(reversed(scale.colors)) if scale.reverse else list(scale.colors)
        return (
            f'<div class="siting-legend-bar" style="background:linear-gradient(to right,{",".join(colors)})"></div>'
            f'<div class="siting-legend-ends"><span>{esc(scale.labels[0])}</span>'
            f"<span>{esc(scale.labels[1])}</span></div>"
        )
    if scale.kind == "sizes":
        rows = []
        for r, label in zip(scale.breaks, scale.labels):
            d = 2 * r
            rows.append(
                f'<div class="siting-legend-row"><span class="siting-legend-dot" style="width:{d:.0f}px;'
                f'height:{d:.0f}px;background:{scale.colors[0]}"></span>{esc(label)}</div>'
            )
        return "".join(rows)
    if scale.kind == "dashes":
        return "".join(
            f'<div class="siting-legend-row"><b class="siting-legend-dash" style="border-top-color:{c}"></b>'
            f"{esc(label)}</div>"
            for c, label in zip(scale.colors, scale.labels)
        )
    # "classes" and "swatch": one coloured box per label
    return "".join(
        f'<div class="siting-legend-row"><i style="background:{c}"></i>{esc(label)}</div>'
        for c, label in zip(scale.colors, scale.labels)
    )


def legend_html(sections: list[tuple[str, Scale]]) -> str:
    """HTML of the legend: one section per (layer key, scale); every text is escaped."""
    parts = []
    for key, scale in sections:
        parts.append(
            f'<div class="siting-legend-section" data-layer="{html.escape(key)}">'
            f'<div class="siting-legend-title">{html.escape(scale.title)}</div>{_section_body(scale)}</div>'
        )
    return "".join(parts)
