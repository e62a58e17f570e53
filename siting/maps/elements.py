"""Folium elements behind siting maps: a compact GeoJSON layer, legend, title and small controls."""

from __future__ import annotations

from typing import Any

from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template

from siting.maps.geojson import (  # re-exported: siting.share draws with them
    feature_collection,
    js_json,
    packed_lines,
    packed_polygons,
)

__all__ = [
    "js_json",
    "feature_collection",
    "packed_lines",
    "packed_polygons",
    "RawHtml",
    "inert_html",
    "DataLayer",
    "Runtime",
    "Legend",
    "Title",
    "Controls",
]

_RUNTIME_JS = r"""
var siting = window.siting = window.siting || {layers: {}, clusters: {}};
siting.unring = function (r, s) {  // [x0, y0, dx1, dy1, ...] -> [[lon, lat], ...]
  var out = [], x = 0, y = 0;
  for (var i = 0; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; out.push([x / s, y / s]); }
  return out;
};
siting.unpack = function (d) {  // packed_lines (a prefix tree in d.t) or packed_polygons (rings in f.g)
  var s = d.s;
  if (!d.t) {
    return {type: 'FeatureCollection', features: d.features.map(function (f) {
      var c = f.g.map(function (part) { return part.map(function (r) { return siting.unring(r, s); }); });
      return {type: 'Feature', geometry: {type: 'MultiPolygon', coordinates: c}, properties: f.properties};
    })};
  }
  var t = d.t, n = t.length / 3, X = new Array(n), Y = new Array(n), P = new Array(n);
  for (var i = 0; i < n; i++) {
    var dp = t[3 * i], p = i - dp;
    P[i] = dp ? p : -1;
    X[i] = (dp ? X[p] : 0) + t[3 * i + 1];
    Y[i] = (dp ? Y[p] : 0) + t[3 * i + 2];
  }
  return {type: 'FeatureCollection', features: d.features.map(function (f) {
    var c = [], j = f.e;
    while (j >= 0) { c.push([X[j] / s, Y[j] / s]); j = P[j]; }
    c.reverse();
    if (c.length === 1) { c.push(c[0]); }
    return {type: 'Feature', geometry: {type: 'LineString', coordinates: c}, properties: f.properties};
  })};
};
siting.geoLayer = function (map, key, data, o) {
  var base = o.style || {};
  if (data.s) { data = siting.unpack(data); }
  data.features.forEach(function (f, i) {  // q: show the popup and tooltip of the feature q places on
    var p = f.properties;
    if (p.q) { var r = data.features[i + p.q].properties; p.p = r.p; p.t = r.t; }
    if (Array.isArray(p.h)) { p.h = o.heads[p.h[0]] + p.h[1]; }  // a shared start of the heading + its end
  });
  function style(f) {
    var p = f.properties, s = L.Util.extend({}, base, {className: o.className});
    if (p.c !== undefined && p.c !== '') { s.color = typeof p.c === 'number' ? o.palette[p.c] : p.c; }
    if (p.f) { s.fillColor = p.f; }
    if (p.w) { s.weight = p.w; }
    if (p.n) { s.className = o.className + ' ' + p.n; }  // an extra class for some features (open hubs)
    return s;
  }
  var gopts = {
    style: style,
    pointToLayer: function (f, ll) {
      var p = f.properties;
      if (o.kind === 'label') {
        var sz = o.size || 24, span = document.createElement('span');
        span.style.background = p.f || p.c || '#444';
        span.style.color = p.k || '#111';
        span.textContent = p.l || '';
        return L.marker(ll, {icon: L.divIcon({className: o.iconClass || o.className, html: span, iconSize: [sz, sz],
          iconAnchor: [sz / 2, sz / 2], popupAnchor: [0, -sz / 2]}), keyboard: false, riseOnHover: true,
          zIndexOffset: (o.z || 0) + (p.z || 0)});
      }
      return L.circleMarker(ll, L.Util.extend(style(f), {radius: p.r || o.radius || 5}));
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      if (p.p) { l.bindPopup(p.p, {maxWidth: 400, className: 'siting-popup'}); }
      else if (p.v && o.fields) {  // compact popup: escaped heading and values, labels once per layer
        l.bindPopup(function () {
          var rows = '';
          for (var i = 0; i < o.fields.length; i++) {
            if (p.v[i] !== '') { rows += '<tr><td>' + o.fields[i] + '</td><td>' + p.v[i] + '</td></tr>'; }
          }
          (o.consts || []).forEach(function (r) { rows += '<tr><td>' + r[0] + '</td><td>' + r[1] + '</td></tr>'; });
          return '<div class="siting-h">' + p.h + '</div><table>' + rows + '</table>';
        }, {maxWidth: 400, className: 'siting-popup'});
      }
      if (p.t || p.h) { l.bindTooltip(p.t || p.h, {sticky: o.kind !== 'label'}); }
    }
  };
  if (o.pane) {  // e.g. the land-and-sea base: its own pane below every data layer
    if (!map.getPane(o.pane)) { map.createPane(o.pane).style.zIndex = o.paneZ || 250; }
    gopts.pane = o.pane;
  }
  if (o.interactive === false) { gopts.interactive = false; }
  var layer = L.geoJSON(data, gopts);
  if (o.cluster) {  // point markers into a Leaflet.markercluster group, shapes (footprints) as they are
    var group = L.featureGroup(), mc = L.markerClusterGroup(L.Util.extend({showCoverageOnHover: false,
      maxClusterRadius: 40, disableClusteringAtZoom: 16, chunkedLoading: true}, o.cluster));
    layer.eachLayer(function (l) { if (l instanceof L.Marker) { mc.addLayer(l); } else { group.addLayer(l); } });
    group.addLayer(mc);
    layer = group;
    siting.clusters[key] = mc;
  }
  siting.layers[key] = layer;
  return layer;
};
siting.legend = function (map, html) {
  var c = L.control({position: 'bottomright'});
  c.onAdd = function () {
    var d = L.DomUtil.create('div', 'siting-legend leaflet-control');
    d.innerHTML = html;
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  c.addTo(map);
  function sync() {
    c.getContainer().querySelectorAll('[data-layer]').forEach(function (s) {
      var l = siting.layers[s.getAttribute('data-layer')];
      s.style.display = (!l || map.hasLayer(l)) ? '' : 'none';
    });
  }
  map.on('overlayadd overlayremove', sync);
  sync();
  siting.legendControl = c;
  return c;
};
siting.title = function (map, text, subtitle) {
  var d = L.DomUtil.create('div', 'siting-title', map.getContainer());
  var h = L.DomUtil.create('div', 'siting-title-main', d);
  h.textContent = text;
  if (subtitle) { L.DomUtil.create('div', 'siting-title-sub', d).textContent = subtitle; }
  L.DomEvent.disableClickPropagation(d);
  return d;
};
siting.button = function (map, svg, title, onclick) {
  var c = L.control({position: 'topleft'});
  c.onAdd = function () {
    var bar = L.DomUtil.create('div', 'leaflet-bar leaflet-control');
    var a = L.DomUtil.create('a', 'siting-btn', bar);
    a.href = '#'; a.title = title; a.setAttribute('role', 'button'); a.setAttribute('aria-label', title);
    a.innerHTML = svg;
    L.DomEvent.on(a, 'click', function (e) { L.DomEvent.stop(e); onclick(a); });
    L.DomEvent.disableClickPropagation(bar);
    return bar;
  };
  return c.addTo(map);
};
siting.controls = function (map, attributions, bounds) {
  if (bounds) { map.fitBounds(bounds, {padding: [30, 30], animate: false}); }
  L.control.scale({imperial: false, maxWidth: 150}).addTo(map);
  attributions.forEach(function (a) { map.attributionControl.addAttribution(a); });
  var full = '<svg viewBox="0 0 16 16" width="16" height="16"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
  siting.button(map, full, 'Full screen', function () {
    var el = map.getContainer();
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (el.requestFullscreen) { el.requestFullscreen(); }
  });
  document.addEventListener('fullscreenchange', function () { map.invalidateSize(); });
  var ruler = '<svg viewBox="0 0 16 16" width="16" height="16"><path d="M1 11l10-10 4 4-10 10zM4 8l2 2M6 6l1 1M8 4l2 2M10 2l1 1" fill="none" stroke="#333" stroke-width="1.5"/></svg>';
  var active = false, pts = [], line = null;
  siting.button(map, ruler, 'Measure a distance: click points on the map; click the ruler again to clear', function (a) {
    active = !active;
    if (active) { L.DomUtil.addClass(a, 'siting-on'); } else { L.DomUtil.removeClass(a, 'siting-on'); }
    if (!active && line) { map.removeLayer(line); line = null; pts = []; }
    map.getContainer().style.cursor = active ? 'crosshair' : '';
  });
  map.on('click', function (e) {
    if (!active) { return; }
    pts.push(e.latlng);
    if (!line) {
      line = L.polyline(pts, {color: '#c2255c', weight: 3, dashArray: '6 4', interactive: false, className: 'siting-measure'}).addTo(map);
      line.bindTooltip('', {permanent: true, direction: 'right', className: 'siting-measure-tip'});
    } else { line.setLatLngs(pts); }
    var d = 0;
    for (var i = 1; i < pts.length; i++) { d += map.distance(pts[i - 1], pts[i]); }
    line.setTooltipContent(d < 1000 ? Math.round(d) + ' m' : (d / 1000).toFixed(2) + ' km');
    line.openTooltip(e.latlng);
  });
};
"""

