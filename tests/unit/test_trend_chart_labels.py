"""The series-break labels of a trend chart: neighbouring years' labels on separate lines.

Drawn by Vega itself (vl-convert, offline), so the test reads where each label lands, not
how the spec asks for it: one text layer per kind of label moves each line down by `dy`,
where one layer per line set `y`, and the lines must still be one label step apart."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import pytest
import vl_convert as vlc

from components import trend_chart as tc
from components import vega

YEARS = [f"{start}/{str(start + 1)[2:]}" for start in range(2015, 2025)]
#: KS4 Attainment 8 over 2015/16-2024/25: a break (9-1 GCSEs) and three flagged years
#: side by side, so all three label lines are used (rows 0, 1, 2, then 0 again).
LABEL_ROWS = {
    "9-1 GCSEs": 0,
    "Centre-assessed grades": 1,
    "Teacher-assessed grades": 2,
    "Transitional grading": 0,
}
TEXT = re.compile(r'<text[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*>([^<]*)</text>')


def _chart(presentation: bool) -> Any:
    frame = pl.DataFrame(
        {"academic_year": YEARS, "series": ["Bolton"] * 10, "value": [40.0 + i for i in range(10)]}
    )
    return tc.trend_chart(
        frame,
        title="Bolton",
        value_title="Attainment 8",
        key_stage="ks4",
        measure="ks4_attainment8",
        colours={"Bolton": "#000000"},
        years=YEARS,
        presentation=presentation,
    )


def _label_heights(chart: Any) -> dict[str, float]:
    spec = vega.spec(chart)
    spec["datasets"] = {
        name: pl.read_ipc_stream(payload).to_dicts() for name, payload in spec["datasets"].items()
    }
    spec["width"] = 800
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    return {text: float(y) for _x, y, text in TEXT.findall(svg) if text in LABEL_ROWS}


@pytest.mark.parametrize("presentation", [False, True])
def test_break_labels_sit_one_label_step_apart_per_line(presentation: bool) -> None:
    assert tc.break_marks("ks4", "ks4_attainment8", YEARS)["row"].to_list() == list(
        LABEL_ROWS.values()
    )
    heights = _label_heights(_chart(presentation))
    assert set(heights) == set(LABEL_ROWS)  # every label drawn
    step = tc._label_step(presentation)
    top = heights["9-1 GCSEs"]
    for label, row in LABEL_ROWS.items():
        assert heights[label] == pytest.approx(top + row * step, abs=0.5), label


def test_one_text_layer_per_kind_of_label() -> None:
    layers = _chart(False).layer
    texts = [layer for layer in layers if layer.mark["type"] == "text"]
    assert len(texts) == 2
