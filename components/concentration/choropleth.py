"""Every local authority in England on one map, coloured by the chosen indicator."""

from __future__ import annotations

from typing import Final

import polars as pl
import streamlit as st

from components import map_twins, maps, views
from components.concentration.common import (
    BOUNDARY_SOURCE,
    census_source,
    compared,
    is_peer,
    peer_short,
)
from components.filters import Filters
from components.overview import LAIT_SOURCE
from equity.analysis.census import census_label
from equity.analysis.concentration import INDICATORS
from equity.schema import MEASURES

DEFAULT_INDICATOR: Final = "pct_fsm6"


def indicator_picker() -> str:
    return (
        st.segmented_control(
            "Colour the LA map by",
            list(INDICATORS),
            default=DEFAULT_INDICATOR,
            format_func=lambda k: INDICATORS[k],
            key="concentration_indicator",
            persist_state="page",  # kept while another tab is open
        )
        or DEFAULT_INDICATOR
    )


def indicator_label(indicator: str, phase: str, year: str) -> tuple[str, str]:
    """(label, unit) for the map title, legend and tooltip; `year` is the census year for
    the Gorard index."""
    if indicator == "gap":
        measure = MEASURES["ks2_rwm_expected_pct" if phase == "primary" else "ks4_attainment8"]
        unit = " pp" if measure.unit == "%" else " pts"
        return f"{measure.label}: gap, England's other pupils minus disadvantaged", unit
    if indicator == "gorard":
        return f"Gorard segregation index ({phase} schools, ever-FSM, {census_label(year)})", ""
    return f"{INDICATORS[indicator]}, {phase} pupils", "%"


def choropleth(
    la_table: pl.DataFrame,
    bounds: pl.DataFrame,
    selection: Filters,
    indicator: str,
    census_year: str | None = None,
) -> maps.MapPanel:
    """Every LA coloured by the indicator: LAIT's figures of the year filter's year, the
    Gorard index of `census_year` (the census the page shows)."""
    census_year = census_year or selection.year
    label, unit = indicator_label(indicator, selection.phase, census_year)
    year = census_year if indicator == "gorard" else selection.year
    decimals = 3 if indicator == "gorard" else 1
    rows = la_table.with_columns(pl.col(indicator).alias("value"))
    mapped = rows.filter(pl.col("map_note").is_null())
    tips = [
        "no figure" if v is None else f"{v:.{decimals}f}{unit}" for v in mapped["value"].to_list()
    ]
    mapped = mapped.with_columns(pl.Series("tip", tips, dtype=pl.String))
    low, high = maps.value_range(mapped["value"].to_list())
    gm_codes = rows.filter(is_peer(selection))["ons_code"].drop_nulls().to_list()
    chosen = [] if selection.is_group else list(selection.members)
    selected = rows.filter(pl.col("la_code").is_in(chosen))
    title = f"{label}: every LA in England" + ("" if indicator == "gorard" else f", {year}")
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
        f"{compared(selection).group_label} "
        + ("is" if compared(selection).is_gm else "are")
        + " outlined in orange"
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
    if indicator == "gorard" and census_year != selection.year:
        caveats.append(
            f"The Gorard index is from the {census_label(census_year)} ({census_year}), the "
            f"census nearest {selection.year}."
        )
    source = (
        f"{census_source(census_year)}; indices computed by Equity Explorer"
        if indicator == "gorard"
        else f"{LAIT_SOURCE}; {year}"
    )
    return maps.MapPanel(
        view_id="concentration-choropleth",
        title=title,
        takeaway=choropleth_takeaway(rows, selection, decimals, unit, year),
        source=f"{source}. {BOUNDARY_SOURCE}.",
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


def choropleth_takeaway(
    rows: pl.DataFrame, selection: Filters, decimals: int, unit: str, year: str | None = None
) -> str:
    year = year or selection.year
    valued = rows.filter(pl.col("value").is_not_null())
    if valued.is_empty():
        return f"No LA has a published figure for {year}."
    median = float(valued["value"].median())  # type: ignore[arg-type]
    ranked = valued.with_columns(pl.col("value").rank("min", descending=True).alias("rank"))
    gm = ranked.filter(is_peer(selection)).sort("value")

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
            parts.append(f"No figure for {selection.la_label} in {year}.")
    if gm.height:
        low, high = gm.row(0, named=True), gm.row(-1, named=True)
        parts.append(
            f"{peer_short(selection)}'s LAs range from {fmt(low['value'])} ({low['name']}) to "
            f"{fmt(high['value'])} ({high['name']}); the England LA median is "
            f"{fmt(median)}."
        )
    return " ".join(parts) if parts else f"England LA median {fmt(median)}."