_RUNTIME_CSS = """
.siting-legend{background:rgba(255,255,255,.93);padding:6px 9px;border-radius:5px;box-shadow:0 1px 5px rgba(0,0,0,.35);
 font:12px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;max-height:55vh;overflow:auto;max-width:250px;color:#222}
.siting-legend-section+.siting-legend-section{margin-top:5px}
.siting-legend-title{font-weight:600;margin-bottom:2px}
.siting-legend-row{display:flex;align-items:center;gap:6px;margin:1px 0}
.siting-legend-row i{display:inline-block;width:16px;height:11px;border:1px solid rgba(0,0,0,.3);flex:none}
.siting-legend-dot{display:inline-block;border-radius:50%;border:1px solid rgba(0,0,0,.5);flex:none;opacity:.85}
.siting-legend-dash{display:inline-block;width:22px;height:0;border-top:3px dashed;flex:none}
.siting-legend-bar{height:10px;border:1px solid rgba(0,0,0,.3);margin-top:2px;min-width:150px}
.siting-legend-ends{display:flex;justify-content:space-between;gap:10px}
.siting-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;max-width:55%;text-align:center;
 background:rgba(255,255,255,.93);padding:5px 14px;border-radius:5px;box-shadow:0 1px 5px rgba(0,0,0,.35);
 font:600 16px/1.3 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222}
.siting-title-sub{font-weight:400;font-size:12px;color:#555}
.siting-rank span,.siting-chosen span{display:flex;align-items:center;justify-content:center;width:100%;height:100%;
 box-sizing:border-box;border-radius:50%;font:bold 11px/1 system-ui,sans-serif;border:2px solid #fff;box-shadow:0 0 0 1px #333}
.siting-chosen span{border:3px solid #c2255c;box-shadow:0 0 0 2px #fff,0 0 0 3px #c2255c;font-size:15px}
.siting-popup table{border-collapse:collapse;font-size:12px;margin-top:4px}
.siting-popup th,.siting-popup td{padding:1px 6px;text-align:right;border-bottom:1px solid #eee}
.siting-popup th:first-child,.siting-popup td:first-child{text-align:left}
.siting-popup .siting-h{font-weight:600;font-size:13px}
a.siting-btn{display:flex;align-items:center;justify-content:center}
a.siting-btn.siting-on{background:#ffe3ec}
"""

