"""The concentration page's pieces: how evenly disadvantaged pupils are spread, and where.

Each function takes the small frames `equity.analysis.concentration` returns and hands a
`ChartView` (charts) or `maps.MapPanel` (maps) to the page, so the takeaway sentences are
computed from exactly the rows drawn.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import altair as alt
import polars as pl
import streamlit as st

from components import data, map_twins, maps, views
from components.chart_view import ChartView
from components.charts import finish, values
from components.filters import Filters
from components.overview import LAIT_SOURCE
from components.theme import ROLE_COLOURS, TEXT
from equity.analysis import concentration as analysis
from equity.analysis.concentration import INDICATORS
from equity.queries import CountBasis
from equity.schema import MEASURES, PUPIL_GROUP_LABELS

CENSUS_YEAR: Final = "2018/19"
CENSUS_SOURCE: Final = (
    "DfE Schools, pupils and their characteristics, January 2019 school census "
    "(england_census.csv); school names and locations from the 2018/19 performance tables "
    "and GIAS. Open Government Licence"
)
BOUNDARY_SOURCE: Final = (
    "ONS Counties and Unitary Authorities (December 2022) boundaries; contains OS data "
    "© Crown copyright and database right 2022"
)
INDEX_LABELS: Final = {
    "gorard": "Gorard segregation index",
    "dissimilarity": "Dissimilarity index",
    "isolation": "Isolation index",
}
INDEX_WORDS: Final = {
    "gorard": "the share of disadvantaged pupils who would have to change school for every "
    "school to have the area's rate (0 = even spread)",
    "dissimilarity": "the share of disadvantaged pupils who would have to change school for "
    "them to be spread like the other pupils (0 = even spread, 1 = complete separation)",
    "isolation": "the share of disadvantaged pupils in the school of the average "
    "disadvantaged pupil (equals the area's rate when the spread is even)",
}


def source_for(basis: CountBasis, year: str) -> str:
    if basis.kind == "census":
        return f"{CENSUS_SOURCE}; academic year {year}."
    return (
        f"DfE school performance tables {year}, {basis.kind[:3].upper()} final results "
        "(cohort counts TFSM6CLA1A and TNotFSM6CLA1A). Open Government Licence."
    )


def share_key(selection: Filters) -> str:
    """The group whose share the school views show: EAL when chosen, else disadvantaged."""
    return "eal" if selection.pupil_group == "eal" else "disadvantaged"


#: How each share is named: (the pupils, the % column, the count column).
SHARE_TEXT: Final = {
    "disadvantaged": ("disadvantaged pupils", "% disadvantaged", "disadvantaged pupils"),
    "eal": ("pupils with English as an additional language", "% EAL", "EAL pupils"),
    "sen": ("pupils with special educational needs", "% SEN", "SEN pupils"),
}


def share_text(share: str) -> tuple[str, str, str]:
    return SHARE_TEXT[share]


# --------------------------------------------------------------------------- notes


def intro(selection: Filters) -> None:
    st.title(f"Where disadvantage concentrates: {selection.la_label}")
    st.markdown(
        "Are disadvantaged pupils (eligible for free school meals in the last six years, or "
        "looked after) spread evenly across the area's schools, or concentrated in a few? "
        "How does that compare with the rest of Greater Manchester and England, and where "
        "are the schools with the highest shares?"
    )
    group = selection.pupil_group
    if group == "eal":
        st.info(
            "Pupil group: EAL. The school distribution, map and table below show each "
            "school's share of pupils with English as an additional language (school census); "
            "the segregation indices and the LA map stay about disadvantaged pupils.",
            icon=":material/groups:",
        )
    elif group != "disadvantaged":
        st.info(
            f"Pupil group: {PUPIL_GROUP_LABELS[group]}. This page is about how disadvantaged "
            "pupils are spread across schools, so every figure here is for disadvantaged "
            "pupils. (Choose the EAL group to see the share of pupils with English as an "
            "additional language instead.)",
            icon=":material/groups:",
        )


def basis_note(basis: CountBasis, selection: Filters, comparison: str | None) -> None:
    """Say which counts every school figure rests on, and when no counts exist."""
    if basis.kind == "none":
        st.warning(no_counts_text(selection), icon=":material/info:")
        return
    text = f"Counts used: {basis.description}."
    if comparison and comparison != basis.kind:
        text += (
            f" The comparison with other LAs uses the {comparison.replace('_', ' ')} counts, "
            "the basis every LA has, so like is compared with like."
        )
    st.caption(text)


def no_counts_text(selection: Filters) -> str:
    if selection.year == CENSUS_YEAR:
        return (
            f"No school-level counts for {selection.la_label} in {selection.year}: the January "
            f"2019 school census lists no state-funded {selection.phase} schools with "
            "disadvantage figures under this LA code (LAs formed after January 2019 have none). "
            "The LA map below shows the published LA figures."
        )
    return (
        f"No school-level counts for {selection.la_label} in {selection.year}. The January "
        "2019 school census (2018/19) is the only school-level file that covers every LA; "
        "KS2/KS4 performance files with disadvantaged counts are loaded for only a few LAs. "
        "Choose 2018/19 for the school views, or load DfE downloads on the Data page. The LA "
        "map below shows this year's published LA figures."
    )


def explain_indices() -> None:
    with st.expander("What the indices mean", expanded=False):
        st.markdown(
            "- **Gorard segregation index**: "
            + INDEX_WORDS["gorard"]
            + ".\n- **Dissimilarity index**: "
            + INDEX_WORDS["dissimilarity"]
            + ".\n- **Isolation index**: "
            + INDEX_WORDS["isolation"]
            + ".\n\nGorard = (1 - p) x dissimilarity, where p is the area's share of "
            "disadvantaged pupils. The two move apart when the rate changes: free school meal "
            "eligibility rose sharply from 2020, which lowers Gorard's index even where the "
            "spread across schools is unchanged. Compare areas within one year."
        )


# --------------------------------------------------------------------------- headline


def _num(value: float | None, fmt: str = ".3f") -> str:
    return "no data" if value is None else format(value, fmt)


def headline(summary: dict[str, Any], selection: Filters, share_pct: float | None) -> None:
    cols = st.columns(5)
    cols[0].metric("Schools counted", f"{summary['schools']:,}")
    cols[1].metric(
        "Disadvantaged pupils",
        "no data" if share_pct is None else f"{share_pct:.1f}%",
        help="The area's overall share, from the counts named below.",
    )
    for col, key in zip(cols[2:], ("gorard", "dissimilarity", "isolation"), strict=True):
        col.metric(INDEX_LABELS[key], _num(summary.get(key)), help=INDEX_WORDS[key].capitalize())
    if selection.is_group:
        st.caption(
            "For Greater Manchester the indices treat the ten LAs' schools as one area, so "
            "they include differences between LAs; the comparison below is LA by LA."
        )


# --------------------------------------------------------------------------- charts


def comparison_rows(table: pl.DataFrame, selection: Filters, index: str) -> pl.DataFrame:
    """The selection, every GM LA and the rest of England, with a role each."""
    chosen = set(selection.members)
    return (
        table.filter(pl.col(index).is_not_null())
        .with_columns(
            pl.when(pl.col("la_code").is_in(list(chosen)) & ~pl.lit(selection.is_group))
            .then(pl.lit("selected"))
            .when(pl.col("is_gm"))
            .then(pl.lit("gm_la"))
            .otherwise(pl.lit("other_la"))
            .alias("role"),
            pl.col(index).rank("min", descending=True).cast(pl.Int64).alias("rank"),
        )
        .sort(index, descending=True)
    )


def comparison_view(
    table: pl.DataFrame, selection: Filters, index: str, basis: str
) -> ChartView | None:
    rows = comparison_rows(table, selection, index)
    named = rows.filter(pl.col("role") != "other_la")
    if rows.height < 3 or named.is_empty():
        return None
    label = INDEX_LABELS[index]
    median = float(rows[index].median())  # type: ignore[arg-type]
    others = rows.filter(pl.col("role") == "other_la")
    strip = f"Other English LAs ({others.height})"
    order = [*named["name"].to_list(), strip]
    drawn = rows.select(
        pl.when(pl.col("role") == "other_la").then(pl.lit(strip)).otherwise("name").alias("row"),
        pl.col("name").alias("area"),
        pl.col(index).round(4).alias("value"),
        pl.col("role")
        .replace_strict(
            {"selected": "Selected LA", "gm_la": "Greater Manchester LA", "other_la": "Other LA"}
        )
        .alias("Role"),
    )
    domain = [r for r in ("Selected LA", "Greater Manchester LA", "Other LA") if r in drawn["Role"]]
    colours = {"Selected LA": "selected", "Greater Manchester LA": "gm_la", "Other LA": "other_la"}
    colour = alt.Color(
        "Role:N",
        scale=alt.Scale(domain=domain, range=[ROLE_COLOURS[colours[r]] for r in domain]),
        legend=alt.Legend(orient="bottom", title=None),
    )
    y = alt.Y("row:N", sort=order, title=None)
    x = alt.X("value:Q", title=label, scale=alt.Scale(zero=True))
    tooltip = [alt.Tooltip("area:N", title="LA"), alt.Tooltip("value:Q", title=label)]
    # One constructor per layer (see charts.values): no .mark_*/.encode chains.
    rows_data = drawn.to_pandas()  # shared by three layers: copied by reference
    other_las = alt.FilterTransform(filter="datum.Role == 'Other LA'")
    named_only = alt.FilterTransform(filter="datum.Role != 'Other LA'")
    ticks = alt.Chart(
        rows_data,
        mark=alt.MarkDef(type="tick", thickness=1.5, size=18, opacity=0.7),
        encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
        transform=[other_las],
    )
    dots = alt.Chart(
        rows_data,
        mark=alt.MarkDef(type="circle", size=160, opacity=1),
        encoding=alt.FacetedEncoding(x=x, y=y, color=colour, tooltip=tooltip),
        transform=[named_only],
    )
    labels = alt.Chart(
        rows_data,
        mark=alt.MarkDef(type="text", align="left", dx=9, color=TEXT),
        encoding=alt.FacetedEncoding(
            x=x,
            y=y,
            color=alt.ColorValue(TEXT),
            tooltip=tooltip,
            text=alt.Text("value:Q", format=".3f"),
        ),
        transform=[named_only],
    )
    rule = values(pl.DataFrame({"median": [round(median, 4)]}))
    median_rule = alt.Chart(
        rule,
        mark=alt.MarkDef(type="rule", strokeDash=[6, 4], color="#000000", size=1.5),
        encoding=alt.FacetedEncoding(x=alt.X("median:Q")),
    )
    median_text = alt.Chart(
        rule,
        mark=alt.MarkDef(type="text", align="left", dx=4, dy=-8, color=TEXT, baseline="bottom"),
        encoding=alt.FacetedEncoding(
            x=alt.X("median:Q"),
            y=alt.YValue(0),
            text=alt.TextValue(f"England LA median {median:.3f}"),
        ),
    )
    title = f"{label}, {selection.phase} schools, {selection.year}: GM and England's LAs"
    chart = finish(
        alt.LayerChart(
            layer=[ticks, dots, labels, median_rule, median_text], height=34 * len(order) + 40
        ),
        title,
    )
    table_out = rows.select(
        pl.col("name").alias("LA"),
        pl.col("la_code").alias("LA code"),
        "region",
        pl.col("rank").alias(f"rank (1 = most concentrated, of {rows.height})"),
        pl.col("basis"),
        pl.col("schools"),
        pl.col("pct").round(1).alias("% disadvantaged"),
        *(pl.col(c).round(4) for c in INDEX_LABELS),
    )
    return ChartView(
        view_id="concentration-compare",
        title=title,
        takeaway=comparison_takeaway(rows, selection, index, median),
        source=f"{CENSUS_SOURCE if basis == 'census' else 'DfE performance tables'}; "
        f"indices computed by Equity Explorer, {selection.year}.",
        chart=chart,
        table=table_out,
        file_stem=f"{selection.slug()}-segregation-{index}",
        options=(("index", index),),
        caveats=(
            f"Every LA's index here uses {basis.replace('_', ' ')} counts. "
            f"{label}: {INDEX_WORDS[index]}.",
        ),
    )


def comparison_takeaway(rows: pl.DataFrame, selection: Filters, index: str, median: float) -> str:
    label = INDEX_LABELS[index]
    gm = rows.filter(pl.col("is_gm")).sort(index)
    spread = ""
    if gm.height:
        low, high = gm.row(0, named=True), gm.row(-1, named=True)
        below = gm.filter(pl.col(index) < median).height
        spread = (
            f"GM's LAs range from {low[index]:.3f} ({low['name']}) to {high[index]:.3f} "
            f"({high['name']}); {below} of {gm.height} are below the England LA median of "
            f"{median:.3f}."
        )
    mine = rows.filter(pl.col("role") == "selected")
    if selection.is_group or mine.is_empty():
        return f"{label}: {spread}"
    row = mine.row(0, named=True)
    words = (
        f"about {100 * row[index]:.0f}% of its disadvantaged pupils would have to change "
        "school for an even spread"
        if index == "gorard"
        else f"{INDEX_WORDS[index].split(' (')[0]} is {100 * row[index]:.0f}%"
    )
    position = "more" if row[index] > median else "less"
    return (
        f"{row['name']}'s {label} is {row[index]:.3f}: {words}. That is {position} "
        f"concentrated than the typical English LA (rank {row['rank']} of {rows.height}, "
        f"1 = most concentrated). {spread}"
    )


def curve_view(curve: pl.DataFrame, selection: Filters, basis: CountBasis) -> ChartView | None:
    if curve.height < 2:
        return None
    drawn = curve.select(pl.col("pct_pupils").round(2), pl.col("pct_disadvantaged").round(2))
    line = alt.Chart(
        drawn.to_pandas(),  # up to ~500 rows: Altair copies pandas frames by reference
        mark=alt.MarkDef(type="line", color=ROLE_COLOURS["selected"], strokeWidth=3, point=False),
        encoding=alt.FacetedEncoding(
            x=alt.X("pct_pupils:Q", title="Cumulative % of pupils (schools from lowest share)"),
            y=alt.Y("pct_disadvantaged:Q", title="Cumulative % of disadvantaged pupils"),
            tooltip=[
                alt.Tooltip("pct_pupils:Q", title="% of pupils", format=".1f"),
                alt.Tooltip("pct_disadvantaged:Q", title="% of disadvantaged", format=".1f"),
            ],
        ),
    )
    diagonal = alt.Chart(
        {"values": [{"x": 0, "y": 0}, {"x": 100, "y": 100}]},
        mark=alt.MarkDef(type="line", strokeDash=[6, 4], color="#000000", strokeWidth=1.5),
        encoding=alt.FacetedEncoding(x=alt.X("x:Q"), y=alt.Y("y:Q")),
    )
    note = alt.Chart(
        {"values": [{"x": 52, "y": 56}]},
        mark=alt.MarkDef(type="text", align="right", angle=315, color=TEXT, dy=-6),
        encoding=alt.FacetedEncoding(
            x=alt.X("x:Q"), y=alt.Y("y:Q"), text=alt.TextValue("even spread")
        ),
    )
    title = f"Segregation curve: {selection.la_label}, {selection.phase} schools, {selection.year}"
    return ChartView(
        view_id="concentration-curve",
        title=title,
        takeaway=curve_takeaway(curve, selection.la_label),
        source=source_for(basis, selection.year),
        chart=finish(alt.LayerChart(layer=[diagonal, line, note], height=380), title),
        table=drawn.rename(
            {"pct_pupils": "cumulative % of pupils", "pct_disadvantaged": "cumulative % disadv."}
        ),
        file_stem=f"{selection.slug()}-segregation-curve",
        caveats=(
            "Schools are ordered from the lowest to the highest share of disadvantaged pupils; "
            "the further the curve sags below the diagonal, the more concentrated they are.",
        ),
    )


def curve_takeaway(curve: pl.DataFrame, area: str) -> str:
    """Where the curve reaches half of disadvantaged pupils, read from the top end."""
    points = list(curve.select("pct_pupils", "pct_disadvantaged").iter_rows())
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y0 <= 50 <= y1 and y1 > y0:
            x50 = x0 + (50 - y0) * (x1 - x0) / (y1 - y0)
            top = 100 - x50
            return (
                f"In {area}, half of all disadvantaged pupils attend the schools that teach the "
                f"{top:.0f}% of pupils with the highest shares (with an even spread it would "
                "be 50%)."
            )
    return f"The curve for {area} is drawn from {curve.height - 1} schools."


def distribution_view(
    schools: pl.DataFrame, selection: Filters, basis: CountBasis, share: str
) -> ChartView | None:
    if schools.is_empty():
        return None
    noun, short, _ = share_text(share)
    rate = 100 * float(schools["f"].sum()) / float(schools["t"].sum())
    bins = (
        schools.with_columns((pl.col("pct") // 5 * 5).clip(0, 95).alias("from"))
        .group_by("from")
        .agg(pl.len().alias("schools"), pl.col("t").sum().alias("pupils"))
        .with_columns((pl.col("from") + 5).alias("to"))
        .sort("from")
    )
    label = short
    bars = alt.Chart(
        values(bins),
        mark=alt.MarkDef(type="bar", color="#3D3D3D", binSpacing=1),
        encoding=alt.FacetedEncoding(
            x=alt.X("from:Q", title=f"School's {label}", scale=alt.Scale(domain=[0, 100])),
            x2=alt.X2("to:Q"),
            y=alt.Y("schools:Q", title="Schools"),
            y2=alt.Y2(datum=0),
            tooltip=[
                alt.Tooltip("from:Q", title="From %"),
                alt.Tooltip("to:Q", title="To %"),
                alt.Tooltip("schools:Q", title="Schools"),
            ],
        ),
    )
    marker = values(pl.DataFrame({"rate": [round(rate, 1)]}))
    rule = alt.Chart(
        marker,
        mark=alt.MarkDef(type="rule", color=ROLE_COLOURS["selected"], size=3),
        encoding=alt.FacetedEncoding(x=alt.X("rate:Q")),
    )
    text = alt.Chart(
        marker,
        mark=alt.MarkDef(type="text", align="left", dx=5, dy=-6, baseline="bottom", color=TEXT),
        encoding=alt.FacetedEncoding(
            x=alt.X("rate:Q"),
            y=alt.YValue(0),
            text=alt.TextValue(f"{selection.la_label}: {rate:.1f}%"),
        ),
    )
    phase = "primary" if selection.phase == "primary" else "secondary"
    title = f"How the share of {noun} varies across {phase} schools, {selection.year}"
    return ChartView(
        view_id="concentration-distribution",
        title=title,
        takeaway=distribution_takeaway(schools, rate, selection.la_label, noun),
        source=source_for(basis, selection.year),
        chart=finish(alt.LayerChart(layer=[bars, rule, text], height=300), title),
        table=bins.select(
            pl.format("{}-{}%", pl.col("from").cast(pl.Int64), pl.col("to").cast(pl.Int64)).alias(
                label
            ),
            "schools",
            pl.col("pupils").cast(pl.Int64).alias("pupils counted"),
        ),
        file_stem=f"{selection.slug()}-{share}-distribution",
        caveats=("Bars count schools in 5-point bands; the line marks the area's overall rate.",),
    )


def distribution_takeaway(schools: pl.DataFrame, rate: float, area: str, noun: str) -> str:
    pct = schools["pct"]
    low, high = float(pct.min()), float(pct.max())  # type: ignore[arg-type]
    q1, q3 = pct.quantile(0.25, "linear"), pct.quantile(0.75, "linear")
    return (
        f"Across {schools.height} schools in {area}, the share of {noun} runs from "
        f"{low:.0f}% to {high:.0f}%; the middle half of schools lie between "
        f"{q1:.0f}% and {q3:.0f}%, around the area's overall rate of {rate:.1f}%."
    )


# --------------------------------------------------------------------------- tables


def highest_share(schools: pl.DataFrame, selection: Filters, share: str, top: int = 10) -> None:
    noun, short, count = share_text(share)
    with st.container(border=True):
        st.subheader(f"Schools with the highest share of {noun}", anchor=False)
        if schools.is_empty():
            st.markdown("No school-level counts for this selection.")
            return
        table = schools.head(top).select(
            pl.col("name").fill_null("(name not in loaded files)").alias("School"),
            pl.col("urn").alias("URN"),
            pl.col("la_name").alias("LA"),
            pl.col("pct").round(1).alias(short),
            pl.col("f").cast(pl.Int64).alias(count),
            pl.col("t").cast(pl.Int64).alias("pupils counted"),
        )
        st.dataframe(table.to_pandas(), hide_index=True, width="stretch")
        st.caption(
            f"The {min(top, schools.height)} of {schools.height} schools in "
            f"{selection.la_label} with the highest share ({selection.year}); every school is "
            "in the school map's Show data table."
        )


# --------------------------------------------------------------------------- maps


def school_map(
    schools: pl.DataFrame,
    bounds: pl.DataFrame,
    ons_codes: list[str],
    selection: Filters,
    basis: CountBasis,
    share: str,
) -> maps.MapPanel | None:
    if schools.is_empty():
        return None
    noun, short, count = share_text(share)
    low, high = maps.value_range(schools["pct"].to_list())
    located = schools.filter(pl.col("lat").is_not_null())
    top = located.head(3)
    names = ", ".join(
        f"{n or u} ({p:.0f}%)" for n, u, p in top.select("name", "urn", "pct").iter_rows()
    )
    unmapped = schools.height - located.height
    takeaway = f"The highest shares of {noun} are at {names}."
    caveats = ["Circle area shows pupils on roll; colour shows the share (darker = higher)."]
    if unmapped:
        caveats.append(
            f"{unmapped} school(s) have no location in the loaded files and are listed in the "
            "table only."
        )
    title = f"{selection.la_label}: {selection.phase} schools by share of {noun}"
    table = schools.select(
        pl.col("name").fill_null("(name not in loaded files)").alias("School"),
        pl.col("urn").alias("URN"),
        pl.col("la_name").alias("LA"),
        pl.col("pct").round(1).alias(short),
        pl.col("f").cast(pl.Int64).alias(count),
        pl.col("t").cast(pl.Int64).alias("pupils counted"),
        pl.col("pupils").alias("pupils on roll"),
        pl.col("lat").round(4),
        pl.col("lon").round(4),
    )
    return maps.MapPanel(
        view_id="concentration-school-map",
        title=title,
        takeaway=takeaway,
        source=f"{source_for(basis, selection.year)} {BOUNDARY_SOURCE}.",
        deck=maps.school_deck(schools, bounds, ons_codes, low, high),
        legend=maps.legend_chart(low, high, f"{short} pupils", ".0f"),
        table=table,
        file_stem=f"{selection.slug()}-{share}-schools-map",
        static=views.lazy(  # drawn only for an export or a story slide
            map_twins.school_map_chart, schools, bounds, ons_codes, title=title, value_title=short
        ),
        caveats=tuple(caveats),
    )


DEFAULT_INDICATOR: Final = "pct_fsm6"


def indicator_picker() -> str:
    return (
        st.segmented_control(
            "Colour the LA map by",
            list(INDICATORS),
            default=DEFAULT_INDICATOR,
            format_func=lambda k: INDICATORS[k],
            key="concentration_indicator",
        )
        or DEFAULT_INDICATOR
    )


def index_picker() -> str:
    chosen = st.radio(
        "Index",
        list(INDEX_LABELS),
        format_func=INDEX_LABELS.get,
        horizontal=True,
        key="concentration_index",
    )
    return chosen or "gorard"


def indicator_label(indicator: str, phase: str, year: str) -> tuple[str, str]:
    """(label, unit) for the map title, legend and tooltip."""
    if indicator == "gap":
        measure = MEASURES["ks2_rwm_expected_pct" if phase == "primary" else "ks4_attainment8"]
        unit = " pp" if measure.unit == "%" else " pts"
        return f"{measure.label}: gap, England's other pupils minus disadvantaged", unit
    if indicator == "gorard":
        return f"Gorard segregation index ({phase} schools, census)", ""
    return f"{INDICATORS[indicator]}, {phase} pupils", "%"


def choropleth(
    la_table: pl.DataFrame, bounds: pl.DataFrame, selection: Filters, indicator: str
) -> maps.MapPanel:
    label, unit = indicator_label(indicator, selection.phase, selection.year)
    decimals = 3 if indicator == "gorard" else 1
    rows = la_table.with_columns(pl.col(indicator).alias("value"))
    mapped = rows.filter(pl.col("map_note").is_null())
    tips = [
        "no figure" if v is None else f"{v:.{decimals}f}{unit}" for v in mapped["value"].to_list()
    ]
    mapped = mapped.with_columns(pl.Series("tip", tips, dtype=pl.String))
    low, high = maps.value_range(mapped["value"].to_list())
    gm_codes = rows.filter(pl.col("is_gm"))["ons_code"].drop_nulls().to_list()
    chosen = [] if selection.is_group else list(selection.members)
    selected = rows.filter(pl.col("la_code").is_in(chosen))
    title = f"{label}: every LA in England, {selection.year}"
    table = rows.select(
        pl.col("name").alias("LA"),
        pl.col("la_code").alias("LA code"),
        pl.col("ons_code").alias("ONS code"),
        "region",
        pl.col("value").round(decimals).alias(label),
        pl.col("map_note").fill_null("mapped").alias("map"),
    ).sort(label, descending=True, nulls_last=True)
    unmapped = rows.filter(pl.col("map_note").is_not_null())
    caveats = [
        "Greater Manchester is outlined in orange"
        + ("" if selection.is_group else f", {selection.la_label} in black")
        + "; grey means no published figure."
    ]
    if unmapped.height:
        caveats.append(
            "Not mapped: "
            + "; ".join(
                f"{n} ({note.removeprefix('not mapped: ')})"
                for n, note in unmapped.select("name", "map_note").iter_rows()
            )
            + ". Their figures are in the table."
        )
    if indicator == "gorard":
        caveats.append("The Gorard index exists only where school counts are loaded (2018/19).")
    source = (
        f"{CENSUS_SOURCE}; indices computed by Equity Explorer"
        if indicator == "gorard"
        else LAIT_SOURCE
    )
    return maps.MapPanel(
        view_id="concentration-choropleth",
        title=title,
        takeaway=choropleth_takeaway(rows, selection, decimals, unit),
        source=f"{source}; {selection.year}. {BOUNDARY_SOURCE}.",
        deck=maps.choropleth_deck(
            mapped, bounds, gm_codes, selected["ons_code"].drop_nulls().to_list(), low, high
        ),
        legend=maps.legend_chart(low, high, label, ".2f" if indicator == "gorard" else ".0f"),
        table=table,
        file_stem=f"{selection.slug()}-map-{indicator}",
        static=views.lazy(  # drawn only for an export or a story slide
            map_twins.choropleth_chart,
            mapped,
            bounds,
            gm_codes,
            title=title,
            value_title=label,
            selected_codes=selected["ons_code"].drop_nulls().to_list(),
        ),
        caveats=tuple(caveats),
        options=(("indicator", indicator),),
    )


def choropleth_takeaway(rows: pl.DataFrame, selection: Filters, decimals: int, unit: str) -> str:
    valued = rows.filter(pl.col("value").is_not_null())
    if valued.is_empty():
        return f"No LA has a published figure for {selection.year}."
    median = float(valued["value"].median())  # type: ignore[arg-type]
    ranked = valued.with_columns(pl.col("value").rank("min", descending=True).alias("rank"))
    gm = ranked.filter(pl.col("is_gm")).sort("value")

    def fmt(value: float) -> str:
        return f"{value:.{decimals}f}{unit}"

    parts = []
    if not selection.is_group:
        mine = ranked.filter(pl.col("la_code") == selection.la_code)
        if mine.height:
            row = mine.row(0, named=True)
            parts.append(
                f"{row['name']}: {fmt(row['value'])}, rank {int(row['rank'])} of "
                f"{valued.height} LAs (1 = highest)."
            )
        else:
            parts.append(f"No figure for {selection.la_label} this year.")
    if gm.height:
        low, high = gm.row(0, named=True), gm.row(-1, named=True)
        parts.append(
            f"GM's LAs range from {fmt(low['value'])} ({low['name']}) to "
            f"{fmt(high['value'])} ({high['name']}); the England LA median is "
            f"{fmt(median)}."
        )
    return " ".join(parts) if parts else f"England LA median {fmt(median)}."


# --------------------------------------------------------------------------- page data


@dataclass(frozen=True)
class PageData:
    """Every frame the page draws, fetched once per rerun through the cache."""

    share: str
    schools: pl.DataFrame
    basis: CountBasis
    summary: dict[str, Any]
    by_la: pl.DataFrame
    comparison: str | None
    la_table: pl.DataFrame
    bounds: pl.DataFrame

    def compared(self) -> pl.DataFrame:
        """The per-LA indices on the one basis every LA shares."""
        return self.by_la.filter(pl.col("basis") == self.comparison)

    def outline(self, selection: Filters) -> list[str]:
        codes = self.la_table.filter(pl.col("la_code").is_in(list(selection.members)))
        return [c for c in codes["ons_code"].drop_nulls().to_list() if isinstance(c, str)]


def load(selection: Filters) -> PageData:
    args = (selection.la_code, selection.year, selection.phase)
    share = share_key(selection)
    schools, basis = data.cached(analysis.school_shares, *args, share)
    by_la = data.cached(analysis.segregation_by_la, selection.phase, selection.year)
    return PageData(
        share=share,
        schools=schools,
        basis=basis,
        summary=data.cached(analysis.area_indices, *args),
        by_la=by_la,
        comparison=analysis.comparison_basis(by_la),
        la_table=data.cached(analysis.la_indicators, selection.phase, selection.year),
        bounds=data.cached(analysis.boundaries),
    )


def curve(selection: Filters, page: PageData) -> ChartView | None:
    args = (selection.la_code, selection.year, selection.phase)
    return curve_view(data.cached(analysis.curve, *args), selection, page.basis)


def school_map_panel(selection: Filters, page: PageData) -> maps.MapPanel | None:
    return school_map(
        page.schools, page.bounds, page.outline(selection), selection, page.basis, page.share
    )


def _option(options: Mapping[str, str], key: str, allowed: Mapping[str, str], default: str) -> str:
    value = str(options.get(key, default))
    if value not in allowed:
        raise views.ViewError(f"unknown {key} {value[:24]!r}: use one of {', '.join(allowed)}")
    return value


def _views(selection: Filters, options: Mapping[str, str]) -> list[ChartView]:
    """The page's charts and the maps' static twins, for story slides and shared links."""
    index = _option(options, "index", INDEX_LABELS, "gorard")
    indicator = _option(options, "indicator", INDICATORS, DEFAULT_INDICATOR)
    page = load(selection)
    found: list[ChartView | None] = []
    if page.comparison:
        found.append(comparison_view(page.compared(), selection, index, page.comparison))
    if page.summary["basis"] != "none":
        found.append(curve(selection, page))
    if not page.schools.is_empty():
        found.append(distribution_view(page.schools, selection, page.basis, page.share))
        panel = school_map_panel(selection, page)
        found.append(maps.static_view(panel) if panel else None)
    found.append(maps.static_view(choropleth(page.la_table, page.bounds, selection, indicator)))
    return [view for view in found if view is not None]


views.register("concentration-", _views)
