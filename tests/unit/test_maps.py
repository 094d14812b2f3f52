"""Offline maps: the colour scale, escaping, payload size and the static Altair twins."""

from __future__ import annotations

import itertools
import json

import polars as pl
import pytest
import vl_convert as vlc

from components import map_twins, maps
from equity.analysis import concentration as conc
from equity.analysis import outlines
from equity.analysis.concentration import SCHOOL_COLUMNS
from equity.schema import GREATER_MANCHESTER
from equity.store import Store, default_store_path

# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
CVD = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}  # fmt: skip


def _linear(rgb: list[int]) -> list[float]:
    out = []
    for c in rgb:
        v = c / 255
        out.append(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
    return out


def _luminance(linear: list[float]) -> float:
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _simulate(rgb: list[int], matrix: tuple[tuple[float, ...], ...]) -> list[float]:
    lin = _linear(rgb)
    return [min(max(sum(m * c for m, c in zip(row, lin, strict=True)), 0.0), 1.0) for row in matrix]


def _school(name: str, pct: float, lat: float | None = 53.48) -> dict[str, object]:
    t = 1000.0
    return {
        "urn": "100001",
        "name": name,
        "la_code": "352",
        "la_name": "Manchester",
        "f": t * pct / 100,
        "n": t * (1 - pct / 100),
        "t": t,
        "pct": pct,
        "pupils": 1100,
        "lat": lat,
        "lon": -2.24 if lat is not None else None,
    }


def _schools(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHOOL_COLUMNS)


@pytest.fixture(scope="module")
def store() -> Store:
    opened = Store.open(default_store_path())
    if not opened.layers:
        pytest.skip("no store built: python3 -m equity ingest data/sources --store data/store")
    return opened


# --------------------------------------------------------------------------- colour


def test_scale_ends_are_viridis_reversed_so_more_is_darker() -> None:
    assert maps.VIRIDIS[0] == "#440154" and maps.VIRIDIS[-1] == "#fde725"  # matplotlib's
    assert maps.sequential_colour(0.0, 0.0, 50.0) == [0xFD, 0xE7, 0x25]
    assert maps.sequential_colour(50.0, 0.0, 50.0) == [0x44, 0x01, 0x54]
    assert maps.sequential_colour(-5.0, 0.0, 50.0) == [0xFD, 0xE7, 0x25]  # clamped
    assert maps.sequential_colour(None, 0.0, 50.0) == [0xD9, 0xD9, 0xD9]  # no data
    # A stop is hit exactly: 4/9 of the way is the fifth colour of the reversed scale.
    assert maps.sequential_colour(4.0, 0.0, 9.0) == [0x1F, 0x9E, 0x89]  # VIRIDIS[5]


def test_scale_is_monotone_in_lightness_for_every_colour_vision() -> None:
    values = [i / 100 for i in range(101)]
    colours = [maps.sequential_colour(v, 0.0, 1.0) for v in values]
    lum = [_luminance(_linear(c)) for c in colours]
    assert all(a > b for a, b in itertools.pairwise(lum))  # strictly darker
    for name, matrix in CVD.items():
        seen = [_luminance(_simulate(c, matrix)) for c in colours]
        assert all(a >= b - 1e-9 for a, b in itertools.pairwise(seen)), name
        assert seen[0] - seen[-1] > 0.5, name  # the ends stay far apart


def test_altair_scale_uses_the_same_stops() -> None:
    scale = maps.colour_scale(10.0, 55.0).to_dict()
    assert scale["range"] == list(maps.SCALE)
    assert scale["domain"][0] == 10.0 and scale["domain"][-1] == pytest.approx(55.0)
    legend = maps.legend_chart(10.0, 55.0, "% disadvantaged").to_dict()
    assert legend["encoding"]["color"]["scale"]["range"] == list(maps.SCALE)


# --------------------------------------------------------------------------- safety


def test_school_names_are_html_escaped_in_the_tooltip_data() -> None:
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    schools = _schools([_school(evil, 40.0), _school("St Mary's RC Primary", 10.0)])
    points = maps.school_points(schools, 0.0, 50.0)
    assert points[0]["name"] == (
        '&lt;script&gt;alert("x")&lt;/script&gt; \uff06 &lt;img src=x onerror=alert(1)&gt;'
    )
    assert points[1]["name"] == "St Mary's RC Primary"  # text content: quotes need no escape
    # Streamlit escapes tooltip values itself, so "&" must not become "&amp;" (shown as such).
    assert maps.tooltip_text("St Peter & St Paul") == "St Peter \uff06 St Paul"
    deck = maps.school_deck(schools, pl.DataFrame(schema=outlines.BOUNDS_SCHEMA), [], 0.0, 50.0)
    payload = deck.to_json()
    assert "<script" not in payload and "<img" not in payload
    layers = {layer["id"]: layer for layer in json.loads(payload)["layers"]}
    assert "area-names" not in layers  # no outlines, no names
    assert layers["schools"]["data"][0]["tip"] == "40.0% · 1,100 pupils"


def test_markdown_names_are_made_literal() -> None:
    # The shared escaper (components/text.py): a shortcode's opening colon is enough.
    assert maps.plain("St *Mary* [x](y) :smile:") == r"St \*Mary\* \[x\]\(y\) \:smile:"


def test_schools_without_a_location_are_not_drawn() -> None:
    schools = _schools([_school("Placed", 30.0), _school("Nowhere", 20.0, lat=None)])
    assert [p["name"] for p in maps.school_points(schools, 0.0, 50.0)] == ["Placed"]


# --------------------------------------------------------------------------- real maps


@pytest.fixture(scope="module")
def gm_primary(store: Store) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    schools, _ = conc.school_shares(store, "GM", "2018/19", "primary")
    table = conc.la_indicators(store, "primary", "2018/19")
    codes = table.filter(pl.col("is_gm"))["ons_code"].to_list()
    return schools, outlines.boundaries(store), codes


def _offline(payload: str) -> None:
    spec = json.loads(payload)
    assert "mapProvider" not in spec  # pydeck writes it only for a basemap provider
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__")  # Streamlit's "no basemap"
    for host in ("cartocdn", "mapbox", "http://", "https://"):
        assert host not in payload


def test_school_map_payload_is_small_and_offline(gm_primary) -> None:  # type: ignore[no-untyped-def]
    schools, bounds, codes = gm_primary
    assert schools.height > 800  # the largest school map the app draws
    low, high = maps.value_range(schools["pct"].to_list())
    deck = maps.school_deck(schools, bounds, codes, low, high)
    assert maps.payload_bytes(deck) < maps.MAX_PAYLOAD
    payload = deck.to_json()
    _offline(payload)
    spec = json.loads(payload)
    assert [layer["id"] for layer in spec["layers"]] == [
        "areas",
        "selected-outline",
        "schools",
        "area-names",  # on top, so a new user can find their LA
    ]
    points = spec["layers"][2]["data"]
    assert set(points[0]) == {"lon", "lat", "r", "c", "name", "tip"}  # only what is drawn
    assert all(round(p["lon"], 4) == p["lon"] for p in points)
    outlined = {f["properties"]["ons_code"] for f in spec["layers"][1]["data"]["features"]}
    assert len(outlined) == len(GREATER_MANCHESTER)
    view = spec["initialViewState"]
    assert 53.3 < view["latitude"] < 53.7 and -2.6 < view["longitude"] < -2.0
    assert 8 <= view["zoom"] <= 11
    names = spec["layers"][3]
    assert names["@@type"] == "TextLayer" and names["pickable"] is False
    assert names["getColor"] == maps.LABEL_TEXT and names["background"] is True
    assert names["getBackgroundColor"][:3] == [255, 255, 255]  # dark text on a light box
    labelled = {row["name"]: row for row in names["data"]}
    assert set(GREATER_MANCHESTER.values()) <= set(labelled)  # every GM LA, with neighbours
    manchester = labelled["Manchester"]
    assert 53.34 < manchester["lat"] < 53.55 and -2.33 < manchester["lon"] < -2.14


def test_choropleth_payload_is_small_offline_and_outlines_gm(store: Store, gm_primary) -> None:  # type: ignore[no-untyped-def]
    _, bounds, codes = gm_primary
    table = conc.la_indicators(store, "primary", "2018/19").with_columns(
        pl.col("pct_fsm").alias("value"), pl.lit("x").alias("tip")
    )
    low, high = maps.value_range(table["value"].to_list())
    deck = maps.choropleth_deck(table, bounds, codes, ["E08000003"], low, high)
    payload = deck.to_json()
    assert len(payload.encode()) < maps.MAX_PAYLOAD
    _offline(payload)
    spec = json.loads(payload)
    las = spec["layers"][0]["data"]["features"]
    assert len(las) == 152
    assert (
        spec["layers"][1]["id"] == "gm-outline" and len(spec["layers"][1]["data"]["features"]) == 10
    )
    assert spec["layers"][1]["getLineColor"] == maps.GM_LINE
    assert spec["layers"][2]["id"] == "selected-outline"  # drawn over GM's outline
    assert spec["layers"][2]["getLineColor"] == maps.SELECTED_LINE
    manchester = next(f for f in las if f["properties"]["ons_code"] == "E08000003")
    value = table.filter(pl.col("ons_code") == "E08000003")["value"][0]
    assert manchester["properties"]["c"] == maps.sequential_colour(value, low, high)


def test_static_twins_render_offline_with_vl_convert(store: Store, gm_primary) -> None:  # type: ignore[no-untyped-def]
    schools, bounds, codes = gm_primary
    manchester = schools.filter(pl.col("la_code") == "352")
    chart = map_twins.school_map_chart(manchester, bounds, ["E08000003"], title="Manchester")
    spec = chart.to_dict()
    assert spec["projection"]["type"] == "mercator"
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    assert svg.count("<path") > 100  # outlines and one circle per school
    names = {row["name"] for row in spec["datasets"]["names"]}
    assert "Manchester" in names  # only names whose point is inside the fitted box
    texts = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text"]
    assert [t["mark"].get("stroke") for t in texts] == ["#FFFFFF", None]  # halo, then text
    assert ">Manchester</text>" in svg

    table = conc.la_indicators(store, "primary", "2018/19").with_columns(
        pl.col("gorard").alias("value")
    )
    choropleth = map_twins.choropleth_chart(table, bounds, codes, title="Gorard", value_title="GS")
    spec = choropleth.to_dict()
    assert spec["projection"]["type"] == "mercator"
    assert len(json.dumps(spec)) < maps.MAX_PAYLOAD
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    assert svg.count("<path") >= 152
