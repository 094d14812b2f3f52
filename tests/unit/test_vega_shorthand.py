"""components.vega parses "field:type" shorthands itself: always as Altair parses them."""

from __future__ import annotations

from typing import Any

import pytest
from altair.utils import core as alt_core
from hypothesis import example, given, settings
from hypothesis import strategies as st

from components import vega

TYPES = ["Q", "O", "N", "T", "G", "quantitative", "ordinal", "nominal", "temporal", "geojson"]
#: Letters that make a shorthand something other than a plain typed field.
TRICKY = [*":()\\ \n.,-_", "mean", "sum", "count", "year", "month", "yearmonth"]


def _altair(shorthand: str) -> dict[str, Any] | type[Exception]:
    try:
        return alt_core.parse_shorthand(shorthand, data=None)
    except Exception as exc:  # noqa: BLE001 - the kind of failure is compared
        return type(exc)


def _ours(shorthand: str) -> dict[str, Any] | type[Exception]:
    vega._PARSED.clear()  # the parse itself, not a remembered answer
    try:
        return vega._parse_shorthand(shorthand, None)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@pytest.mark.parametrize(
    ("shorthand", "expected"),
    [
        ("pupils:Q", {"field": "pupils", "type": "quantitative"}),
        ("academic_year:ordinal", {"field": "academic_year", "type": "ordinal"}),
        ("Pct ever FSM:N", {"field": "Pct ever FSM", "type": "nominal"}),
        ("mean(value):Q", {"aggregate": "mean", "field": "value", "type": "quantitative"}),
        ("year(date):O", {"timeUnit": "year", "field": "date", "type": "ordinal"}),
        ("count():Q", {"aggregate": "count", "type": "quantitative"}),
    ],
)
def test_hand_checked_shorthands(shorthand: str, expected: dict[str, Any]) -> None:
    assert _ours(shorthand) == expected == _altair(shorthand)


def test_the_fast_form_is_taken_without_altair(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> dict[str, Any]:
        raise AssertionError("Altair's parser was called")

    monkeypatch.setattr(vega.alt_core, "parse_shorthand", refuse)
    assert _ours("gap:Q") == {"field": "gap", "type": "quantitative"}
    assert _ours("mean(gap):Q") is AssertionError  # anything else still goes to Altair


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(TRICKY + TYPES), st.text(min_size=1, max_size=3)),
        min_size=1,
        max_size=6,
    ).map("".join),
    st.one_of(st.none(), st.sampled_from(TYPES)),
)
@example("a:b:Q", None)
@example("a\\:b", "Q")
def test_same_answer_as_altair(body: str, kind: str | None) -> None:
    shorthand = body if kind is None else f"{body}:{kind}"
    assert _ours(shorthand) == _altair(shorthand)
