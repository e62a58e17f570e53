"""Screenshot of an offline siting map in headless chromium (docs/img/map.png is one of `siting rank`'s demo map).

Usage: ``siting rank --map /tmp/m/helsinki.html``, then
``python tools/screenshot_map.py /tmp/m/helsinki.html docs/img/map.png``
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(src: str, dst: str) -> None:
    """Open ``src`` with every non-file request blocked (tiles stay grey) and save a 1000x620 screenshot."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        page = browser.new_page(viewport={"width": 1000, "height": 620})
        page.route("**/*", lambda r: r.abort() if not r.request.url.startswith(("file:", "data:")) else r.continue_())
        page.goto(Path(src).resolve().as_uri())
        page.wait_for_timeout(1500)
        page.screenshot(path=dst)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
