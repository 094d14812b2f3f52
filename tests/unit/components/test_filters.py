"""components/filters.py: the one place a Filters is made."""

from __future__ import annotations

from components.filters import selection
from equity.schema import GM_GROUP_CODE, GM_GROUP_LABEL, GREATER_MANCHESTER


def test_the_gm_group_is_expanded_to_its_ten_members() -> None:
    chosen = selection(GM_GROUP_CODE, "secondary", "disadvantaged", "2018/19", "ignored")
    assert chosen.is_group
    assert chosen.la_label == GM_GROUP_LABEL
    assert chosen.members == tuple(GREATER_MANCHESTER) and len(chosen.members) == 10
    assert chosen.area_name == "Greater Manchester"
    assert chosen.key_stage == "ks4"


def test_a_single_la_is_its_own_member_and_named_as_given() -> None:
    chosen = selection("352", "primary", "fsm", "2017/18", "Manchester")
    assert not chosen.is_group
    assert chosen.members == ("352",)
    assert chosen.la_label == chosen.area_name == "Manchester"
    assert chosen.key_stage == "ks2"
    assert chosen.slug() == "manchester-ks2-2017-18"
