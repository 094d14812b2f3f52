"""components/tiles.py: the headline tiles' markup, and nothing from the data as markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from components import tiles
from tests.pages.conftest import TILE


def test_the_gap_tiles_carry_their_units_in_order() -> None:
    drawn = tiles.gap_tiles(35.84, 49.6, 13.76, None, "ks4_attainment8")
    assert [(t.label, t.value) for t in drawn] == [
        ("Disadvantaged pupils", "35.8 points"),
        ("Other pupils", "49.6 points"),
        ("Gap within the area", "13.8 points"),
        ("Gap to other pupils nationally", "not published"),
    ]
    html = tiles.markup(drawn)
    assert html.startswith('<dl class="equity-tiles">') and html.endswith("</dl>")
    assert TILE.findall(html) == [(t.label, t.value) for t in drawn]


@given(st.text(), st.text())
def test_no_label_or_value_becomes_markup(label: str, value: str) -> None:
    html = tiles.markup([tiles.Tile(label, value)])
    inner = html.removeprefix('<dl class="equity-tiles"><div class="equity-tile"><dt>')
    inner = inner.removesuffix("</dd></div></dl>")
    text_of_label, text_of_value = inner.split("</dt><dd>")
    assert "<" not in text_of_label + text_of_value and ">" not in text_of_label + text_of_value
    assert '"' not in text_of_label + text_of_value
