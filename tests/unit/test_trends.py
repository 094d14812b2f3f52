"""Series breaks: hand-made series split where SERIES-BREAKS.md says, and caveats by span."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.metrics import trends as trends_module
from equity.metrics.trends import (
    SERIES_BREAKS,
    caveats_for,
    comparable,
    entries_for,
    is_gap_year,
    segments,
)
from equity.schema import parse_academic_year, year_start

YEARS = [f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025)]


def _series(values: Sequence[float | None], years: Sequence[str] = YEARS) -> pl.DataFrame:
    return pl.DataFrame({"academic_year": list(years), "value": list(values)})


def _ids(frame: pl.DataFrame) -> dict[str, int | None]:
    return dict(zip(frame["academic_year"], frame["segment"], strict=True))


def test_table_is_well_formed() -> None:
    kinds = {"no_data", "break", "flag", "annotate", "stops"}
    for entry in SERIES_BREAKS:
        assert entry.kind in kinds
        assert parse_academic_year(entry.year) == entry.year
        assert entry.key_stage in {"ks2", "ks4", "census", "destinations", "all"}
        assert entry.text.endswith(".")
    unconfirmed = [e for e in SERIES_BREAKS if not e.confirmed]
    assert len(unconfirmed) == 1  # the "(check)" item: Progress 8 capping from 2018
    assert unconfirmed[0].text.startswith("Unconfirmed")
    assert "capped" in unconfirmed[0].text


def test_ks2_gap_years_split_the_line() -> None:
    # KS2 RWM: 2015/16-2018/19 one line, no tests in 2019/20 and 2020/21, 2021/22 on another.
    values = [53.0, 61, 64, 65, None, None, 59, 60, 61, 62]
    ids = _ids(segments(_series(values), key_stage="ks2", measure="ks2_rwm_expected_pct"))
    assert [ids[y] for y in YEARS[:4]] == [0, 0, 0, 0]
    assert ids["2019/20"] is None and ids["2020/21"] is None
    assert [ids[y] for y in YEARS[6:]] == [1, 1, 1, 1]


def test_missing_rows_split_like_null_rows() -> None:
    # The same series with the gap years absent altogether (as LAIT often has them).
    years = [y for y in YEARS if y not in ("2019/20", "2020/21")]
    frame = _series([53.0, 61, 64, 65, 59, 60, 61, 62], years)
    ids = _ids(segments(frame, key_stage="ks2", measure="ks2_rwm_expected_pct"))
    assert ids["2018/19"] == 0 and ids["2021/22"] == 1


def test_ks4_attainment8_breaks_and_flags() -> None:
    # A8: 2015/16 alone (9-1 break before 2016/17); 2016/17-2018/19 joined; 2019/20 and
    # 2020/21 (centre/teacher-assessed) each alone; 2021/22 (transitional) joins 2022/23 on.
    values = [50.1, 44.6, 44.5, 44.7, 50.2, 50.9, 48.8, 46.3, 45.9, 46.0]
    ids = _ids(segments(_series(values), key_stage="ks4", measure="ks4_attainment8"))
    assert [ids[y] for y in YEARS] == [0, 1, 1, 1, 2, 3, 4, 4, 4, 4]


def test_progress8_has_no_9_1_break_and_stops() -> None:
    years = YEARS[:-1]  # not published for 2024/25
    values = [0.0, -0.03, -0.02, -0.03, None, None, -0.03, -0.03, -0.03]
    ids = _ids(segments(_series(values, years), key_stage="ks4", measure="ks4_progress8"))
    assert [ids[y] for y in years] == [0, 0, 0, 0, None, None, 1, 1, 1]
    assert is_gap_year("ks4", "2024/25", "ks4_progress8")
    assert not is_gap_year("ks4", "2024/25", "ks4_attainment8")
    assert is_gap_year("ks2", "2023/24", "ks2_reading_progress")
    assert is_gap_year("ks2", "2020/21")


def test_series_are_segmented_separately_and_rows_keep_their_order() -> None:
    frame = pl.DataFrame(
        {
            "academic_year": ["2018/19", "2016/17", "2017/18", "2016/17", "2018/19"],
            "series": ["a", "a", "a", "b", "b"],
            "value": [3.0, 1.0, None, 1.0, 2.0],
        }
    )
    out = segments(frame, key_stage="ks2", measure="ks2_rwm_expected_pct", by=["series"])
    assert out["academic_year"].to_list() == frame["academic_year"].to_list()
    # a: 2016/17 (0), 2017/18 null, 2018/19 (1); b: 2016/17 (0), 2018/19 (1, a year missing)
    assert out["segment"].to_list() == [1, 0, None, 0, 1]


def test_key_stage_and_measure_can_come_from_columns() -> None:
    frame = pl.DataFrame(
        {
            "academic_year": ["2015/16", "2016/17"] * 2,
            "key_stage": ["ks4"] * 4,
            "measure": ["ks4_attainment8"] * 2 + ["ks4_progress8"] * 2,
            "value": [50.0, 44.0, 0.0, 0.0],
        }
    )
    out = segments(frame)
    assert out["segment"].to_list() == [0, 1, 0, 0]  # the 9-1 break is for A8 only


def test_caveats_follow_the_span() -> None:
    before_after = caveats_for("ks4", ["2015/16", "2016/17"], "ks4_attainment8")
    assert any("rescaled" in c for c in before_after)
    # A span starting at the break does not cross it.
    inside = caveats_for("ks4", ["2016/17", "2018/19"], "ks4_attainment8")
    assert not any("rescaled" in c for c in inside)
    ks2 = caveats_for("ks2", ["2018/19", "2021/22"], "ks2_rwm_expected_pct")
    assert any("2019/20" in c for c in ks2) and any("2020/21" in c for c in ks2)
    assert caveats_for("ks2", ["2016/17", "2018/19"], "ks2_rwm_expected_pct") == []
    p8 = caveats_for("ks4", YEARS, "ks4_progress8")
    assert any("Progress 8 is not published" in c for c in p8)
    assert any(c.startswith("Unconfirmed") for c in p8)
    a8 = caveats_for("ks4", YEARS, "ks4_attainment8")
    assert not any(c.startswith("Unconfirmed") for c in a8)
    assert len(p8) == len(set(p8))


def test_comparable_years() -> None:
    assert comparable("ks4", "ks4_attainment8", "2016/17", "2018/19")
    assert not comparable("ks4", "ks4_attainment8", "2015/16", "2016/17")
    assert comparable("ks4", "ks4_progress8", "2015/16", "2018/19")
    assert not comparable("ks4", "ks4_attainment8", "2018/19", "2020/21")  # flagged year


@settings(max_examples=60, deadline=None)
@given(
    present=st.lists(st.booleans(), min_size=10, max_size=10),
    stage_measure=st.sampled_from(
        [("ks2", "ks2_rwm_expected_pct"), ("ks4", "ks4_attainment8"), ("ks4", "ks4_progress8")]
    ),
)
def test_no_segment_spans_a_gap_break_or_unjoined_flag(
    present: list[bool], stage_measure: tuple[str, str]
) -> None:
    stage, measure = stage_measure
    values = [1.0 if p else None for p in present]
    out = segments(_series(values), key_stage=stage, measure=measure).drop_nulls("segment")
    entries = entries_for(stage, measure)
    breaks = {e.year for e in entries if e.kind == "break"}
    lonely = {e.year for e in entries if e.kind == "flag" and not e.joins}
    no_data = {e.year for e in entries if e.kind == "no_data"}
    for _, part in out.group_by("segment"):
        years = sorted(part["academic_year"].to_list())
        starts = [year_start(y) for y in years]
        assert starts == list(range(starts[0], starts[0] + len(starts)))  # consecutive
        assert not set(years[1:]) & breaks
        assert not set(years) & no_data
        assert len(years) == 1 or not set(years) & lonely


_YEARS = ["2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]
_YEARS = [*_YEARS, "2022/23", "2023/24", "2024/25"] * 4 + ["2019", "x019/20", None]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(_YEARS),
            st.sampled_from(["a", "b", "é"] * 5 + [None]),
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False)),
        ),
        min_size=1,
        max_size=25,
    ),
    stage_measure=st.sampled_from(
        [
            ("ks2", "ks2_rwm_expected_pct"),
            ("ks2", "ks2_reading_progress"),
            ("ks4", "ks4_attainment8"),
            ("ks4", "ks4_progress8"),
            ("census", "pct_ever_fsm"),
            ("destinations", None),
        ]
    ),
    by_series=st.booleans(),
    value_col=st.sampled_from(["value", None]),
)
def test_segments_in_python_equal_the_polars_steps(
    rows: list[tuple[str | None, str | None, float | None]],
    stage_measure: tuple[str, str | None],
    by_series: bool,
    value_col: str | None,
) -> None:
    """Round 4 works out a small frame's segments in Python; the frame is the polars
    steps' frame exactly (schema, order, ids), or the steps decide (ties, odd keys)."""
    key_stage, measure = stage_measure
    frame = pl.DataFrame(
        rows,
        schema={"academic_year": pl.String, "series": pl.String, "value": pl.Float64},
        orient="row",
    )
    by = ["series"] if by_series else []
    kwargs: dict[str, Any] = {"key_stage": key_stage, "measure": measure, "by": by}

    def run() -> pl.DataFrame | None:
        try:
            return segments(frame, value_col=value_col, **kwargs)
        except pl.exceptions.PolarsError:  # the steps refuse a year that is not a number
            return None

    new = run()
    original = trends_module._segment_ids
    trends_module._segment_ids = lambda *_args: None  # type: ignore[assignment]
    try:
        old = run()
    finally:
        trends_module._segment_ids = original  # type: ignore[assignment]
    if old is None or new is None:
        assert old is None and new is None
        return
    assert new.schema == old.schema
    assert new.equals(old, null_equal=True)
