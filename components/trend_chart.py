"""A time series with its series breaks drawn as breaks, never bridged by a line.

Lines join only years inside one segment (equity.metrics.trends.segments); every year with
a value gets a point; flagged years (centre/teacher-assessed grades) get a hollow marker, a
dashed rule and a label; years without results are shaded and labelled; measure changes
get a solid rule and a label. Suppressed cells are marked at the foot of the chart so an
absent point is never mistaken for a missing file. Free of Streamlit, like components.charts.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

import altair as alt
import polars as pl

from components.charts import (
    AnyChart,
    chart_data,
    finish,
    keep_compiled,
    layered,
    mark,
)  # gaps and school_trends import finish from here
from components.theme import BASE_FONT, PRESENTATION_FONT, SUPPRESSED_COLOUR, TEXT
from equity.metrics.trends import SeriesBreak, entries_for, segments
from equity.schema import year_start

HEIGHT = 340
#: x axis labels "2018/19" from the numeric year start used for the continuous axis.
YEAR_LABEL = "datum.value + '/' + substring(toString(datum.value + 1), 2, 4)"
SHADE = "#EDEDED"
BREAK_RULE = "#3D3D3D"


def span_years(years: Sequence[str]) -> list[str]:
    """Every academic year from the first to the last, so gap years sit on the axis."""
    if not years:
        return []
    first, last = year_start(min(years)), year_start(max(years))
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(first, last + 1)]


def break_marks(key_stage: str, measure: str | None, years: Sequence[str]) -> pl.DataFrame:
    """One row per thing drawn for the breaks: shaded bands, rules and their labels.

    Columns: kind, x0, x1 (band edges or the rule's position), label, text, row (label line).
    Consecutive gap years share one band and one label.
    """
    return _break_marks(key_stage, measure, tuple(span_years(years)))


@functools.lru_cache(maxsize=256)
def _break_marks(key_stage: str, measure: str | None, span: tuple[str, ...]) -> pl.DataFrame:
    """`break_marks` of a span, once per series kind and span (a frame every chart over
    them reads and none changes)."""
    rows: list[dict[str, Any]] = []
    if not span:
        return _annotation_frame(rows)
    last = year_start(span[-1])
    entries = entries_for(key_stage, measure, span)
    bands: list[SeriesBreak] = [e for e in entries if e.kind == "no_data"]
    merged: list[list[SeriesBreak]] = []
    for entry in bands:
        if merged and year_start(entry.year) - year_start(merged[-1][-1].year) == 1:
            merged[-1].append(entry)
        else:
            merged.append([entry])
    for run in merged:
        rows.append(
            {
                "kind": "no_data",
                "x0": year_start(run[0].year) - 0.5,
                "x1": year_start(run[-1].year) + 0.5,
                "label": run[0].label,
                "text": " ".join(e.text for e in run),
            }
        )
    for entry in entries:
        start = year_start(entry.year)
        if entry.kind == "stops":
            rows.append(
                {
                    "kind": "stops",
                    "x0": start - 0.5,
                    "x1": last + 0.5,
                    "label": entry.label,
                    "text": entry.text,
                }
            )
        elif entry.kind == "break":
            rows.append(
                {"kind": "break", "x0": start - 0.5, "x1": start - 0.5, "label": entry.label}
                | {"text": entry.text}
            )
        elif entry.kind == "flag":
            rows.append(
                {"kind": "flag", "x0": start, "x1": start, "label": entry.label, "text": entry.text}
            )
    for index, row in enumerate(sorted(rows, key=lambda r: r["x0"])):
        # Three label lines in turn: KS4's flagged years 2019/20-2021/22 are neighbours with
        # labels wider than a year, so two lines would still overprint.
        row["row"] = index % LABEL_LINES
    return _annotation_frame(rows)


LABEL_LINES = 3


def _label_step(presentation: bool) -> int:
    """Pixels from one label line to the next (the text's size plus leading)."""
    return round(1.3 * (PRESENTATION_FONT if presentation else BASE_FONT))


def _annotation_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {
        "kind": pl.String,
        "x0": pl.Float64,
        "x1": pl.Float64,
        "label": pl.String,
        "text": pl.String,
        "row": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def prepare(
    frame: pl.DataFrame, *, key_stage: str, measure: str | None, years: Sequence[str]
) -> pl.DataFrame:
    """The drawn rows: year number, segment, the key a line is drawn along, flag label."""
    flags = {e.year: e.label for e in entries_for(key_stage, measure, years) if e.kind == "flag"}
    with_status = (
        frame
        if "status" in frame.columns
        else frame.with_columns(status=pl.lit(None, dtype=pl.String))
    )
    # Each step below is a polars query (~0.2-0.5 ms on a chart's few dozen rows): the
    # filter is left out when it would keep every row, the flag lookup when nothing is
    # flagged (most series).
    in_span = set(with_status["academic_year"].to_list()) <= set(years)
    seg = segments(
        with_status if in_span else with_status.filter(pl.col("academic_year").is_in(list(years))),
        key_stage=key_stage,
        measure=measure,
        by=["series"],
    )
    flag = (
        pl.col("academic_year").replace_strict(flags, default=None, return_dtype=pl.String)
        if flags
        else pl.lit(None, dtype=pl.String)
    )
    return seg.with_columns(
        pl.col("academic_year").str.slice(0, 4).cast(pl.Int32).alias("year"),
        (pl.col("series") + " #" + pl.col("segment").cast(pl.String)).alias("line"),
        flag.alias("flag"),
    )


class _Drawn(NamedTuple):
    """What trend_chart and marker_notes both work out from one frame: the drawn rows
    (`prepare`), the break marks and the withheld cells."""

    rows: pl.DataFrame
    marks: pl.DataFrame
    withheld: pl.DataFrame


#: The last few frames drawn, with what was worked out from them (see `_drawn`).
_RECENT: list[tuple[pl.DataFrame, tuple[str, str | None, tuple[str, ...]], _Drawn]] = []
_RECENT_SIZE: Final = 8
_RECENT_LOCK = threading.Lock()


def _drawn(frame: pl.DataFrame, key_stage: str, measure: str | None, span: Sequence[str]) -> _Drawn:
    """`prepare`, `break_marks` and `_withheld` of `frame`, worked out once for the same
    frame object: a page builds a trend chart and then its marker notes from the same frame
    (each ~2-4 ms a rerun). Keyed on the frame's identity (the entry holds the frame, so its
    id cannot be reused while cached); frames are never changed in place in this app."""
    key = (key_stage, measure, tuple(span))
    with _RECENT_LOCK:
        for cached, cached_key, found in _RECENT:
            if cached is frame and cached_key == key:
                return found
    rows = prepare(frame, key_stage=key_stage, measure=measure, years=span)
    marks = break_marks(key_stage, measure, span)
    found = _Drawn(rows, marks, _withheld(rows, marks))
    with _RECENT_LOCK:
        _RECENT.insert(0, (frame, key, found))
        del _RECENT[_RECENT_SIZE:]
    return found


def trend_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    value_title: str,
    key_stage: str,
    measure: str | None,
    colours: dict[str, str],
    dashes: dict[str, list[int]] | None = None,
    years: Sequence[str] | None = None,
    value_format: str = ".1f",
    zero_line: bool = False,
    presentation: bool = False,
) -> AnyChart:
    """`frame`: academic_year, series, value (null where not published), optional status
    and pupils. `colours` maps each series label, in legend order, to its colour."""
    span = span_years(list(years) if years else frame["academic_year"].unique().to_list())
    drawn, marks, hidden = _drawn(frame, key_stage, measure, span)
    order = [s for s in colours if s in set(drawn["series"].to_list())]
    dash_map = dashes or {}
    x_scale, x_axis = _x_scale(span), _x_axis(span)
    x = alt.X("year:Q", scale=x_scale, axis=x_axis)
    # One entry a line: entries such as "GM (mean of 10 LAs): disadvantaged pupils" in
    # three columns ran past the chart's right edge at 1024 px (Vega does not wrap them).
    legend: Any = {
        "columns": 1,
        "orient": "bottom",
        "symbolSize": 400,
        "symbolType": "stroke",
    }
    colour = alt.Color(
        "series:N",
        title=None,
        scale={"domain": order, "range": [colours[s] for s in order]},
        legend=legend,
    )
    dash = alt.StrokeDash(  # same field and legend as colour, so the two legends merge
        "series:N",
        title=None,
        scale={"domain": order, "range": [dash_map.get(s, [1, 0]) for s in order]},
        legend=legend,
    )
    tooltip = [
        alt.Tooltip("academic_year:N", title="Year"),
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("value:Q", title=value_title, format=value_format),
    ]
    if "pupils" in drawn.columns:
        tooltip.append(alt.Tooltip("pupils:Q", title="Pupils"))
    tooltip.append(alt.Tooltip("flag:N", title="Note"))
    values = drawn.filter(pl.col("value").is_not_null())
    columns = [
        c
        for c in ("academic_year", "year", "series", "value", "segment", "line", "flag", "pupils")
        if c in values.columns
    ]
    layers: list[alt.Chart] = list(_annotations(key_stage, measure, tuple(span), presentation))
    if zero_line:
        layers.append(
            alt.Chart(
                chart_data(pl.DataFrame({"zero": [0.0]})),
                mark=mark("rule", color=TEXT, strokeWidth=1),
                encoding=alt.FacetedEncoding(y=alt.Y("zero:Q")),
            )
        )
    # One constructor per layer (as in charts.group_bars): chained .mark_*/.encode calls
    # copy and re-validate the chart at every step, and this chart is drawn on every rerun.
    # Marks, scales, axes, legends and transforms are plain Vega-Lite JSON (charts.mark):
    # cheap to copy, and validated once with the whole spec by to_dict.
    data = chart_data(values.select(columns))
    # Room above the data for the break labels' lines.
    room = 8 + LABEL_LINES * _label_step(presentation)
    y_scale = {"padding": room, "zero": False} if marks.height else {"zero": False}
    y = alt.Y("value:Q", title=value_title, scale=y_scale)
    layers.append(
        alt.Chart(
            data,
            mark=mark("line", strokeWidth=2.5),
            encoding=alt.FacetedEncoding(
                x=x, y=y, color=colour, strokeDash=dash, detail=alt.Detail("line:N")
            ),
        )
    )
    # Each point layer only when it has points: a layer filtered to nothing makes Vega log
    # "Infinite extent for field value" (KS2 has no flagged years).
    flags = values["flag"] if "flag" in values.columns else pl.Series([None] * values.height)
    if flags.is_null().any():
        layers.append(
            alt.Chart(
                data,
                mark=mark("point", filled=True, size=70, opacity=1),
                encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
                transform=[{"filter": "datum.flag == null"}],
            )
        )
    if flags.is_not_null().any():
        layers.append(
            alt.Chart(
                data,
                mark=mark(
                    "point", filled=False, size=110, strokeWidth=2.5, shape="diamond", opacity=1
                ),
                encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
                transform=[{"filter": "datum.flag != null"}],
            )
        )
    if hidden.height:
        layers.append(
            alt.Chart(
                chart_data(hidden),
                mark=mark("point", shape="triangle-up", filled=False, size=90, strokeWidth=2),
                encoding=alt.FacetedEncoding(
                    x=x,
                    y=alt.YValue(HEIGHT - 8),
                    color=colour,
                    tooltip=[
                        alt.Tooltip("academic_year:N", title="Year"),
                        alt.Tooltip("series:N", title="Series"),
                        alt.Tooltip("shown:N", title="Value"),
                    ],
                ),
            )
        )
    return finish(layered(layer=layers, height=HEIGHT), title, presentation)


#: A cell's statuses that mean DfE withheld its figure.
WITHHELD_STATUSES: Final = frozenset({"suppressed", "not_published", "low_coverage", "not_entered"})


def _x_scale(span: Sequence[str]) -> Any:
    """The year axis' scale: every year of the span, half a year's room either side."""
    return {"domain": [year_start(span[0]) - 0.5, year_start(span[-1]) + 0.5], "nice": False}


def _x_axis(span: Sequence[str]) -> Any:
    return {
        "grid": False,
        "labelExpr": YEAR_LABEL,
        "title": None,
        "values": [year_start(y) for y in span],
    }


@functools.lru_cache(maxsize=128)
def _annotations(
    key_stage: str, measure: str | None, span: tuple[str, ...], presentation: bool
) -> tuple[alt.Chart, ...]:
    """The break, flag and no-data layers of a chart over `span`: they depend on the series
    and the years alone, not on the data, so they are made once per series kind and span
    (~1 ms a chart on every rerun for a new Authority). Shared by the charts that use them,
    as every finished chart's layers are shared (charts.with_properties): never changed."""
    marks = break_marks(key_stage, measure, span)
    layers = _annotation_layers(marks, _x_scale(span), _x_axis(span), presentation)
    return tuple(keep_compiled(layer) for layer in layers)


def _withheld(drawn: pl.DataFrame, marks: pl.DataFrame) -> pl.DataFrame:
    """Cells DfE withheld (suppressed, not published): marked, never drawn as values.

    Years already shaded as having no results need no marker of their own."""
    if "status" not in drawn.columns:
        return drawn.head(0)
    schema = {
        "academic_year": drawn.schema["academic_year"],
        "year": drawn.schema["year"],
        "series": drawn.schema["series"],
        "shown": pl.String(),
    }
    # Plain rows (a chart's few dozen): the filter as polars queries was ~1 ms a chart.
    shaded = [
        (x0, x1)
        for kind, x0, x1 in marks.select("kind", "x0", "x1").rows()
        if kind in ("no_data", "stops")
    ]
    found = [
        (academic_year, year, series, status.replace("_", " ", 1))
        for academic_year, year, series, value, status in drawn.select(
            "academic_year", "year", "series", "value", "status"
        ).rows()
        if value is None
        and status in WITHHELD_STATUSES
        # A year with no number is never inside a band (polars' null), so it is kept
        # only when there is no band at all.
        and not (shaded and (year is None or any(x0 <= year <= x1 for x0, x1 in shaded)))
    ]
    return pl.DataFrame(found, schema=schema, orient="row")


def _domain_end(x_scale: Any) -> float:
    """The right end of the year axis (the scale's domain, as trend_chart sets it)."""
    domain = x_scale.get("domain") if isinstance(x_scale, dict) else None
    return float(domain[1]) if domain else float("inf")


def _annotation_layers(
    marks: pl.DataFrame, x_scale: alt.Scale, x_axis: alt.Axis, presentation: bool = False
) -> list[alt.Chart]:
    if marks.is_empty():
        return []
    data = chart_data(marks)
    tooltip = [alt.Tooltip("label:N", title="Series break"), alt.Tooltip("text:N", title="")]
    x0 = alt.X("x0:Q", scale=x_scale, axis=x_axis)

    def layer(mark: alt.MarkDef, encoding: alt.FacetedEncoding, *filters: str) -> alt.Chart:
        transform: list[Any] = [{"filter": f} for f in filters]
        return alt.Chart(data, mark=mark, encoding=encoding, transform=transform)

    layers = [
        layer(
            mark("rect", color=SHADE, opacity=0.9),
            alt.FacetedEncoding(x=x0, x2=alt.X2("x1:Q"), tooltip=tooltip),
            "datum.kind == 'no_data' || datum.kind == 'stops'",
        ),
        layer(
            mark("rule", color=BREAK_RULE, strokeWidth=2),
            alt.FacetedEncoding(x=x0, tooltip=tooltip),
            "datum.kind == 'break'",
        ),
        layer(
            mark("rule", color=SUPPRESSED_COLOUR, strokeDash=[5, 4], strokeWidth=1.5),
            alt.FacetedEncoding(x=x0, tooltip=tooltip),
            "datum.kind == 'flag'",
        ),
    ]
    text = alt.Text("label:N")
    # Labels of neighbouring years sit on different lines (`row`, below the first by `dy`):
    # one layer per kind of label, not one per kind and line. Vega-Lite compiles every
    # layer in the browser; a school's chart went from 13 layers to 9 and its compile from
    # ~22-25 to ~18-19 ms (vl-convert), with every label drawn where it was
    # (tests/unit/test_trend_chart_labels.py).
    y = alt.YValue(4)
    dy = alt.expr(f"datum.row * {_label_step(presentation)}")
    centred = layer(  # band and flag labels centred on their year(s)
        mark("text", color=TEXT, baseline="top", lineBreak="\n", dy=dy),
        alt.FacetedEncoding(x=alt.X("mid:Q", scale=x_scale, axis=x_axis), y=y, text=text),
        "datum.kind != 'break'",
    )
    centred.transform = [
        *centred.transform,
        {"calculate": "(datum.x0 + datum.x1) / 2", "as": "mid"},
    ]
    layers.append(centred)
    # A break's label sits just right of its rule, or just left of it when the rule is in
    # the chart's last two years (there it ran past the right edge at 1024 px).
    last = f"datum.x0 >= {_domain_end(x_scale)} - 2.5"
    layers.append(
        layer(
            mark(
                "text",
                color=TEXT,
                baseline="top",
                align=alt.expr(f"{last} ? 'right' : 'left'"),
                dx=alt.expr(f"{last} ? -5 : 5"),
                dy=dy,
            ),
            alt.FacetedEncoding(x=x0, y=y, text=text),
            "datum.kind == 'break'",
        )
    )
    return layers


def marker_notes(
    frame: pl.DataFrame, key_stage: str, measure: str | None, years: Sequence[str]
) -> list[str]:
    """What the chart's special marks mean, for the caveat lines under it."""
    span = span_years(list(years))
    kinds = {e.kind for e in entries_for(key_stage, measure, span)}
    notes = []
    if "break" in kinds:
        notes.append(
            "A solid vertical line marks a change in how the measure is built; lines never "
            "join the years either side of it."
        )
    if "flag" in kinds:
        notes.append(
            "Hollow diamonds and dashed lines: flagged years (pandemic grading), not directly "
            "comparable; not joined to neighbouring years unless marked transitional."
        )
    if "no_data" in kinds or "stops" in kinds:
        notes.append("Shaded years: no results published.")
    withheld = _drawn(frame, key_stage, measure, span).withheld
    if withheld.height:
        cells = ", ".join(
            f"{series} {year} ({shown})"
            for series, year, shown in withheld.select("series", "academic_year", "shown").rows()
        )
        notes.append(f"Triangles at the foot of the chart: figures DfE withheld: {cells}.")
    return notes
