"""Maps that work offline: pydeck for the page, Altair twins for image exports.

No tile server: the base layer is the ONS local authority outlines from the store. With
Streamlit 1.67 both `map_style=None` and `map_style=""` make the browser fetch Carto's
basemap; `map_provider=None` (pydeck then writes its own sentinel style) is the one
setting under which no basemap is requested, so every deck here is built that way.

Colour is reversed viridis (more = darker): perceptually uniform and readable with any
common colour-vision deficiency. pydeck draws no legend, so each map carries an Altair
colour bar, and like every chart a takeaway, its source and the same rows as a table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import altair as alt
import polars as pl
import streamlit as st

from components import chart_panel, chart_view, vega
from components.charts import AnyChart
from components.text import plain
from equity import outlines

if TYPE_CHECKING:  # pydeck is imported where a map is made (~60-120 ms of regex compiling)
    import pydeck as pdk

#: matplotlib's viridis sampled at 10 even steps (van der Walt & Smith, 2015); Vega's
#: "viridis" scheme is the same colour map.
VIRIDIS: Final[tuple[str, ...]] = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)


#: Low values light, high values dark: "more disadvantage" reads as "more ink".
SCALE: Final[tuple[str, ...]] = tuple(reversed(VIRIDIS))


NO_DATA: Final = "#D9D9D9"


AREA_FILL: Final = [242, 242, 242, 255]


AREA_LINE: Final = [140, 140, 140, 255]


GM_LINE: Final = [213, 94, 0, 255]  # Okabe-Ito vermillion: stands apart from viridis


SELECTED_LINE: Final = [11, 12, 12, 255]


MAP_HEIGHT: Final = 520


LEGEND_BAR: Final = 18  # px; the legend's whole height is about 70 with title and labels


MAX_PAYLOAD: Final = 1_000_000  # bytes of deck JSON per map


TOOLTIP_STYLE: Final = {"backgroundColor": "#0B0C0C", "color": "#FFFFFF", "fontSize": "14px"}


LABEL_TEXT: Final = [11, 12, 12, 255]  # theme.TEXT


LABEL_BACKGROUND: Final = [255, 255, 255, 217]  # a light box behind each name


LABEL_FONT: Final = "Source Sans Pro, Arial, sans-serif"  # the charts' font, no web font


LABEL_SIZE: Final = 13  # px


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def sequential_colour(value: float | None, low: float, high: float) -> list[int]:
    """RGB for a value on the reversed viridis scale between `low` and `high` (clamped);
    the no-data grey for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return list(_rgb(NO_DATA))
    span = high - low
    position = 0.0 if span <= 0 else min(max((value - low) / span, 0.0), 1.0)
    scaled = position * (len(SCALE) - 1)
    index = min(int(scaled), len(SCALE) - 2)
    weight = scaled - index
    start, end = _rgb(SCALE[index]), _rgb(SCALE[index + 1])
    return [round(a + (b - a) * weight) for a, b in zip(start, end, strict=True)]


def colour_scale(low: float, high: float) -> alt.Scale:
    """The same scale for Altair: the ten stops spread evenly over the domain."""
    if high <= low:
        high = low + 1.0
    step = (high - low) / (len(SCALE) - 1)
    return alt.Scale(domain=[low + i * step for i in range(len(SCALE))], range=list(SCALE))


def value_range(values: Sequence[float | None]) -> tuple[float, float]:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return 0.0, 1.0
    return min(finite), max(finite)


def legend_chart(low: float, high: float, title: str, number_format: str = ".1f") -> alt.Chart:
    """A colour bar with labelled stops: pydeck has no legend of its own."""
    steps = 60
    width = (high - low) / steps if high > low else 1.0 / steps
    rows = [{"v": low + i * width, "v2": low + (i + 1) * width} for i in range(steps)]
    # One constructor (no .mark_*/.encode/.configure_* chains, each a copy and a validation).
    return alt.Chart(
        {"values": rows},
        mark=alt.MarkDef(type="rect"),
        encoding=alt.FacetedEncoding(
            x=alt.X(
                "v:Q",
                title=None,
                scale=alt.Scale(domain=[low, low + steps * width], nice=False, zero=False),
                axis=alt.Axis(format=number_format, tickCount=6),
            ),
            x2=alt.X2("v2:Q"),
            color=alt.Color("v:Q", scale=colour_scale(low, high), legend=None),
        ),
        height=LEGEND_BAR,
        title=alt.TitleParams(f"{title} (darker = higher)", anchor="start"),
        config=alt.Config(  # colours and font: the theme
            title=alt.TitleConfig(fontSize=13, fontWeight="normal"),
            axis=alt.AxisConfig(labelFontSize=13),
        ),
    )


def tooltip_text(name: str) -> str:
    """A name safe inside a pydeck HTML tooltip wherever the deck is shown.

    pydeck's own HTML export puts values into the tooltip unescaped, so names are escaped
    here. Streamlit 1.67 escapes tooltip values again, which would show "St Peter &amp;
    St Paul": the ampersand is therefore written as the full-width "＆" (U+FF06), which
    needs no escaping and reads the same. Quotes are left alone: the value lands in text,
    not in an attribute, and "St Mary's" should read as written.
    """
    return html.escape(name.replace("&", "\uff06"), quote=False)


