"""One school's results over the years beside its LA and England, for disadvantaged and
other pupils, with series breaks drawn as breaks, and its table."""

from __future__ import annotations

from typing import Any

import polars as pl

from components import chart_view, data, sections, views
from components.chart_view import ViewOrNote
from components.charts import AnyChart
from components.filters import Filters
from components.tables import show_table, status_text
from components.text import (
    LAIT_SOURCE,
    PT_SOURCE,
    axis_label,
    fmt,
    fmt_gap,
    plural,
    short_label,
    shown_decimals,
)
from components.theme import GROUP_COLOURS, ROLE_COLOURS, TEXT
from components.trend_chart import marker_notes, trend_chart
from equity.analysis import gaps as gap_analysis
from equity.analysis import school_trends as analysis
from equity.analysis.gaps import SMALL_COHORT
from equity.metrics.trends import caveats_for


def _style(frame: pl.DataFrame) -> tuple[dict[str, str], dict[str, list[int]]]:
    """School lines solid, the LA's dashed, England's dotted; vermillion for disadvantaged
    pupils and blue for other pupils on every page."""
    colours, dashes = {}, {}
    levels = {"school": [1, 0], "la": [7, 4], "england": [2, 3]}
    # One read of the three columns (a polars query costs more than these few rows):
    # a series' level is that of its first row, and its colour and dash those of its
    # last (level, group, series) in that order, as `unique().sort(...)` ordered them.
    found = frame.select("series", "level", "group").rows()
    level_of: dict[str, str] = {}
    for series, level, _group in found:
        level_of.setdefault(series, level)
    for series, level, group in sorted(set(found), key=_nulls_first_key):
        colours[series] = (
            ROLE_COLOURS["england"] if level == "england" else GROUP_COLOURS.get(group, TEXT)
        )
        dashes[series] = levels[level]
    order = sorted(colours, key=lambda s: (["school", "la", "england"].index(level_of[s]), s))
    return {s: colours[s] for s in order}, dashes


def _nulls_first_key(row: tuple[Any, Any, Any]) -> tuple[tuple[bool, str], ...]:
    """(level, group, series) in polars' sort order: text by code point, nulls first."""
    series, level, group = row
    return tuple((value is not None, value or "") for value in (level, group, series))


def trend_of(
    rows: pl.DataFrame,
    title: str,
    filters: Filters,
    measure: str,
    style: tuple[dict[str, str], dict[str, list[int]]],
    years: list[str],
) -> AnyChart:
    """A measure's trend chart as both of this page's charts draw it (series styled by
    `_style`, progress scores to two decimals)."""
    colours, dashes = style
    return views.chart(
        trend_chart,
        rows,
        title=title,
        value_title=axis_label(measure),
        key_stage=filters.key_stage,
        measure=measure,
        colours=colours,
        dashes=dashes,
        years=years,
        value_format=f".{shown_decimals(measure)}f",
    )


def school_view(filters: Filters, urn: str, measure: str) -> ViewOrNote:
    frame = data.shared(analysis.school_series, urn, filters.phase, measure)
    options = data.shared(analysis.school_options, filters.members, filters.phase)
    named = options.filter(pl.col("urn") == urn)["name"]
    name = str(named[0]) if named.len() else f"URN {urn}"
    if frame.is_empty():
        return f"{name} has no {short_label(measure)} results in the loaded files."
    # One read of the rows for the years, the small cohorts, the table's words and the
    # takeaway (each a polars query before, some 0.3-1 ms apiece on a loaded server).
    at = cells(frame)
    years = sorted({year for level, _group, year in at if level == "school"})
    colours, dashes = _style(frame)
    title = f"{name}: {short_label(measure)}, {years[0]} to {years[-1]}"
    # The chart and its marker notes are given the same frame object, so trend_chart's
    # per-frame memo (`_drawn`) works out its drawn rows and withheld cells once.
    rows = frame.select("academic_year", "series", "value", "status", "pupils")
    chart = trend_of(rows, title, filters, measure, (colours, dashes), years)
    found = frame.select("value", "status", "level", "group", "pupils", "academic_year").rows()
    shown = [status_text(value, status) for value, status, *_rest in found]
    table = rows.with_columns(pl.Series("shown", shown, dtype=pl.String))
    small = [
        year
        for _value, _status, level, group, pupils, year in found
        if level == "school"
        and group == "disadvantaged"
        and pupils is not None
        and pupils < gap_analysis.SMALL_COHORT
    ]
    caveats = [*marker_notes(rows, filters.key_stage, measure, years)]
    if small:
        caveats.append(
            f"Small cohort (fewer than {gap_analysis.SMALL_COHORT} disadvantaged pupils) in "
            + ", ".join(small)
            + ": one pupil moves the figure a lot."
        )
    loaded = data.cached(gap_analysis.school_years, filters.members, filters.phase)
    absent = [y for y in loaded if years[0] <= y <= loaded[-1] and y not in years]
    if absent:
        caveats.append(
            f"No results under URN {urn} for {', '.join(absent)}: a school that becomes an "
            "academy (or merges) is given a new URN, and its later results sit under that."
        )
    caveats.extend(caveats_for(filters.key_stage, years, measure))
    return chart_view.ChartView(
        view_id=f"school_trends-school-{measure}",
        title=title,
        takeaway=school_takeaway(frame, name, measure, at),
        source=f"{PT_SOURCE} (school); {LAIT_SOURCE} (LA and England); {', '.join(years)}.",
        chart=chart,
        table=table,
        file_stem=f"school-{urn}-{measure}",
        caveats=tuple(caveats),
        options=(("urn", urn), ("measure", measure)),
    )


