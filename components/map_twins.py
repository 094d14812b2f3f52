"""The maps' static twins: Altair versions of the school map and the choropleth, drawn for
image exports and story slides (pydeck maps cannot be rendered to SVG or PNG).

Outlines travel as one named top-level dataset, attached after the chart is assembled:
Altair deep-copies inline `values` at every layer and property call, which took three
seconds per rerun for 152 outlines. Layers pick their outlines with filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl

from components.charts import AnyChart, chart_data, finish, layered
from components.maps import LABEL_SIZE, NO_DATA, area_labels, colour_scale, features, value_range
from components.theme import TEXT
from equity import outlines


def _box_feature(box: tuple[float, float, float, float]) -> dict[str, Any]:
    """Two corners as a MultiPoint: unlike a polygon, no ring orientation for d3 to read
    as "the whole globe except this box"."""
    min_lon, min_lat, max_lon, max_lat = box
    return {
        "type": "Feature",
        "geometry": {"type": "MultiPoint", "coordinates": [[min_lon, min_lat], [max_lon, max_lat]]},
        "properties": {},
    }


def school_map_chart(
    schools: pl.DataFrame,
    bounds: pl.DataFrame,
    outline_codes: Sequence[str],
    *,
    title: str,
    value_title: str = "% disadvantaged",
) -> AnyChart:
    """The school map as Altair (Mercator) for image exports with vl-convert."""
    chosen = set(outline_codes)
    selected = bounds.filter(pl.col("ons_code").is_in(list(chosen)))
    box = outlines.bbox(selected)
    context = outlines.near(bounds, box, 0.05) if box else selected
    located = schools.filter(pl.col("lat").is_not_null()).select(
        pl.col("name").fill_null(pl.lit("(name not loaded)")),
        pl.col("lon").round(4),
        pl.col("lat").round(4),
        pl.col("pct").round(1),
        pl.coalesce(pl.col("pupils").cast(pl.Float64), pl.col("t")).alias("pupils"),
    )
    low, high = value_range(located["pct"].to_list())
    flags = {code: {"sel": code in chosen} for code in context["ons_code"].to_list()}
    # One constructor per layer (no .mark_*/.encode chains); a NamedData each, as before.
    base = alt.Chart(
        alt.NamedData(name="areas"),
        mark=alt.MarkDef(
            type="geoshape", fill="#F2F2F2", stroke="#8C8C8C", strokeWidth=0.6, clip=True
        ),
    )
    outline = alt.Chart(
        alt.NamedData(name="areas"),
        mark=alt.MarkDef(type="geoshape", filled=False, stroke=TEXT, strokeWidth=2, clip=True),
        transform=[alt.FilterTransform(filter="datum.properties.sel")],
    )
    points = alt.Chart(
        chart_data(located),
        mark=alt.MarkDef(type="circle", stroke="#282828", strokeWidth=0.5, opacity=0.9, clip=True),
        encoding=alt.FacetedEncoding(
            longitude=alt.Longitude("lon:Q"),
            latitude=alt.Latitude("lat:Q"),
            size=alt.Size("pupils:Q", title="Pupils", scale=alt.Scale(range=[12, 260])),
            color=alt.Color("pct:Q", title=value_title, scale=colour_scale(low, high)),
            tooltip=[
                alt.Tooltip("name:N", title="School"),
                alt.Tooltip("pct:Q", title=value_title, format=".1f"),
                alt.Tooltip("pupils:Q", title="Pupils", format=",.0f"),
            ],
        ),
    )
    layers: list[alt.Chart] = [base, outline, points]
    names = area_labels(context, box, chosen=chosen, inset=0.06) if box else []
    if names:
        layers += _name_layers()
    chart = _mercator(layered(layer=layers), title, _box_feature(box) if box else None)
    chart.datasets = {"areas": features(context, flags)}
    if names:
        chart.datasets["names"] = names
    return chart


def _name_layers() -> list[alt.Chart]:
    """The LAs' names as on the pydeck map: dark text over a white halo (the same text
    stroked white underneath), from the top-level "names" dataset (`area_labels` rows)."""
    encoding = alt.FacetedEncoding(
        longitude=alt.Longitude("lon:Q"), latitude=alt.Latitude("lat:Q"), text=alt.Text("name:N")
    )
    look: dict[str, Any] = {"fontSize": LABEL_SIZE, "fontWeight": 600, "clip": True, "color": TEXT}
    halo = alt.MarkDef(type="text", stroke="#FFFFFF", strokeWidth=4, strokeJoin="round", **look)
    text = alt.MarkDef(type="text", **look)
    return [
        alt.Chart(alt.NamedData(name="names"), mark=mark, encoding=encoding)
        for mark in (halo, text)
    ]


def choropleth_chart(
    table: pl.DataFrame,
    bounds: pl.DataFrame,
    gm_codes: Sequence[str],
    *,
    title: str,
    value_title: str,
    selected_codes: Sequence[str] = (),
) -> AnyChart:
    """The LA choropleth as Altair (Mercator); `table` has ons_code and value.

    Every outline is first drawn in the no-data grey: Vega-Lite drops features whose
    colour field is null, and an LA without a figure must still be on the map."""
    values = {
        code: None if value is None else round(float(value), 3)
        for code, value in table.select("ons_code", "value").iter_rows()
        if code is not None
    }
    low, high = value_range(list(values.values()))
    gm, chosen = set(gm_codes), set(selected_codes)
    props = {
        code: {"value": values.get(code), "gm": code in gm, "sel": code in chosen}
        for code in bounds["ons_code"].to_list()
    }
    # One constructor per layer; the outlines are the layer group's data.
    blank = alt.Chart(
        mark=alt.MarkDef(type="geoshape", fill=NO_DATA, stroke="#FFFFFF", strokeWidth=0.3),
    )
    areas = alt.Chart(
        mark=alt.MarkDef(type="geoshape", stroke="#FFFFFF", strokeWidth=0.3),
        encoding=alt.FacetedEncoding(
            color=alt.Color("properties.value:Q", title=value_title, scale=colour_scale(low, high)),
            tooltip=[
                alt.Tooltip("properties.name:N", title="Local authority"),
                alt.Tooltip("properties.value:Q", title=value_title, format=".2f"),
            ],
        ),
    )
    layers = [blank, areas]
    for flag, colour in (("gm", "#D55E00"), ("sel", TEXT)):
        if flag == "sel" and not chosen:
            continue
        layers.append(
            alt.Chart(
                mark=alt.MarkDef(type="geoshape", filled=False, stroke=colour, strokeWidth=1.6),
                transform=[alt.FilterTransform(filter=f"datum.properties.{flag}")],
            )
        )
    chart = _mercator(layered(data=alt.NamedData(name="las"), layer=layers), title)
    chart.datasets = {"las": features(bounds, props)}
    return chart


def _mercator(
    chart: alt.LayerChart | alt.FacetChart,
    title: str,
    fit: dict[str, Any] | None = None,
) -> AnyChart:
    """Mercator, fitted to `fit` (the selected area's box) when given, else to everything;
    finished like every chart (charts.finish)."""
    projection = (
        alt.Projection(type="mercator", fit=fit) if fit else alt.Projection(type="mercator")
    )
    return finish(chart.properties(projection=projection, width=640, height=560), title)