def features(
    bounds: pl.DataFrame, properties: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """GeoJSON features from boundary rows (`ons_code`, `name`, `geometry` JSON text)."""
    properties = properties or {}
    out = []
    for code, name, geometry in bounds.select("ons_code", "name", "geometry").iter_rows():
        props = {"ons_code": code, "name": tooltip_text(str(name))}
        props.update(properties.get(code, {}))
        out.append(
            {"type": "Feature", "geometry": outlines.geometry(geometry), "properties": props}
        )
    return out


def fit_view(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float, width: int = 900
) -> pdk.ViewState:
    """The Web Mercator view at which the box fills a `width` x MAP_HEIGHT map."""
    lon, lat, zoom = outlines.mercator_view((min_lon, min_lat, max_lon, max_lat), width, MAP_HEIGHT)
    import pydeck as pdk

    return pdk.ViewState(longitude=lon, latitude=lat, zoom=zoom)


def area_labels(
    bounds: pl.DataFrame,
    box: tuple[float, float, float, float] | None = None,
    *,
    chosen: Collection[str] = (),
    inset: float = 0.0,
) -> list[dict[str, Any]]:
    """Each outline's name at its label point (`label_point`, else its box's centre): the
    rows of the map's name layer. With a `box`, only points inside it, and for outlines
    not `chosen` (by ONS code) inside it shrunk by `inset` of its size on each side, so a
    neighbour's name is not cut off at the map's edge."""
    inner = outlines.widened(box, -inset) if box is not None else None
    rows = []
    columns = ("ons_code", "name", "geometry", "min_lon", "min_lat", "max_lon", "max_lat")
    for code, name, geometry, *corners in bounds.select(columns).iter_rows():
        point = outlines.label_point(geometry) if geometry else None
        if point is None and None not in corners:
            point = ((corners[0] + corners[2]) / 2, (corners[1] + corners[3]) / 2)
        if point is None or name is None:
            continue
        lon, lat = point
        within = box if code in chosen else inner
        if within is not None and not (
            within[0] <= lon <= within[2] and within[1] <= lat <= within[3]
        ):
            continue
        rows.append({"lon": round(lon, 4), "lat": round(lat, 4), "name": str(name)})
    return rows


def _label_layer(labels: list[dict[str, Any]]) -> pdk.Layer:
    """LA names in dark text on a light box, drawn by deck.gl itself (no tiles, no web
    font); not pickable, so the schools' tooltips stay as they are. Text is drawn as
    glyphs, never as HTML, so names need no escaping here."""
    import pydeck as pdk

    return pdk.Layer(
        "TextLayer",
        id="area-names",
        data=labels,
        get_position="[lon, lat]",
        get_text="name",
        get_size=LABEL_SIZE,
        size_units="'pixels'",
        get_color=LABEL_TEXT,
        font_family=f"'{LABEL_FONT}'",
        font_weight=600,
        character_set="'auto'",
        background=True,
        get_background_color=LABEL_BACKGROUND,
        background_padding=[4, 2, 4, 2],
        pickable=False,
    )


def _outline_layer(layer_id: str, feats: list[dict[str, Any]], colour: list[int], px: int):
    import pydeck as pdk

    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data={"type": "FeatureCollection", "features": feats},
        filled=False,
        stroked=True,
        get_line_color=colour,
        line_width_min_pixels=px,
        pickable=False,
    )


def _deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip: str) -> pdk.Deck:
    from components.compact_deck import CompactDeck

    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,  # no basemap request at all (see the module docstring)
        tooltip={"html": tooltip, "style": TOOLTIP_STYLE},
    )


def payload_bytes(deck: pdk.Deck) -> int:
    return len(deck.to_json().encode("utf-8"))


def school_points(schools: pl.DataFrame, low: float, high: float) -> list[dict[str, Any]]:
    """The scatter layer's rows: only what is drawn or shown in the tooltip, rounded;
    names go through `tooltip_text`."""
    rows = []
    located = schools.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    for row in located.iter_rows(named=True):
        pupils = row["pupils"] if row["pupils"] is not None else row["t"]
        rows.append(
            {
                "lon": round(float(row["lon"]), 4),
                "lat": round(float(row["lat"]), 4),
                "r": round(14 * math.sqrt(max(float(pupils or 0), 1.0))),
                "c": sequential_colour(row["pct"], low, high),
                "name": tooltip_text(str(row["name"] or f"URN {row['urn']}")),
                "tip": f"{row['pct']:.1f}% · {int(pupils or 0):,} pupils",
            }
        )
    return rows