RUNTIME_HTML = f"<style>{_RUNTIME_CSS}</style>\n<script>{_RUNTIME_JS}</script>"


def inert_html(text: str) -> str:
    """HTML text that no template engine runs: braces written as character references.

    For text that folium's own elements put into a page (layer names, tooltips): branca
    compiles their rendered scripts as jinja2 templates, so a ``{{ }}`` or ``{#`` in a place
    name would run or break the page. The browser shows ``&#123;`` as ``{``.

    Parameters
    ----------
    text
        HTML (already escaped where it holds user text).

    Returns
    -------
    str

    Examples
    --------
    >>> inert_html("{{ 7*7 }} town")
    '&#123;&#123; 7*7 &#125;&#125; town'
    """
    return text.replace("{", "&#123;").replace("}", "&#125;")


class RawHtml(Element):
    """HTML or script text added to the page exactly as given.

    branca's ``MacroElement.render`` wraps each rendered script in ``Element(text)``, which compiles
    the text as a jinja2 template: slow for megabytes of GeoJSON, and any ``{{ }}``, ``{% %}`` or
    ``{#`` in a store name, popup or title would be run as template code (or fail to parse).
    This element is never compiled.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        return self.text


def _add_script(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """Add the element's ``script`` macro output to the page's script, as branca would but uncompiled."""
    text = element._template.module.script(element, kwargs)
    # jinja2 (keep_trailing_newline=False) drops one trailing newline when it compiles the text
    text = text[:-1] if text.endswith("\n") else text
    root: Any = element.get_root()  # a branca Figure
    root.script.add_child(RawHtml(text), name=element.get_name())


class _ScriptElement(MacroElement):
    """A MacroElement with only a ``script`` macro, rendered without compiling its output."""

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca returns None here too
        """Add the script to the page, then render the children."""
        _add_script(self, kwargs)
        for child in self._children.values():
            child.render(**kwargs)


class Runtime(MacroElement):
    """Adds the siting runtime (a few helper functions and CSS) to the page header, after Leaflet."""

    _template = Template("")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca returns None here too
        """Register the runtime in the figure header."""
        root: Any = self.get_root()  # a Figure, which has a header; branca types it as Element
        root.header.add_child(RawHtml(RUNTIME_HTML), name="siting_runtime")
        super().render(**kwargs)


class DataLayer(Layer):
    """One overlay: a GeoJSON FeatureCollection drawn as circle markers, labels or shapes.

    Feature properties use short keys: ``c`` stroke colour, ``f`` fill colour, ``w`` weight (px),
    ``r`` radius (px), ``n`` an extra CSS class, ``z`` z-index offset of a label, ``l`` label text, ``k`` label text colour,
    ``p`` popup HTML and ``t`` tooltip HTML (both already escaped), ``q`` (instead of ``p`` and
    ``t``) those of the feature ``q`` places further on; or, for a compact popup,
    ``h`` heading and ``v`` values (escaped), labelled by the layer's ``fields``.

    ``pane`` puts the layer in its own Leaflet pane (z-index ``pane_z``, default 250: above the
    tiles, below the overlay pane), ``interactive=False`` makes it ignore the mouse, and
    ``palette`` lets ``c`` be an index into it, and ``consts`` adds (label, escaped value) rows
    shared by every compact popup of the layer; with ``heads``, ``h`` may be ``[k, end]`` for
    ``heads[k] + end``. ``cluster`` (Leaflet.markercluster options, ``{}`` for the defaults) gathers its point markers
    into clusters; the page must then load Leaflet.markercluster (:func:`siting.maps.page.use_markercluster`).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = siting.geoLayer({{ this._parent.get_name() }}, {{ this.key_js }}, {{ this.data_js }}, {{ this.opts_js }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        key: str,
        name: str,
        data: dict[str, Any],
        *,
        kind: str = "shape",
        class_name: str,
        style: dict[str, Any] | None = None,
        show: bool = True,
        icon_class: str | None = None,
        size_px: int | None = None,
        z_offset: int = 0,
        fields: list[str] | None = None,
        pane: str | None = None,
        pane_z: int | None = None,
        interactive: bool = True,
        cluster: dict[str, Any] | None = None,
        palette: list[str] | None = None,
        consts: list[tuple[str, str]] | None = None,
        heads: list[str] | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "SitingLayer"
        self.key = key
        self.n_features = len(data["features"])
        self.key_js = js_json(key)
        self.data_js = js_json(data)
        self.opts_js = js_json(
            {
                "kind": kind,
                "className": class_name,
                "iconClass": icon_class,
                "style": style or {},
                "size": size_px,
                "z": z_offset,
                "fields": fields,
                **({"pane": pane, "paneZ": pane_z} if pane else {}),
                **({} if interactive else {"interactive": False}),
                **({"cluster": cluster} if cluster is not None else {}),
                **({"palette": palette} if palette else {}),
                **({"consts": [list(c) for c in consts]} if consts else {}),
                **({"heads": heads} if heads else {}),
            }
        )

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca returns None here too
        """Add the layer's script (and, if shown at first, its ``addTo``) to the page, as folium's
        ``Layer.render`` does, without compiling the GeoJSON as a template (see :class:`RawHtml`)."""
        if self.show:
            parent: Any = self._parent
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=parent.get_name()),
                name=self.get_name() + "_add",
            )
        _add_script(self, kwargs)
        for child in self._children.values():
            child.render(**kwargs)