Cell = dict[str, Any]


def cells(frame: pl.DataFrame) -> dict[tuple[str, str, str], Cell]:
    """(level, group, academic_year) -> that row (the first where several match), so a
    table or sentence reading many cells looks each up rather than filtering per cell."""
    found: dict[tuple[str, str, str], Cell] = {}
    for row in frame.iter_rows(named=True):
        found.setdefault((row["level"], row["group"], row["academic_year"]), row)
    return found


def value_at(frame: pl.DataFrame, level: str, group: str, year: str) -> Cell | None:
    rows = frame.filter(
        (pl.col("level") == level) & (pl.col("group") == group) & (pl.col("academic_year") == year)
    )
    return rows.row(0, named=True) if rows.height else None


def school_takeaway(
    frame: pl.DataFrame,
    name: str,
    measure: str,
    at: dict[tuple[str, str, str], Cell] | None = None,
) -> str:
    """The latest year's disadvantaged result against the school's other pupils and England's
    other pupils, then the change since the first year; suppression said in words. `at`:
    `cells(frame)`, when the caller has it."""
    at = cells(frame) if at is None else at
    # The school's years: every school row gives its (level, group, year) a cell.
    years = sorted({year for level, _group, year in at if level == "school"})
    latest = years[-1]
    dis = at.get(("school", "disadvantaged", latest))
    if dis is None or dis["value"] is None:
        status = status_text(None, dis["status"] if dis else "missing")
        cohort = f" ({dis['pupils']} disadvantaged pupils)" if dis and dis["pupils"] else ""
        return f"At {name}, disadvantaged pupils' {latest} result is {status}{cohort}."
    other = at.get(("school", "other", latest))
    national = at.get(("england", "other", latest))
    text = (
        f"In {latest}, {dis['pupils'] or 'an unstated number of'} disadvantaged pupils at {name} "
        f"averaged {fmt(dis['value'], measure)} on {short_label(measure)}"
    )
    if dis["pupils"] is not None and dis["pupils"] < SMALL_COHORT:
        # The caution belongs in the sentence itself: a tooltip or table flag is missed.
        text += (
            f" (only {plural(int(dis['pupils']), 'pupil')}: with a cohort under "
            f"{SMALL_COHORT} one pupil moves this figure a lot, so read it with caution)"
        )
    gaps = []
    if other and other["value"] is not None:
        gaps.append(_versus(other["value"] - dis["value"], measure, "the school's other pupils"))
    if national and national["value"] is not None:
        gaps.append(_versus(national["value"] - dis["value"], measure, "other pupils in England"))
    if gaps:
        text += ": " + " and ".join(gaps)
    first = at.get(("school", "disadvantaged", years[0]))
    if len(years) > 1 and first and first["value"] is not None:
        change = dis["value"] - first["value"]
        word = "up" if change > 0 else "down" if change < 0 else "unchanged"
        amount = "" if change == 0 else f" {fmt_gap(abs(change), measure)}"
        text += f"; {word}{amount} since {years[0]}"
    return text + "."


def _versus(gap: float, measure: str, whom: str) -> str:
    if gap == 0:
        return f"level with {whom}"
    side = "below" if gap > 0 else "above"
    return f"{fmt_gap(abs(gap), measure)} {side} {whom}"


#: Session-state key of the year-by-year table's expander (True while it is open).
TABLE_OPEN_KEY = "trends-school-table-open"


def school_table(filters: Filters, urn: str, measure: str) -> None:
    """Year by year: each group's result and cohort, withheld cells as words, drawn when
    its expander is opened. Why lazy: the chart's own "Show data" has every figure and its
    status, and a data grid drawn at once was ~25 ms of a first visit in the browser (a new
    tab's first grid); the expander says what it holds and stays open once opened."""
    frame = data.shared(analysis.school_series, urn, filters.phase, measure)
    at = cells(frame)  # every school row gives its (level, group, year) a cell
    years = sorted({year for level, _group, year in at if level == "school"})
    if not years:
        return
    sections.on_request(
        f"This school's {short_label(measure)} year by year, as a table "
        f"({plural(len(years), 'year')})",
        TABLE_OPEN_KEY,
        lambda: _year_by_year(at, years, measure),
    )


def _year_by_year(at: dict[tuple[str, str, str], Cell], years: list[str], measure: str) -> None:
    decimals = shown_decimals(measure)
    rows = []
    for year in years:
        row: dict[str, str] = {"Year": year}
        for group, label in (("disadvantaged", "Disadvantaged"), ("other", "Other")):
            cell = at.get(("school", group, year))
            row[f"{label} pupils"] = str(cell["pupils"]) if cell and cell["pupils"] else "not given"
            row[f"{label}: result"] = status_text(
                cell["value"] if cell else None, cell["status"] if cell else "missing", decimals
            )
        rows.append(row)
    # `shown`: the Arrow table pandas would have sent, without importing pandas (some
    # 0.25 s on a process's first visit to this page, which imported it for this table).
    show_table(pl.DataFrame(rows), hide_index=True)
