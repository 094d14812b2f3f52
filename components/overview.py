"""The Overview page's pieces: headline figures, the comparison chart, data coverage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st

from components import chart_view, data, plain_charts, tiles, views
from components.filters import Filters
from components.text import LAIT_SOURCE, fmt_gap, fmt_tile, shown_decimals
from equity import kinds
from equity.analysis.comparators import nearest_year
from equity.analysis.groups import year_note
from equity.headline import GM_MEAN_LABEL, headline_gaps
from equity.schema import HEADLINE_MEASURES, MEASURES, PHASE_KEY_STAGE
from equity.store import Store


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    """The headline table as plain rows, read once per call. Why: it is some 130 rows for
    one area, and each polars filter of a frame that small costs ~0.2 ms (planning and
    dispatch, not data): the two dozen the Overview made on every rerun were a third of its
    own work (issue 16's AppTest rerun row)."""
    return table.rows(named=True)


def _entity(filters: Filters) -> str:
    return GM_MEAN_LABEL if filters.is_group else filters.la_code


def _selected_row(
    rows: list[dict[str, Any]], filters: Filters, measure: str, year: str
) -> dict[str, Any] | None:
    entity = _entity(filters)
    for row in rows:
        if row["entity"] == entity and row["measure"] == measure and row["academic_year"] == year:
            return row
    return None


def takeaway(row: dict[str, Any] | None, area: str, measure: str) -> str:
    """One computed sentence: where disadvantaged pupils stand against the two comparators,
    every number at the precision its tile shows (text.fmt / fmt_gap)."""
    spec = MEASURES[measure]
    if row is None or row.get("disadvantaged") is None:
        return f"No published {spec.label} for disadvantaged pupils in {area} this year."
    dis = float(row["disadvantaged"])
    parts = [f"In {area}, disadvantaged pupils scored {fmt_tile(dis, measure)} on {spec.label}"]
    gap_nat = row.get("gap_national")
    if gap_nat is not None:
        direction = "below" if float(gap_nat) > 0 else "above"
        parts.append(
            f", {fmt_gap(abs(float(gap_nat)), measure)} {direction} other pupils nationally"
        )
    gap_within = row.get("gap_within")
    if gap_within is not None:
        parts.append(
            f"; the gap to other pupils in the same area was {fmt_gap(float(gap_within), measure)}"
        )
    return "".join(parts) + "."


def shown_year(rows: list[dict[str, Any]], filters: Filters, measure: str) -> str:
    """The chosen year if the area has this measure's disadvantaged figure then, else the
    nearest year it has (Progress 8 stops at 2023/24: no KS2 tests in 2020 and 2021)."""
    entity = _entity(filters)
    years = [
        row["academic_year"]
        for row in rows
        if row["entity"] == entity
        and row["measure"] == measure
        and row["disadvantaged"] is not None
    ]
    return nearest_year(years, filters.year) or filters.year


def headline_metrics(table: pl.DataFrame, filters: Filters) -> None:
    rows = _rows(table)
    for measure in _measures(filters):
        spec = MEASURES[measure]
        year = shown_year(rows, filters, measure)
        row = _selected_row(rows, filters, measure, year)
        st.markdown(f"**{spec.label}, {year}**")
        note = year_note(filters.year, year, f"{spec.label} figures")
        if note:
            st.caption(note)
        tiles.tile_row(
            tiles.gap_tiles(
                _get(row, "disadvantaged"),
                _get(row, "other"),
                _get(row, "gap_within"),
                _get(row, "gap_national"),
                measure,
            )
        )
    st.caption(tiles.GAP_NOTE)


def _get(row: dict[str, Any] | None, key: str) -> float | None:
    value = row.get(key) if row else None
    return float(value) if value is not None else None


def _measures(filters: Filters) -> tuple[str, ...]:
    return HEADLINE_MEASURES[filters.phase]


#: The rows a comparison chart shows, in its order: for the GM group the ten LAs are the
#: "selected" rows; a single LA gets its region.
COMPARED_ROLES = ("selected", "gm_mean", "region", "england")
#: The comparison chart's two bars per area.
BAR_GROUPS = ("disadvantaged", "other")
#: The comparison table's columns (as the table names them, then as the view shows them).
TABLE_COLUMNS = {
    "area": "area",
    "disadvantaged": "disadvantaged",
    "other": "other",
    "gap_within": "gap_within_area",
    "gap_national": "gap_to_national_other",
}


def comparison_views(table: pl.DataFrame, filters: Filters) -> list[chart_view.ChartView]:
    rows = _rows(table)
    role_rank = {role: rank for rank, role in enumerate(COMPARED_ROLES)}
    out = []
    for measure in _measures(filters):
        spec = MEASURES[measure]
        year = shown_year(rows, filters, measure)
        part = [
            row
            for row in rows
            if row["academic_year"] == year
            and row["measure"] == measure
            and row["role"] in role_rank
        ]
        # Long form, as polars' unpivot orders it (every area's first group, then the
        # second), withheld values left out.
        long = pl.DataFrame(
            [
                (row["area"], group, row[group])
                for group in BAR_GROUPS
                for row in part
                if row[group] is not None
            ],
            schema={"area": pl.String, "group": pl.String, "value": table.schema["other"]},
            orient="row",
        )
        order = [
            row["area"]
            for row in sorted(
                part,
                key=lambda row: (
                    role_rank[row["role"]],
                    row["area"] is not None,
                    row["area"] or "",
                ),
            )
        ]
        title = f"{spec.label}: disadvantaged and other pupils, {year}"
        row = _selected_row(rows, filters, measure, year)
        area = (
            "Greater Manchester (mean of 10 LA figures)" if filters.is_group else filters.la_label
        )
        table_out = pl.DataFrame(
            {shown: [row[column] for row in part] for column, shown in TABLE_COLUMNS.items()},
            schema={shown: table.schema[column] for column, shown in TABLE_COLUMNS.items()},
        )
        out.append(
            chart_view.ChartView(
                view_id=f"overview-{measure}",
                title=title,
                takeaway=takeaway(row, area, measure),
                source=f"{LAIT_SOURCE}; academic year {year}.",
                # Written without Altair: the default page's first chart (plain_charts).
                chart=plain_charts.group_bars(
                    long,
                    title=title,
                    value_title=spec.label,
                    area_order=order,
                    decimals=shown_decimals(measure),
                ),
                table=table_out,
                file_stem=f"{filters.slug()}-{measure}",
            )
        )
    return out


#: A school-level file kind in plain words.
KIND_WORDS = {
    "ks2_performance": "KS2 results",
    "ks4_performance": "KS4 results",
    "ks4_provisional": "KS4 provisional results",
    "ks4_destinations": "destinations after KS4",
    "school_census": "school census",
    "school_absence": "absence",
    "gias": "school register",
    "school_list": "school list",
}


def coverage_note(filters: Filters) -> None:
    """Say plainly which LAs have school-level data loaded, and of which kind."""
    coverage = data.school_level_coverage()
    mine = coverage.filter(pl.col("la_code").is_in(list(filters.members)))
    st.subheader("School-level data loaded", anchor=False)
    st.markdown(
        data.shared(_national_coverage_text, filters.phase)
        + f"- **{filters.la_label}**: "
        + (
            ", ".join(
                f"{KIND_WORDS.get(kind, kind.replace('_', ' '))} {year} ({schools} schools)"
                for kind, year, schools in mine.group_by("kind", "academic_year")
                .agg(pl.col("schools").sum())
                .sort("academic_year", "kind")
                .iter_rows()
            )
            or "no school-level files"
        )
        + ". Load more DfE downloads on the Data page."
    )


def _national_coverage_text(store: Store, phase: str) -> str:
    """The note's first two lines, the same for every authority: once per store version and
    phase (they read the national coverage table, some 12,000 rows, and every LA's name)."""
    del store  # the coverage and names below are this store version's cached ones
    coverage = data.school_level_coverage()
    names = dict(data.la_catalogue(data.store_version()).select("la_code", "name").iter_rows())
    stage = PHASE_KEY_STAGE[phase]
    results_kind = kinds.PERFORMANCE_BY_STAGE[stage]
    with_results = sorted(
        {
            names.get(c, c)
            for c in coverage.filter(pl.col("kind") == results_kind)["la_code"].to_list()
        }
    )
    census = coverage.filter(pl.col("kind") == kinds.SCHOOL_CENSUS)
    census_las = census["la_code"].n_unique()
    census_years = sorted(set(census["academic_year"].to_list()))
    census_span = (
        f"{census_years[0]} to {census_years[-1]}"
        if len(census_years) > 1
        else (census_years[0] if census_years else "none loaded")
    )
    return (
        f"- **{stage.upper()} results split by disadvantage** (DfE performance tables): "
        + (", ".join(with_results) if with_results else "none loaded")
        + ".\n"
        f"- **School census ({census_span})**: the share of pupils ever eligible for free "
        f"school meals, with English as an additional language and with special needs, for "
        f"every school in {census_las} LAs.\n"
    )


def _views(filters: Filters, options: Mapping[str, str]) -> list[chart_view.ChartView]:
    """The Overview's charts for a story slide or a shared link (no view options)."""
    del options
    return comparison_views(data.shared(headline_gaps, filters.la_code, filters.phase), filters)


views.register("overview-", _views)
