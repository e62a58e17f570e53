"""Self-contained HTML: inline Leaflet/jQuery from Python packages and check for remote assets."""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import import_module
from pathlib import Path

from siting.errors import SitingError

__all__ = [
    "LEAFLET_JS_URL",
    "LEAFLET_CSS_URL",
    "JQUERY_JS_URL",
    "MARKERCLUSTER_JS_URL",
    "MARKERCLUSTER_CSS_URLS",
    "inline_assets",
    "remote_assets",
]

# The CDN addresses folium 0.20 uses; the xstatic packages ship the very same versions.
LEAFLET_VERSION = "1.9.3"
JQUERY_VERSION = "3.7.1"
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"
JQUERY_JS_URL = f"https://code.jquery.com/jquery-{JQUERY_VERSION}.min.js"
# Leaflet.markercluster, vendored from npm into siting/maps/assets (MIT; see its PROVENANCE.md);
# the CDN addresses are only the keys the inliner replaces (and what offline=False links to).
MARKERCLUSTER_VERSION = "1.5.3"
_MC_CDN = f"https://unpkg.com/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist"
MARKERCLUSTER_JS_URL = f"{_MC_CDN}/leaflet.markercluster.js"
MARKERCLUSTER_CSS_URLS = (f"{_MC_CDN}/MarkerCluster.css", f"{_MC_CDN}/MarkerCluster.Default.css")
_MC_DIR = Path(__file__).parent / "assets" / f"leaflet.markercluster-{MARKERCLUSTER_VERSION}"

_SCRIPT_TAG = re.compile(r"<script\b[^>]*\bsrc\s*=\s*([\"'])(?P<url>[^\"']+)\1[^>]*>\s*</script>", re.I)
_LINK_TAG = re.compile(r"<link\b[^>]*\bhref\s*=\s*([\"'])(?P<url>[^\"']+)\1[^>]*/?>", re.I)
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
_CSS_REMOTE = re.compile(r"(?:@import\s+(?:url\()?|url\()\s*[\"']?\s*((?:https?:)?//[^\"')\s]+)", re.I)
_SOURCE_MAP = re.compile(r"^\s*/[/*][#@]\s*sourceMappingURL=.*$", re.M)


def _xstatic_dir(package: str, title: str, needed: str) -> Path:
    """Folder of an ``xstatic.pkg.<package>`` wheel, checked to ship version ``needed``."""
    mod = import_module(f"xstatic.pkg.{package}")
    if needed != mod.VERSION:  # pragma: no cover - depends on the installed wheel
        raise SitingError(
            f"xstatic-{package} {mod.VERSION} is installed but the map needs {title} {needed}: "
            f"pip install 'xstatic-{package}=={needed}.*'"
        )
    return Path(mod.BASE_DIR)


def _leaflet_dir() -> Path:
    return _xstatic_dir("leaflet", "Leaflet", LEAFLET_VERSION)


def _jquery_dir() -> Path:
    return _xstatic_dir("jquery", "jQuery", JQUERY_VERSION)


def _data_uri(path: Path, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _safe_script(js: str) -> str:
    """Strip source-map comments and make sure the code cannot close its <script> element."""
    js = _SOURCE_MAP.sub("", js)
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)


@lru_cache(maxsize=1)
def _icon_data_uris() -> dict[str, str]:
    images = _leaflet_dir() / "images"
    return {
        name: _data_uri(images / name)
        for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png", "layers.png", "layers-2x.png")
    }


@lru_cache(maxsize=1)
def _inline_blocks() -> dict[str, str]:
    """Map each known CDN address to the inline element that replaces it."""
    leaflet = _leaflet_dir()
    icons = _icon_data_uris()
    css = (leaflet / "leaflet.css").read_text(encoding="utf-8")
    css = _SOURCE_MAP.sub("", css)
    for name, uri in icons.items():
        css = css.replace(f"url(images/{name})", f'url("{uri}")')
    # Leaflet guesses the default marker's image folder from this CSS rule; a data URI would
    # break that guess, so the default icon gets its three images set explicitly instead.
    icon_fix = (
        "L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions("
        f"{{iconUrl:'{icons['marker-icon.png']}',iconRetinaUrl:'{icons['marker-icon-2x.png']}',"
        f"shadowUrl:'{icons['marker-shadow.png']}'}});"
    )
    leaflet_js = _safe_script((leaflet / "leaflet.js").read_text(encoding="utf-8"))
    jquery_js = _safe_script((_jquery_dir() / "jquery.min.js").read_text(encoding="utf-8"))
    mc_js = _safe_script((_MC_DIR / "leaflet.markercluster.js").read_text(encoding="utf-8"))
    mc_css = {
        url: _SOURCE_MAP.sub("", (_MC_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
        for url in MARKERCLUSTER_CSS_URLS
    }
    mc_note = f"Leaflet.markercluster {MARKERCLUSTER_VERSION} (MIT)"
    return {
        MARKERCLUSTER_JS_URL: f"<script>/* {mc_note} */\n{mc_js}</script>",
        **{url: f"<style>/* {mc_note} */\n{css}</style>" for url, css in mc_css.items()},
        LEAFLET_JS_URL: f"<script>/* Leaflet {LEAFLET_VERSION} (BSD-2-Clause) */\n{leaflet_js}\n{icon_fix}</script>",
        JQUERY_JS_URL: f"<script>/* jQuery {JQUERY_VERSION} (MIT) */\n{jquery_js}</script>",
        LEAFLET_CSS_URL: f"<style>/* Leaflet {LEAFLET_VERSION} */\n{css}</style>",
    }


def inline_assets(html: str) -> str:
    """Replace the known CDN ``<script src>`` and stylesheet ``<link>`` tags by inline copies.

    Parameters
    ----------
    html : str
        A rendered HTML page.

    Returns
    -------
    str
        The page with Leaflet's JS and CSS (images as data URIs) and jQuery inlined from the
        ``xstatic-leaflet`` and ``xstatic-jquery`` packages, and Leaflet.markercluster from the
        copy vendored in ``siting/maps/assets``. Other tags are left as they are:
        call :func:`remote_assets` to find what still points to the network.
    """
    blocks = _inline_blocks()

    def swap(match: re.Match[str]) -> str:
        url = match.group("url").strip()
        if url in blocks:
            return blocks[url]
        return match.group(0)

    html = _SCRIPT_TAG.sub(swap, html)
    return _LINK_TAG.sub(lambda m: swap(m) if "stylesheet" in m.group(0).lower() else m.group(0), html)


def remote_assets(html: str) -> list[str]:
    """List every script, stylesheet or CSS import/url() in ``html`` that points to http(s).

    Parameters
    ----------
    html : str
        A rendered HTML page.

    Returns
    -------
    list of str
        The remote addresses in order of appearance (empty for a self-contained page).
    """
    found = [m.group("url") for m in _SCRIPT_TAG.finditer(html) if _REMOTE.match(m.group("url"))]
    for m in _LINK_TAG.finditer(html):
        tag = m.group(0).lower()
        if ("stylesheet" in tag or "preload" in tag or "modulepreload" in tag) and _REMOTE.match(m.group("url")):
            found.append(m.group("url"))
    for style in re.finditer(r"<style\b[^>]*>(.*?)</style>", html, flags=re.I | re.S):
        found.extend(u.group(1) for u in _CSS_REMOTE.finditer(style.group(1)))
    return found
