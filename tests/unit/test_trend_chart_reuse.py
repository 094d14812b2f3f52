"""trend_chart and marker_notes work out a frame's drawn rows once (components.trend_chart
`_drawn`): the same answers as before, computed once for one frame object, never handed to
another frame, equal or not."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from components import trend_chart as tc

FRAME = pl.DataFrame(
    {
        "academic_year": ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22"],
        "series": ["Bolton"] * 5,
        "value": [36.0, None, 41.0, 42.1, None],
        "status": ["value", "suppressed", "value", "value", "not_published"],
    }
)
SPAN = tc.span_years(FRAME["academic_year"].to_list())


def test_drawn_is_prepare_break_marks_and_withheld() -> None:
    found = tc._drawn(FRAME, "ks4", "ks4_attainment8", SPAN)
    rows = tc.prepare(FRAME, key_stage="ks4", measure="ks4_attainment8", years=SPAN)
    marks = tc.break_marks("ks4", "ks4_attainment8", SPAN)
    assert_frame_equal(found.rows, rows)
    assert_frame_equal(found.marks, marks)
    assert_frame_equal(found.withheld, tc._withheld(rows, marks))
    assert found.withheld.height  # the suppressed 2018/19 is marked (the test has teeth)


def test_one_frame_is_worked_out_once_and_no_other_frame_gets_its_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[pl.DataFrame] = []
    prepare = tc.prepare

    def counting(frame: pl.DataFrame, **kwargs: object) -> pl.DataFrame:
        calls.append(frame)
        return prepare(frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tc, "prepare", counting)
    frame = FRAME.clone()
    first = tc._drawn(frame, "ks4", "ks4_attainment8", SPAN)
    notes = tc.marker_notes(frame, "ks4", "ks4_attainment8", SPAN)
    tc.trend_chart(
        frame,
        title="A8",
        value_title="A8",
        key_stage="ks4",
        measure="ks4_attainment8",
        colours={"Bolton": "#000000"},
        years=SPAN,
    )
    assert len(calls) == 1 and tc._drawn(frame, "ks4", "ks4_attainment8", SPAN) is first
    assert any("Bolton 2018/19 (suppressed)" in note for note in notes)
    # An equal frame that is another object, other years, or another measure: worked out.
    tc._drawn(FRAME.clone(), "ks4", "ks4_attainment8", SPAN)
    tc._drawn(frame, "ks4", "ks4_attainment8", SPAN[1:])
    tc._drawn(frame, "ks4", "ks4_progress8", SPAN)
    assert len(calls) == 4
    # A changed frame (a new object) never gets the old answer.
    changed = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("value"))
    assert tc._drawn(changed, "ks4", "ks4_attainment8", SPAN).withheld.height == 2


@pytest.mark.parametrize(
    "statuses",
    [
        ["value", "value", "value", "value", "value"],
        [None, None, None, None, None],
        ["value", "suppressed", "value", "value", "not_published"],
        ["value", "low_coverage", None, "value", "not_entered"],
    ],
)
def test_withheld_cells_are_the_query_s_whether_or_not_any_is_withheld(
    statuses: list[str | None],
) -> None:
    """The shortcut for frames with nothing withheld gives the empty frame the query gives
    (the same columns and types), and frames with withheld cells still get the query."""
    frame = FRAME.with_columns(pl.Series("status", statuses, dtype=pl.String))
    rows = tc.prepare(frame, key_stage="ks4", measure="ks4_attainment8", years=SPAN)
    marks = tc.break_marks("ks4", "ks4_attainment8", SPAN)
    shaded = pl.lit(value=False)
    for x0, x1 in (
        marks.filter(pl.col("kind").is_in(["no_data", "stops"])).select("x0", "x1").rows()
    ):
        shaded = shaded | pl.col("year").is_between(x0, x1)
    expected = rows.filter(
        pl.col("value").is_null() & ~shaded & pl.col("status").is_in(sorted(tc.WITHHELD_STATUSES))
    ).select(
        "academic_year", "year", "series", pl.col("status").str.replace("_", " ").alias("shown")
    )
    assert_frame_equal(tc._withheld(rows, marks), expected)
