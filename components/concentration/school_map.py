"""The map of the area's schools sized by pupils and coloured by their share."""

from __future__ import annotations

import polars as pl

from components import map_twins, maps, views
from components.concentration.common import BOUNDARY_SOURCE, PageData, share_text, source_for
from components.filters import Filters
from equity.analysis.census import census_label
from equity.queries import CountBasis


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
    caveats = [
        "Circle area shows the pupils the census counts for the share; colour shows the share "
        "(darker = higher)."
    ]
    if unmapped:
        caveats.append(
            f"{unmapped} school(s) have no location in the loaded files and are listed in the "
            "table only."
        )
    title = (
        f"{selection.la_label}: {selection.phase} schools by share of {noun}, "
        f"{census_label(selection.year)}"
    )
    table = schools.select(
        pl.col("name").fill_null("(name not in loaded files)").alias("School"),
        pl.col("urn").alias("URN"),
        pl.col("la_name").alias("LA"),
        pl.col("pct").round(1).alias(short),
        pl.col("f").cast(pl.Int64).alias(count),
        pl.col("t").cast(pl.Int64).alias("pupils counted"),
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


def school_map_panel(selection: Filters, page: PageData) -> maps.MapPanel | None:
    return school_map(
        page.schools, page.bounds, page.outline(selection), page.shown, page.basis, page.share
    )
