"""Cold start to the first chart and the first visit to each page, each against an
empty app's.

A phase of `python3 -m benchmarks` (benchmarks/__main__.py runs them in turn)."""

from __future__ import annotations

from typing import Any

from benchmarks import apptest_bench
from benchmarks.pages import ROOT, Page, app_pages
from benchmarks.phases.common import expectation, log
from benchmarks.report import Metric, Target, median

EMPTY_PAGES_APP = apptest_bench.APPS / "empty_pages.py"
FIRST_VISIT_FLOOR_APP = apptest_bench.APPS / "first_visit_floor.py"
COLD_TARGET = Target("<=", 1.5)
FIRST_VISIT_TARGET = Target("<=", 3.0)


def run_cold(
    env: dict[str, str], repeats: int, overview: dict[str, Any]
) -> tuple[Metric, dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_bench import Expect, cold_start_ms, launch

    app_ms: list[float] = []
    empty_ms: list[float] = []
    error = None
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for _ in range(repeats):  # alternate, so both see the same machine state
                empty_ms.append(
                    cold_start_ms(
                        browser, apptest_bench.EMPTY_APP, env, Expect(marker="empty-app-ready")
                    )
                )
                app_ms.append(cold_start_ms(browser, ROOT / "app.py", env, None))
                log(f"  cold start: app {app_ms[-1]:,.0f} ms, empty app {empty_ms[-1]:,.0f} ms")
        except Exception as exc:  # noqa: BLE001
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        finally:
            browser.close()
    del overview
    metric = Metric(
        name="cold start to first chart: Overview",
        value=median(app_ms),
        unit="ms",
        floor=median(empty_ms),
        floor_name="empty app",
        target=COLD_TARGET,
        detail="runs (app / empty app, ms): "
        + ", ".join(f"{a:,.0f} / {e:,.0f}" for a, e in zip(app_ms, empty_ms, strict=False)),
        samples=app_ms,
        floor_samples=empty_ms,
        error=error,
    )
    return metric, {"app_ms": app_ms, "empty_ms": empty_ms}


def run_first_visits(
    pages: list[Page],
    profiles: dict[str, Any],
    env: dict[str, str],
    repeats: int,
    la_label: str | None,
) -> tuple[list[Metric], dict[str, Any]]:
    """Each page's first visit on a new server (a sidebar click from the default page,
    drawn first; for the default page, a click back to it from the last page after a new
    Authority), interleaved with page switches in the two-page empty app (the target's
    floor) and in apps/first_visit_floor.py to the page's own recorded elements (shown
    beside it)."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser_bench import (
        EMPTY_PAGES_READY,
        Expect,
        Server,
        Session,
        first_visit_ms,
        launch,
    )

    everything = app_pages()
    samples: dict[str, list[float]] = {page.stem: [] for page in pages}
    whole: dict[str, list[float]] = {page.stem: [] for page in pages}
    errors: dict[str, str] = {}
    floor_ms: list[float] = []
    elements_ms: dict[str, list[float]] = {page.stem: [] for page in pages}
    with (
        sync_playwright() as playwright,
        Server(EMPTY_PAGES_APP, env).start() as empty,
        Server(FIRST_VISIT_FLOOR_APP, env).start() as elements_app,
    ):
        empty.wait_healthy()
        elements_app.wait_healthy()
        browser = launch(playwright)
        floor = Session(browser)
        elements = ElementsSwitch(Session(browser), elements_app.url, profiles)
        on_b = False

        def switch() -> float:
            """One page switch in the empty app, timed as the app's visits are (its first
            screen is its whole page)."""
            nonlocal on_b
            title, marker = ("Empty A", EMPTY_PAGES_READY[0])
            if not on_b:
                title, marker = ("Empty B", EMPTY_PAGES_READY[1])
            on_b = not on_b
            return floor.navigate_first_screen(title, Expect(marker=marker))[0]

        try:
            floor.load(empty.url, Expect(marker=EMPTY_PAGES_READY[0]))
            switch()  # warm-up, untimed
            elements.warm_up()
            for _ in range(repeats):
                for page in pages:
                    expect = expectation(profiles.get(page.stem, {}).get("elements", []))
                    try:
                        if page == everything[0]:
                            ms, whole_ms = first_visit_ms(
                                browser,
                                ROOT / "app.py",
                                env,
                                page.title,
                                expect,
                                via=everything[-1].title,
                                la_label=la_label,
                            )
                        else:
                            ms, whole_ms = first_visit_ms(
                                browser, ROOT / "app.py", env, page.title, expect
                            )
                        samples[page.stem].append(ms)
                        whole[page.stem].append(whole_ms)
                    except Exception as exc:  # noqa: BLE001 - the row shows it
                        first_line = str(exc).splitlines()[0][:160] if str(exc) else ""
                        errors[page.stem] = f"{type(exc).__name__}: {first_line}"
                        ms = whole_ms = float("nan")
                    floor_ms.append(switch())
                    own = elements.switch_to(page.stem)
                    if own is not None:
                        elements_ms[page.stem].append(own)
                    log(
                        f"  {page.stem}: first screen {ms:,.0f} ms (whole page {whole_ms:,.0f}), "
                        f"empty page switch {floor_ms[-1]:,.0f} ms, its elements' switch "
                        f"{own if own is not None else float('nan'):,.0f} ms "
                        f"{errors.get(page.stem, '')}"
                    )
        finally:
            floor.close()
            elements.session.close()
            browser.close()
    metrics = [
        Metric(
            name=f"first visit, first screen (sidebar click, caches cold): {page.title}",
            value=median(samples[page.stem]),
            unit="ms",
            floor=median(floor_ms),
            floor_name="empty app page switch",
            second_floor=median(elements_ms[page.stem]),
            second_floor_name="its elements' page switch (info)",
            target=FIRST_VISIT_TARGET,
            detail=_whole_page_detail(whole[page.stem]),
            samples=samples[page.stem],
            floor_samples=floor_ms,
            error=errors.get(page.stem),
        )
        for page in pages
    ]
    return metrics, {
        "app_ms": samples,
        "whole_page_ms": whole,
        "floor_ms": floor_ms,
        "elements_floor_ms": elements_ms,
        "errors": errors,
    }


class ElementsSwitch:
    """Page switches in apps/first_visit_floor.py, timed as the app's first visits: from
    the Overview's recorded elements to a page's (to the Overview's from the last page's),
    the session taken back to the start page, untimed, in between. The floor app titles
    each page by its stem, which is what is clicked."""

    def __init__(self, session: Any, url: str, profiles: dict[str, Any]) -> None:
        self.session = session
        self.url = url
        self.profiles = profiles
        self.stems = list(profiles)
        self.at = self.stems[0] if self.stems else ""

    def expect(self, stem: str) -> Any:
        return expectation(self.profiles.get(stem, {}).get("elements", []))

    def warm_up(self) -> None:
        """Open the app and every floor page once (the browser loads each kind of
        element's code on its first use, which the app's visits find prefetched)."""
        if len(self.stems) < 2:
            return
        self.session.load(self.url, self.expect(self.stems[0]))
        for stem in [*self.stems[1:], self.stems[0]]:
            self.session.navigate(stem, self.expect(stem))
        self.at = self.stems[0]

    def switch_to(self, stem: str) -> float | None:
        """ms of one timed switch to `stem`'s elements, None when there is no page to
        switch from or the switch failed (the row then shows no second floor)."""
        if len(self.stems) < 2 or stem not in self.stems:
            return None
        start = self.stems[-1] if stem == self.stems[0] else self.stems[0]
        try:
            if self.at != start:
                self.session.navigate(start, self.expect(start))
                self.at = start
            ms = float(self.session.navigate_first_screen(stem, self.expect(stem))[0])
            self.at = stem
            return ms
        except Exception as exc:  # noqa: BLE001 - an informational floor; logged
            log(f"  {stem}: its elements' page switch failed: {type(exc).__name__}")
            self.at = ""
            return None


def _whole_page_detail(whole_ms: list[float]) -> str:
    """The rest of the page, shown beside the first screen the target is set on."""
    value = median(whole_ms)
    if value is None:
        return ""
    return f"whole page drawn (run over, every chart below the fold too): median {value:,.0f} ms"
