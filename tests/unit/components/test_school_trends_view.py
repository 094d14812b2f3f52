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


def _frame_style(frame: pl.DataFrame) -> tuple[dict[str, str], dict[str, list[int]]]:
    """`_style` as round 3 left it (polars unique and sort), the reference for round 4's
    one read of the rows."""
    colours, dashes = {}, {}
    levels = {"school": [1, 0], "la": [7, 4], "england": [2, 3]}
    level_of: dict[str, str] = {}
    for series, level in frame.select("series", "level").iter_rows():
        level_of.setdefault(series, level)
    for series, level, group in (
        frame.select("series", "level", "group").unique().sort("level", "group", "series").rows()
    ):
        colours[series] = (
            school.ROLE_COLOURS["england"]
            if level == "england"
            else school.GROUP_COLOURS.get(group, school.TEXT)
        )
        dashes[series] = levels[level]
    order = sorted(colours, key=lambda s: (["school", "la", "england"].index(level_of[s]), s))
    return {s: colours[s] for s in order}, dashes


def test_style_read_once_is_the_frames_style_in_order(store: Store) -> None:
    """Colours and dashes, both in their order, as the polars steps gave them; also for a
    series drawn at two levels (the last in sorted order wins, as before)."""
    frames = [frame for _measure, frame in _series(store)]
    frame = frames[0]
    twice = pl.concat(
        [frame, frame.head(1).with_columns(pl.lit("la").alias("level"), pl.lit("x").alias("group"))]
    )
    for each in [*frames, twice]:
        new, old = school._style(each), _frame_style(each)
        assert new == old
        assert list(new[0]) == list(old[0])
        assert list(new[1]) == list(old[1])


def test_view_years_small_cohorts_and_takeaway_read_the_rows_as_the_filters_did(
    store: Store,
) -> None:
    """The takeaway from the view's own cells equals the takeaway worked out alone, and
    the school's years from the cells are the school rows' years."""
    for measure, frame in _series(store):
        at = school.cells(frame)
        years = sorted({year for level, _group, year in at if level == "school"})
        assert years == sorted(set(frame.filter(pl.col("level") == "school")["academic_year"]))
        assert school.school_takeaway(frame, "X", measure, at) == school.school_takeaway(
            frame, "X", measure
        )


def test_movers_left_out_counts_are_the_group_by(store: Store) -> None:
    """The reasons schools are left out, counted in Python, are the filter, group_by and
    sort they replaced (also with a null eligibility and a null reason)."""
    from components.school_trends import movers

    phase = "secondary"
    measure = HEADLINE_MEASURES[phase][0]
    years = sorted(school_trends._headline_years(store, phase)["academic_year"].unique())
    codes = sorted(set(school_trends._headline_years(store, phase)["la_code"].drop_nulls()))
    frames = [
        school_trends.movers(store, (code,), phase, measure, years[0], years[-1]) for code in codes
    ]
    frames = [f for f in frames if f.height]
    assert frames
    odd = frames[0].with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(None)
        .otherwise(pl.col("eligible"))
        .alias("eligible"),
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("reason")).alias("reason"),
    )
    for frame in [*frames, odd]:
        old = frame.filter(~pl.col("eligible")).group_by("reason").len().sort("reason")
        assert movers._left_out(frame) == old.rows()
