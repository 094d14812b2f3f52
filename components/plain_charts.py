"""The Overview's comparison chart drawn from Vega-Lite JSON written here, without Altair.

Why (issue 16, cold start): importing Altair is about 0.3 s of CPU, and the Overview's
first chart, the default page's, is the first thing a fresh server draws. So that chart's
on-page spec is written directly as the JSON Altair would compile it to
(`group_bars_page_spec`), and Altair is imported only when something needs the chart as an
Altair object: an image export, a story slide, another page. `PlainChart` is that chart:
on the page it gives `page_spec()`; anywhere else it is the Altair chart that
`charts.group_bars` builds, made on first use (a `views.DeferredChart`).

The spec must be the one `vega.spec` gives of the Altair chart as the panel draws it
(chart_panel.on_page and fit_width): tests/pages/test_vega_specs.py checks every Overview
chart the pages draw against that route, key order included, and
tests/unit/test_plain_charts.py checks hand-made frames (negative values, one group,
no rows). A change to `charts.group_bars` must be made here too; those tests fail until
it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from components import vega_arrow, views
from components.theme import BASE_FONT, GROUP_COLOURS, TEXT, theme_config
from equity.schema import PUPIL_GROUP_LABELS

if TYPE_CHECKING:
    from components.charts import AnyChart

#: altair.vegalite.v6.schema.SCHEMA_URL (tests/unit/test_plain_charts.py checks it).
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
#: charts.LABEL_SIZE, LABEL_GAP, LABEL_ROOM, SCREEN_BAR (the same test checks them).
LABEL_SIZE = "label_size"
LABEL_GAP = 4
LABEL_ROOM = 0.15
SCREEN_BAR = 23


class PlainChart(views.DeferredChart):
    """A chart whose on-page spec is written without Altair; as an Altair chart (exports,
    slides, `views.built`) it is `make(*args, **kwargs)`, made on first use."""

    def __init__(
        self, page_spec: Callable[[], dict[str, Any]], make: Any, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(make, *args, **kwargs)
        self._write_spec: Callable[[], dict[str, Any]] | None = page_spec
        self._page_spec: dict[str, Any] | None = None

    def page_spec(self) -> dict[str, Any]:
        """The spec the panel draws (no title, width fitted), datasets as inline rows;
        written on first use (a story lists slides without drawing them)."""
        if self._page_spec is None:
            assert self._write_spec is not None
            self._page_spec, self._write_spec = self._write_spec(), None
        return self._page_spec


def _altair_group_bars(frame: pl.DataFrame, **kwargs: Any) -> AnyChart:
    from components import charts

    return charts.group_bars(frame, **kwargs)


def group_bars(
    frame: pl.DataFrame, *, title: str, value_title: str, area_order: list[str], decimals: int = 1
) -> AnyChart:
    """`charts.group_bars(frame, ...)` as a PlainChart (see the module's docstring)."""
    kwargs: dict[str, Any] = {
        "title": title,
        "value_title": value_title,
        "area_order": area_order,
        "decimals": decimals,
    }

    def page_spec() -> dict[str, Any]:
        return group_bars_page_spec(
            frame, value_title=value_title, area_order=area_order, decimals=decimals
        )

    return PlainChart(page_spec, _altair_group_bars, frame, **kwargs)  # type: ignore[return-value]


def label_room(values: list[float]) -> list[float]:
    """charts.label_room of a frame with these values."""
    low, high = min([0.0, *values]), max([0.0, *values])
    if low == high:
        return [0.0, 1.0]
    room = LABEL_ROOM * (high - low)
    return [low - room if low < 0 else 0.0, high + room if high > 0 else 0.0]


def group_bars_page_spec(
    frame: pl.DataFrame, *, value_title: str, area_order: list[str], decimals: int = 1
) -> dict[str, Any]:
    """What `vega.spec(fit_width(on_page(view)))` gives for `charts.group_bars(frame, ...)`
    drawn by chart_panel.render: the same dict, keys in the same order."""
    # Plain rows (a few dozen): one read of the frame, where three polars steps on a frame
    # this small cost ~0.2 ms each (components/overview.py says why that matters).
    rows = [
        {**row, "pupils": PUPIL_GROUP_LABELS.get(row["group"], row["group"])}
        for row in frame.to_dicts()
    ]
    present = {row["group"] for row in rows}
    groups = [g for g in ("disadvantaged", "other", "all") if g in present]
    labels = [PUPIL_GROUP_LABELS[g] for g in groups]
    room = label_room([float(row["value"]) for row in rows if row["value"] is not None])
    fmt = f".{decimals}f"
    tooltip = [
        {"field": "area", "title": "Area", "type": "nominal"},
        {"field": "pupils", "title": "Pupils", "type": "nominal"},
        {"field": "value", "format": fmt, "title": value_title, "type": "quantitative"},
    ]

    def x() -> dict[str, Any]:
        return {
            "field": "value",
            "scale": {"domain": list(room)},
            "title": value_title,
            "type": "quantitative",
        }

    def y() -> dict[str, Any]:
        return {"field": "area", "sort": list(area_order), "title": None, "type": "nominal"}

    def y_offset() -> dict[str, Any]:
        return {"field": "pupils", "sort": list(labels), "type": "nominal"}

    negative = "datum.value < 0"
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar"},
            "encoding": {
                "color": {
                    "field": "pupils",
                    "legend": {"orient": "bottom"},
                    "scale": {"domain": list(labels), "range": [GROUP_COLOURS[g] for g in groups]},
                    "title": "Pupil group",
                    "type": "nominal",
                },
                "tooltip": [dict(t) for t in tooltip],
                "x": x(),
                "y": y(),
                "yOffset": y_offset(),
            },
        },
        {
            "mark": {
                "type": "text",
                "align": {"expr": f"{negative} ? 'right' : 'left'"},
                "baseline": "middle",
                "dx": {"expr": f"{negative} ? -{LABEL_GAP} : {LABEL_GAP}"},
                "fontSize": {"expr": f"min({LABEL_SIZE}, bandwidth('yOffset') * 0.95)"},
                "opacity": {"expr": "bandwidth('yOffset') * 0.95 < 11 ? 0 : 1"},
            },
            "encoding": {
                "color": {"value": TEXT},
                "text": {"field": "value", "format": fmt, "type": "quantitative"},
                "tooltip": [dict(t) for t in tooltip],
                "x": x(),
                "y": y(),
                "yOffset": y_offset(),
            },
        },
    ]
    if room[0] < 0:  # the zero line bars grow from
        layers.append(
            {
                "mark": {"type": "rule", "color": TEXT, "strokeWidth": 1},
                "encoding": {"x": {"datum": 0}},
                "transform": [{"aggregate": [{"op": "count", "as": "rows"}]}],
            }
        )
    height = max(160, len(groups) * SCREEN_BAR * len(area_order))
    name = _dataset_name(rows)
    spec = theme_config()
    spec.update(
        {
            "layer": layers,
            "autosize": {"contains": "padding", "type": "fit-x"},
            "data": {"name": name},
            "height": height,
            "params": [{"name": LABEL_SIZE, "value": BASE_FONT}],
            "$schema": SCHEMA_URL,
            "datasets": {name: rows},
        }
    )
    return spec


def _dataset_name(rows: list[dict[str, Any]]) -> str:
    """Altair's name for inline rows (altair.vegalite.v6.api._dataset_name)."""
    if rows == [{}]:
        return "empty"
    text = json.dumps(rows, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def draw(
    spec: dict[str, Any], *, height: int | Literal["stretch", "content"] = "content", alt_text: str
) -> None:
    """vega.draw of a spec written here: rows as Arrow written by polars, our theme."""
    st.vega_lite_chart(
        spec=vega_arrow.with_arrow_datasets(spec),
        theme=None,
        width="stretch",
        height=height,
        alt=alt_text,
    )