def school_deck(
    schools: pl.DataFrame,
    bounds: pl.DataFrame,
    outline_codes: Sequence[str],
    low: float,
    high: float,
) -> pdk.Deck:
    """Schools as circles (area ~ pupils, colour = share) over the area's LA outlines."""
    import pydeck as pdk

    selected = bounds.filter(pl.col("ons_code").is_in(list(outline_codes)))
    box = outlines.bbox(selected)
    located = schools.filter(pl.col("lat").is_not_null())
    if box is None and located.height:
        box = (
            float(located["lon"].min()),  # type: ignore[arg-type]
            float(located["lat"].min()),  # type: ignore[arg-type]
            float(located["lon"].max()),  # type: ignore[arg-type]
            float(located["lat"].max()),  # type: ignore[arg-type]
        )
    box = box or (-6.0, 49.9, 2.0, 55.9)  # England
    context = outlines.near(bounds, box, 0.15)
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            id="areas",
            data={"type": "FeatureCollection", "features": features(context)},
            filled=True,
            stroked=True,
            get_fill_color=AREA_FILL,
            get_line_color=AREA_LINE,
            line_width_min_pixels=1,
            pickable=False,
        ),
        _outline_layer("selected-outline", features(selected), SELECTED_LINE, 3),
        pdk.Layer(
            "ScatterplotLayer",
            id="schools",
            data=school_points(schools, low, high),
            get_position="[lon, lat]",
            get_radius="r",
            get_fill_color="c",
            get_line_color=[40, 40, 40],
            stroked=True,
            line_width_min_pixels=1,
            radius_min_pixels=3,
            radius_max_pixels=22,
            pickable=True,
        ),
    ]
    labels = area_labels(context, outlines.widened(box, 0.05))
    if labels:  # the LAs' names on top, so a new user can find their area's outline
        layers.append(_label_layer(labels))
    return _deck(layers, fit_view(*box), "<b>{name}</b><br/>{tip}")


def choropleth_deck(
    table: pl.DataFrame,
    bounds: pl.DataFrame,
    gm_codes: Sequence[str],
    selected_codes: Sequence[str],
    low: float,
    high: float,
) -> pdk.Deck:
    """Every LA filled by `table.value` (by `ons_code`); GM outlined, then the selected LAs
    (empty when GM itself is the selection) on top."""
    import pydeck as pdk

    props = {
        code: {"c": sequential_colour(value, low, high), "tip": tip}
        for code, value, tip in table.select("ons_code", "value", "tip").iter_rows()
        if code is not None
    }
    for code in bounds["ons_code"].to_list():
        props.setdefault(code, {"c": list(_rgb(NO_DATA)), "tip": "no figure"})
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            id="las",
            data={"type": "FeatureCollection", "features": features(bounds, props)},
            filled=True,
            stroked=True,
            get_fill_color="properties.c",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=0.5,
            pickable=True,
        ),
        _outline_layer(
            "gm-outline",
            features(bounds.filter(pl.col("ons_code").is_in(list(gm_codes)))),
            GM_LINE,
            1,  # thin: at England scale a 3 px line covered small LAs' own colours
        ),
    ]
    chosen = list(selected_codes)
    if chosen:
        layers.append(
            _outline_layer(
                "selected-outline",
                features(bounds.filter(pl.col("ons_code").is_in(chosen))),
                SELECTED_LINE,
                2,
            )
        )
    box = outlines.bbox(bounds) or (-6.0, 49.9, 2.0, 55.9)
    return _deck(layers, fit_view(*box), "<b>{name}</b><br/>{tip}")


@dataclass(frozen=True)
class MapPanel:
    """A pydeck map shown the way chart_panel shows a chart, with its static Altair twin
    (used for image exports and story slides)."""

    view_id: str
    title: str
    takeaway: str  # plain text: rendered through `plain`, so names stay literal
    source: str
    deck: pdk.Deck
    legend: alt.Chart | None
    table: pl.DataFrame
    file_stem: str
    static: AnyChart | None = None
    caveats: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()


def static_view(panel: MapPanel) -> chart_view.ChartView | None:
    """The map as a ChartView over its Altair twin, for exports and stories."""
    if panel.static is None:
        return None
    return chart_view.ChartView(
        view_id=panel.view_id,
        title=panel.title,
        takeaway=panel.takeaway,
        source=panel.source,
        chart=panel.static,
        table=panel.table,
        file_stem=panel.file_stem,
        caveats=panel.caveats,
        options=panel.options,
    )


def render(panel: MapPanel) -> None:
    twin = static_view(panel)
    if twin is not None:
        chart_panel.register(twin)
    with st.container(border=True):
        st.subheader(panel.title, anchor=False)
        st.markdown(f"**{plain(panel.takeaway)}**")
        st.pydeck_chart(
            panel.deck,
            height=MAP_HEIGHT,
            alt=f"{panel.title}. {panel.takeaway} The same figures are in the table under "
            "Show data.",
        )
        if panel.legend is not None:
            vega.draw(panel.legend, height=LEGEND_BAR + 56, alt_text="Colour key for the map")
        for caveat in panel.caveats:
            st.caption(f"Note: {plain(caveat)}")
        st.caption(f"Source: {panel.source}")
        chart_panel.show_data(
            panel.view_id,
            lambda: chart_panel.data_table(panel.table, panel.file_stem, panel.view_id),
        )
        if twin is not None:
            chart_panel.actions(twin)
