"""Compute the default view's answers once, after a store is built or changed, and keep them
in the store (equity/answers.py): `python3 scripts/answers_ahead.py --store PATH`.

Runs every page of app.py once on its default view (Greater Manchester, the default phase
and year; each page's first tab), then every page once for every authority, in Streamlit's
headless test runner, with nothing cached, and keeps every cached answer those runs
compute. A server started on that store then reads them on its first visits, and when a
reader changes the Authority, instead of computing them (~50 s and ~25 MB at national
scale). Answers kept before (for an
older version of the store or of the code) are removed. Prints one line per page and a
summary; exit 2, with the reason, when the store or a page cannot be run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The sidebar's authority filter (components/filters.py).
AUTHORITY_LABEL = "Authority"
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="the store folder to serve")
    args = parser.parse_args(argv)
    store = args.store.resolve()
    if not (store / "catalogue").is_dir():
        print(f"error: {store} is not a store (no catalogue): ingest files into it first")
        return 2
    with tempfile.TemporaryDirectory(prefix="answers-ahead-") as scratch:
        # This store alone: no operator upload store and no session layer in the version.
        os.environ["EQUITY_STORE"] = str(store)
        os.environ["EQUITY_USER_STORE"] = str(Path(scratch) / "user-store")
        os.environ["EQUITY_PRIVATE_ROOT"] = str(Path(scratch) / "private")
        return _record(store)


def _record(store: Path) -> int:
    from streamlit.testing.v1 import AppTest

    from benchmarks.pages import app_pages, keep_navigation_mode
    from components import data, progressive
    from equity import answers

    keep_navigation_mode()
    written = data.record_answers()
    started = time.perf_counter()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    for index, page in enumerate(app_pages()):
        before, began = len(written), time.perf_counter()
        if index:
            app.switch_page(page.path)
        app.run()
        progressive.press_all(app)  # as the browser does once the first screen is drawn
        if app.exception:
            print(f"error: {page.title}: {app.exception[0].value}")
            return 2
        seconds = time.perf_counter() - began
        print(f"{page.title}: {len(written) - before} answers kept ({seconds:.1f} s)")
    # Every page's default view for every authority too: links name one (`?la=352`), and a
    # reader changing the Authority filter asks for that authority's answers, a few small
    # tables each (School trends' school picker and default school's series, Similar's
    # family, Concentration's indices). Kept, a rerun for a new authority reads them.
    for page in app_pages():
        began, before = time.perf_counter(), len(written)
        app.switch_page(page.path)
        app.run()
        options = _authority(app).options
        for option in options:
            _authority(app).set_value(option)
            app.run()
            if app.exception:
                print(f"error: {page.title} for {option}: {app.exception[0].value}")
                return 2
        print(
            f"{page.title}, each of {len(options)} authorities: "
            f"{len(written) - before} answers kept ({time.perf_counter() - began:.1f} s)"
        )
    gone = answers.keep_only(store, set(written))
    size = sum(path.stat().st_size for path in written)
    print(
        f"{len(written)} answers kept in {store / answers.FOLDER} ({size / 1e6:.1f} MB, "
        f"{time.perf_counter() - started:.1f} s); {len(gone)} older ones removed"
    )
    return 0


def _authority(app: Any) -> Any:
    """The sidebar's Authority selectbox as the last run drew it."""
    return next(box for box in app.sidebar.selectbox if box.label == AUTHORITY_LABEL)


if __name__ == "__main__":
    sys.exit(main())
