"""components/school_trends/school.py after the rerun trims (issue 16): the cell lookup, the
marker notes of the chart's own rows and the line styles give what the per-cell filters,
the whole series frame and the filter per series gave, on schools of the embedded store."""

from __future__ import annotations

import polars as pl
import pytest

from components.school_trends import school
from components.trend_chart import marker_notes
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


def test_notes_of_the_charts_rows_and_the_style_are_unchanged(store: Store) -> None:
    """school_view now gives marker_notes the chart's own rows (the same frame object, so
    trend_chart's memo works them out once) where it gave the whole series frame: the
    same notes; and `_style` orders series as the filter per series did."""
    for measure, frame in _series(store):
        key_stage = "ks4" if measure.startswith("ks4") else "ks2"
        years = sorted(set(frame.filter(pl.col("level") == "school")["academic_year"]))
        rows = frame.select("academic_year", "series", "value", "status", "pupils")
        assert marker_notes(rows, key_stage, measure, years) == marker_notes(
            frame, key_stage, measure, years
        )
        colours, dashes = school._style(frame)
        assert (colours, dashes) == _old_style(frame)
        assert list(colours) == list(_old_style(frame)[0])
