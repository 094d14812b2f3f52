"""Retake the README's screenshot: `python3 scripts/screenshot.py` (needs the dev requirements
and Debian's chromium). Starts the app on a free port, waits until it has drawn, saves
docs/screenshot-overview.png."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import launch_browser  # noqa: E402
from tests.browser.conftest import (  # noqa: E402  (the tests' own server and wait helpers)
    new_context,
    open_app,
    start_server,
    stop_server,
)

OUT = ROOT / "docs" / "screenshot-overview.png"


def main() -> None:
    server = start_server(ROOT / "test-artifacts" / "screenshot-server")
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            try:
                page = new_context(browser, viewport={"width": 1440, "height": 900}).new_page()
                open_app(page, server.url())
                OUT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(OUT))
            finally:
                browser.close()
    finally:
        stop_server(server)
    subprocess.run(["ls", "-la", str(OUT)], check=False)


if __name__ == "__main__":
    main()
