"""Similar schools' weights in a link: any text is read without raising, and only plain
numbers from 0 to WEIGHT_MAX for known features are used."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.similar.link import parse_weights, weights_text
from equity.analysis import similar


def test_a_link_round_trips() -> None:
    weights = (("fsm6", 1.0), ("eal", 0.25), ("sen", 0.0), ("pupils", 0.5))
    assert weights_text(weights) == "fsm6:1,eal:0.25,sen:0,pupils:0.5"
    assert parse_weights(weights_text(weights)) == (dict(weights), [])


@pytest.mark.parametrize(
    "text",
    ["fsm6:-1", "fsm6:5.5", "fsm6:1e1", "fsm6:²", "fsm6:0x1", "fsm6:", "fsm6", "fsm6:nan"],
)
def test_anything_but_a_plain_number_in_range_is_a_notice(text: str) -> None:
    found, problems = parse_weights(text)
    assert found == {}
    assert len(problems) == 1 and "must be a number from 0 to 5" in problems[0][0]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_without_raising(text: str) -> None:
    found, problems = parse_weights(text)
    assert set(found) <= set(similar.FEATURES)
    assert all(0.0 <= w <= similar.WEIGHT_MAX for w in found.values())
    assert all(isinstance(p, tuple) and len(p) == 2 for p in problems)
    assert len(problems) <= 2 * len(similar.FEATURES)