class Legend(_ScriptElement):
    """The legend control (bottom right): one section per coloured layer, hidden with its layer."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
siting.legend({{ this._parent.get_name() }}, {{ this.html_js }});
{% endmacro %}
"""
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "SitingLegend"
        self.html_js = js_json(html)


class Title(_ScriptElement):
    """A title box at the top centre of the map (plain text, never parsed as HTML)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
siting.title({{ this._parent.get_name() }}, {{ this.text_js }}, {{ this.sub_js }});
{% endmacro %}
"""
    )

    def __init__(self, text: str, subtitle: str = "") -> None:
        super().__init__()
        self._name = "SitingTitle"
        self.text_js = js_json(text)
        self.sub_js = js_json(subtitle)


class Controls(_ScriptElement):
    """Initial view (fit to ``bounds`` without animation), permanent attributions, a metric scale and
    tiny inline full-screen and distance-measure buttons."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
siting.controls({{ this._parent.get_name() }}, {{ this.attributions_js }}, {{ this.bounds_js }});
{% endmacro %}
"""
    )

    def __init__(self, attributions_html: list[str], bounds: list[list[float]] | None = None) -> None:
        super().__init__()
        self._name = "SitingControls"
        self.attributions_js = js_json(attributions_html)
        self.bounds_js = js_json(bounds)
