"""Series breaks in KS2 and KS4 data, 2015/16-2024/25, as data plus the rules that use them.

Charts must never draw a line across a year that has no results or across a change in how
a measure is built, and every span of years carries the caveats that apply to it. Keeping
the table here (from /work/shared/data/SERIES-BREAKS.md) means the trend chart, the
takeaways and the caveat notes all read one source.

Kinds, and what a chart does with them:
- "no_data": no results that year (KS2 tests cancelled): a gap in the line, shaded.
- "break": the measure changed; the line is not joined from the year before `year`.
- "flag": results exist but are not comparable (centre/teacher-assessed grades): drawn
  with a hollow marker and never joined to neighbours, unless `joins` (transitional year).
- "annotate": a caveat note only.
- "stops": not published from `year` on; the series ends the year before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from equity.schema import year_start

Kind = Literal["no_data", "break", "flag", "annotate", "stops"]
ALL_STAGES: Final = "all"
KS2_PROGRESS: Final = ("ks2_reading_progress", "ks2_writing_progress", "ks2_maths_progress")
#: The census series whose basis changes in January 2021: the ever-FSM share and the
#: census-basis segregation indices (a chart of those passes measure="census_segregation").
CENSUS_EVER_FSM_SERIES: Final = ("pct_ever_fsm", "census_segregation")


@dataclass(frozen=True)
class SeriesBreak:
    year: str
    key_stage: str  # "ks2" | "ks4" | "all"
    kind: Kind
    text: str  # the caveat sentence shown under a chart
    label: str  # a short chart label
    measures: tuple[str, ...] = ()  # empty: every measure of the key stage
    joins: bool = False  # flags only: the line may continue to the next year
    confirmed: bool = True

    def applies_to(self, key_stage: str, measure: str | None = None) -> bool:
        if self.key_stage not in (key_stage, ALL_STAGES):
            return False
        return measure is None or not self.measures or measure in self.measures


SERIES_BREAKS: Final[tuple[SeriesBreak, ...]] = (
    SeriesBreak(
        "2015/16",
        "ks2",
        "break",
        "KS2 results from 2015/16 come from the new curriculum tests (scaled scores, the "
        "'expected standard') and are not comparable with earlier years.",
        "New KS2 tests",
    ),
    SeriesBreak(
        "2015/16",
        "ks4",
        "break",
        "Attainment 8 and Progress 8 became the headline KS4 measures in 2015/16; there are no "
        "comparable figures for earlier years.",
        "A8 and P8 begin",
        measures=("ks4_attainment8", "ks4_progress8"),
    ),
    SeriesBreak(
        "2016/17",
        "ks4",
        "break",
        "From 2016/17 English and maths GCSEs are graded 9-1 and Attainment 8 points were "
        "rescaled, so Attainment 8 before and after 2016/17 is not comparable.",
        "9-1 GCSEs",
        measures=("ks4_attainment8",),
    ),
    SeriesBreak(
        "2017/18",
        "ks4",
        "annotate",
        "In 2017/18 and 2018/19 more GCSE subjects moved to 9-1 grades, which shifts "
        "Attainment 8 between these years.",
        "More 9-1 subjects",
        measures=("ks4_attainment8",),
    ),
    SeriesBreak(
        "2017/18",
        "ks4",
        "annotate",
        "Unconfirmed (not yet checked against a DfE source): extreme negative Progress 8 "
        "scores are reported to be capped from the 2018 results.",
        "P8 capping (unconfirmed)",
        measures=("ks4_progress8",),
        confirmed=False,
    ),
    SeriesBreak(
        "2019/20",
        "ks2",
        "no_data",
        "There are no KS2 results for 2019/20: the tests were cancelled (COVID-19).",
        "No KS2 tests (COVID-19)",
    ),
    SeriesBreak(
        "2020/21",
        "ks2",
        "no_data",
        "There are no KS2 results for 2020/21: the tests were cancelled (COVID-19).",
        "No KS2 tests (COVID-19)",
    ),
    SeriesBreak(
        "2019/20",
        "ks4",
        "flag",
        "2019/20 GCSE results are centre-assessed grades and no school-level performance "
        "tables were published; they are not comparable with 2018/19.",
        "Centre-assessed grades",
    ),
    SeriesBreak(
        "2020/21",
        "ks4",
        "flag",
        "2020/21 GCSE results are teacher-assessed grades, not directly comparable with other "
        "years.",
        "Teacher-assessed grades",
    ),
    SeriesBreak(
        "2020/21",
        ALL_STAGES,
        "annotate",
        "Free school meal eligibility rose sharply from 2020 (the pandemic and transitional "
        "protections), so the disadvantaged group itself changed for reasons outside schools.",
        "FSM eligibility rises",
    ),
    SeriesBreak(
        "2021/22",
        "ks4",
        "flag",
        "2021/22 was a transitional year: exams returned with grading set about midway "
        "between 2019 and 2021.",
        "Transitional grading",
        joins=True,
    ),
    SeriesBreak(
        "2021/22",
        "ks2",
        "annotate",
        "KS2 tests returned in 2021/22 after two years without results.",
        "KS2 tests resume",
    ),
    SeriesBreak(
        "2022/23",
        "ks4",
        "annotate",
        "2022/23 returned to pre-pandemic grading with some protections: compare it with "
        "2018/19 rather than with 2019/20 to 2021/22, and with care.",
        "Pre-pandemic grading",
    ),
    SeriesBreak(
        "2023/24",
        "ks2",
        "stops",
        "KS2 progress scores are not published from 2023/24 (no KS1 baseline): the series "
        "stops after 2022/23.",
        "KS2 progress\nnot published",
        measures=KS2_PROGRESS,
    ),
    SeriesBreak(
        "2024/25",
        "ks4",
        "stops",
        "Progress 8 is not published for 2024/25 or 2025/26 (there were no KS2 results in 2020 "
        "and 2021 to measure progress from): the series stops after 2023/24.",
        "Progress 8\nnot published",
        measures=("ks4_progress8",),
    ),
    # School census (key stage "census"): ever-FSM shares and census-basis segregation.
    SeriesBreak(
        "2020/21",
        "census",
        "break",
        "In the January 2021 census the ever-FSM share is a share of all pupils on roll, not "
        "of the pupils counted for free school meals as in 2018, 2019, 2023 and 2024: "
        "2020/21 is not joined to the years either side.",
        "Ever-FSM of all pupils (Jan 2021)",
        measures=CENSUS_EVER_FSM_SERIES,
    ),
    SeriesBreak(
        "2022/23",
        "census",
        "break",
        "From January 2023 the ever-FSM denominator (NORFSMEVER) is published again on the "
        "basis of 2018 and 2019, so 2022/23 is not joined to 2020/21.",
        "Ever-FSM basis restored",
        measures=CENSUS_EVER_FSM_SERIES,
    ),
    SeriesBreak(
        "2018/19",
        "census",
        "annotate",
        "From April 2018 transitional protections (Universal Credit) keep pupils eligible for "
        "FSM who would have lost it, and eligibility rose sharply from 2020: FSM shares and "
        "indices built on them move for reasons other than poverty alone.",
        "FSM protections",
    ),
    # KS4 destinations (key stage "destinations"; the year is the cohort's KS4 year).
    SeriesBreak(
        "2019/20",
        "destinations",
        "flag",
        "Pupils who finished KS4 in 2019/20 had centre-assessed grades and went on to their "
        "destinations during the pandemic.",
        "CAGs, pandemic",
        joins=True,
    ),
    SeriesBreak(
        "2020/21",
        "destinations",
        "flag",
        "Pupils who finished KS4 in 2020/21 had teacher-assessed grades and went on to their "
        "destinations during the pandemic.",
        "TAGs, pandemic",
        joins=True,
    ),
)


def entries_for(
    key_stage: str, measure: str | None = None, years: Iterable[str] | None = None
) -> list[SeriesBreak]:
    """The entries that matter for a span of years (all years when `years` is None).

    A break matters only when the span has years on both sides of it; a stop matters
    when the span reaches the first unpublished year; the rest when their year is inside.
    """
    span = sorted(set(years)) if years is not None else []
    first, last = (span[0], span[-1]) if span else ("0000/00", "9999/00")
    out = []
    for entry in SERIES_BREAKS:
        if not entry.applies_to(key_stage, measure):
            continue
        if entry.kind == "break":
            relevant = first < entry.year <= last
        elif entry.kind == "stops":
            relevant = entry.year <= last
        else:
            relevant = first <= entry.year <= last
        if relevant:
            out.append(entry)
    return sorted(out, key=lambda e: e.year)


def caveats_for(key_stage: str, years: Iterable[str], measure: str | None = None) -> list[str]:
    """Caveat sentences for a span, in year order, each once."""
    texts = [e.text for e in entries_for(key_stage, measure, years)]
    return list(dict.fromkeys(texts))


def years_of_kind(key_stage: str, measure: str | None, kind: Kind) -> set[str]:
    return {e.year for e in SERIES_BREAKS if e.kind == kind and e.applies_to(key_stage, measure)}


def _segment_rules(key_stage: str, measure: str | None) -> tuple[set[str], set[str], set[str]]:
    """(break years, no-data years, flagged years never joined) of a series."""
    breaks = years_of_kind(key_stage, measure, "break")
    no_data = years_of_kind(key_stage, measure, "no_data")
    isolated = {
        e.year
        for e in SERIES_BREAKS
        if e.kind == "flag" and not e.joins and e.applies_to(key_stage, measure)
    }
    return breaks, no_data, isolated


def _segment_one(
    part: pl.DataFrame, year_col: str, key_stage: str, measure: str | None, by: list[str]
) -> pl.DataFrame:
    breaks, no_data, isolated = _segment_rules(key_stage, measure)
    year = pl.col(year_col)
    start = year.str.slice(0, 4).cast(pl.Int32)
    drawn = part.filter(pl.col("__drawn") & ~year.is_in(list(no_data))).sort([*by, year_col])
    prev_year = year.shift(1)
    prev_start = start.shift(1)
    if by:
        prev_year, prev_start = prev_year.over(by), prev_start.over(by)
    new = (
        prev_start.is_null()
        | (start - prev_start != 1)
        | year.is_in(list(breaks | isolated))
        | prev_year.is_in(list(isolated))
    )
    seg = new.cast(pl.Int32).cum_sum()
    seg = (seg.over(by) if by else seg) - 1
    ids = drawn.select("__row", seg.alias("segment"))
    return part.join(ids, on="__row", how="left")


def segments(
    frame: pl.DataFrame,
    year_col: str = "academic_year",
    *,
    key_stage: str | None = None,
    measure: str | None = None,
    by: Sequence[str] = (),
    value_col: str | None = "value",
) -> pl.DataFrame:
    """Add `segment` (0, 1, ... within each `by` series): rows sharing one may be joined by
    a line. A new segment starts after a missing year or a null value, at a break, and on
    both sides of a flagged year that is not joined; rows not drawn get a null segment.

    `key_stage` and `measure` come from the arguments, else from columns of those names.
    """
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.Int32).alias("segment"))
    if key_stage is not None and (measure is not None or "measure" not in frame.columns):
        ids = _segment_ids(frame, year_col, key_stage, measure, list(by), value_col)
        if ids is not None:
            return frame.with_columns(pl.Series("segment", ids, dtype=pl.Int32))
    drawn = pl.col(value_col).is_not_null() if value_col else pl.lit(value=True)
    work = frame.with_row_index("__row").with_columns(drawn.alias("__drawn"))
    stage_col = None if key_stage is not None else "key_stage"
    measure_col = None if measure is not None or "measure" not in frame.columns else "measure"
    if stage_col is not None and stage_col not in frame.columns:
        raise ValueError("segments() needs key_stage= or a key_stage column")
    keys = [c for c in (stage_col, measure_col) if c is not None]
    parts = work.partition_by(keys, as_dict=True) if keys else {(): work}
    out = []
    for values, part in parts.items():
        named = dict(zip(keys, values, strict=True))
        ks = key_stage if key_stage is not None else str(named["key_stage"])
        m = measure if measure_col is None else named["measure"]
        out.append(_segment_one(part, year_col, ks, m, list(by)))
    return pl.concat(out).sort("__row").drop("__row", "__drawn")


#: Rows up to which `segments` works in Python: a trend chart's series (a few dozen rows).
_PYTHON_ROWS: Final = 2000
#: What `str.slice(0, 4).cast(pl.Int32)` reads as a year without doubt.
_FOUR_DIGITS: Final = frozenset("0123456789")


def _segment_ids(
    frame: pl.DataFrame,
    year_col: str,
    key_stage: str,
    measure: str | None,
    by: list[str],
    value_col: str | None,
) -> list[int | None] | None:
    """`segments`' segment of each row of a small frame of one series kind, worked out in
    Python; None when the frame is large or holds what only the polars steps decide (a
    missing or odd year or series key, one (series, year) drawn twice, whose order the
    sort leaves open; a column the steps would clash with).

    Why: the steps are a dozen polars queries on a few dozen rows, each costing more in
    overhead than in work (some 1-1.5 ms a chart, several times that on a loaded server),
    on every chart whose series are new (a new Authority, a new school)."""
    if frame.height > _PYTHON_ROWS or {"segment", "__row", "__drawn"} & set(frame.columns):
        return None
    breaks, no_data, isolated = _segment_rules(key_stage, measure)
    starts_anew = breaks | isolated
    columns = [year_col, *by, *([value_col] if value_col else [])]
    drawn: list[tuple[tuple[str, ...], str, int]] = []
    for index, row in enumerate(frame.select(columns).rows()):
        year, keys = row[0], row[1 : 1 + len(by)]
        if value_col and row[-1] is None:
            continue
        if not isinstance(year, str) or not all(isinstance(key, str) for key in keys):
            return None
        if len(year) < 4 or not set(year[:4]) <= _FOUR_DIGITS:
            return None
        if year in no_data:
            continue
        drawn.append((keys, year, index))
    drawn.sort(key=lambda item: (item[0], item[1]))
    ids: list[int | None] = [None] * frame.height
    previous: tuple[tuple[str, ...], str] | None = None
    segment = -1
    for keys, year, index in drawn:
        if previous is not None and previous == (keys, year):
            return None  # a tie: the polars sort decides which row comes first
        if previous is None or previous[0] != keys:
            new = True  # the series' first drawn year
        else:
            new = (
                int(year[:4]) - int(previous[1][:4]) != 1
                or year in starts_anew
                or previous[1] in isolated
            )
        if previous is None or previous[0] != keys:
            segment = -1
        segment += int(new)
        ids[index] = segment
        previous = (keys, year)
    return ids


def is_gap_year(key_stage: str, year: str, measure: str | None = None) -> bool:
    """True when no results exist that year by design (not a missing file)."""
    if year in years_of_kind(key_stage, measure, "no_data"):
        return True
    stops = years_of_kind(key_stage, measure, "stops")
    return any(year >= s for s in stops)


def comparable(key_stage: str, measure: str | None, first: str, last: str) -> bool:
    """Can two years be compared directly: no break between them, neither flagged?"""
    lo, hi = sorted((first, last))
    flagged = years_of_kind(key_stage, measure, "flag")
    if lo in flagged or hi in flagged:
        return False
    return not any(lo < y <= hi for y in years_of_kind(key_stage, measure, "break"))


def year_number(academic_year: str) -> int:
    """The academic year's start as a number for a continuous x axis (2018/19 -> 2018)."""
    return year_start(academic_year)
