"""components/school_trends/school.py after the rerun trims (issue 16): the cell lookup, the
chart's drawn rows worked out once, and the line styles give what the per-cell filters and
the second `prepare` gave, on every school of the embedded store with results."""

from __future__ import annotations

import polars as pl
import pytest

from components import vega
from components.school_trends import school
from components.trend_chart import marker_notes, prepare, span_years, trend_chart
from equity.analysis import school_trends
from equity.schema import HEADLINE_MEASURES
from equity.store import EMBEDDED_STORE, Store


@pytest.fixture(scope="module")
def store() -> Store:
    return Store.open(EMBEDDED_STORE)


def _series(store: Store) -> list[tuple[str, pl.DataFrame]]:
    found = []
    for phase in ("secondary", "primary"):
        urns = school_trends._headline_years(store, phase)["entity"].unique().sort()
        for measure in HEADLINE_MEASURES[phase]:
            for urn in urns.gather_every(max(1, urns.len() // 8)).to_list():
                frame = school_trends.school_series(store, urn, phase, measure)
                if frame.height:
                    found.append((measure, frame))
    return found


def _old_style(frame: pl.DataFrame) -> tuple[dict[str, str], dict[str, list[int]]]:
    """`_style` as it was: a filter per series for its level."""

    def level(series: str) -> str:
        return str(frame.filter(pl.col("series") == series)["level"][0])

    colours, dashes = school._style(frame)
    order = sorted(colours, key=lambda s: (["school", "la", "england"].index(level(s)), s))
    return {s: colours[s] for s in order}, dashes


def test_cells_are_the_filtered_rows(store: Store) -> None:
    series = _series(store)
    assert series
    for _measure, frame in series:
        at = school.cells(frame)
        keys = {
            (level, group, year)
            for level in ("school", "la", "england", "nowhere")
            for group in ("disadvantaged", "other")
            for year in frame["academic_year"].unique().to_list()
        }
        for key in keys:
            assert at.get(key) == school.value_at(frame, *key)


def test_drawn_rows_given_change_nothing(store: Store) -> None:
    """trend_chart and marker_notes with `drawn` equal the calls that prepare their own."""
    for measure, frame in _series(store):
        key_stage = "ks4" if measure.startswith("ks4") else "ks2"
        years = sorted(set(frame.filter(pl.col("level") == "school")["academic_year"]))
        rows = frame.select("academic_year", "series", "value", "status", "pupils")
        drawn = prepare(rows, key_stage=key_stage, measure=measure, years=span_years(years))
        # The notes read the page frame before; the chart's rows give the same drawn cells.
        assert marker_notes(rows, key_stage, measure, years, drawn) == marker_notes(
            frame, key_stage, measure, years
        )
        colours, dashes = school._style(frame)
        assert (colours, dashes) == _old_style(frame)
        assert list(colours) == list(_old_style(frame)[0])
        kwargs = {
            "title": "t",
            "value_title": "v",
            "key_stage": key_stage,
            "measure": measure,
            "colours": colours,
            "dashes": dashes,
            "years": years,
        }
        assert vega.spec(trend_chart(rows, drawn=drawn, **kwargs)) == vega.spec(
            trend_chart(rows, **kwargs)
        )
