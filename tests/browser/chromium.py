"""Launching Debian's Chromium the one way the browser tests, the benchmark and the README
screenshot all use (no browser downloads exist on the machines this runs on)."""

from __future__ import annotations

import os
from typing import Any

from playwright.sync_api import Browser

CHROMIUM = os.environ.get("EQUITY_CHROMIUM", "/usr/bin/chromium")
#: Without the background-networking flags Chromium tries to reach Google's services, and
#: a closed network refuses its connections; sandboxing needs privileges CI containers lack.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch_browser(playwright: Any) -> Browser:
    """Headless Chromium from `playwright` (a started sync_playwright())."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
