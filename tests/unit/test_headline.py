"""equity/headline.py: the row-labelling rule every comparison table and ranking shares."""

from __future__ import annotations

import polars as pl

from equity.headline import GM_MEAN_LABEL, area_role

#: Manchester (352), Bolton (350, another GM LA), Surrey (936, outside GM), England, the
#: North West (981) and the GM mean.
ENTITIES = ["352", "350", "936", "970", "981", GM_MEAN_LABEL]


def roles(la_code: str, region: str | None, **kwargs: str) -> list[str]:
    frame = pl.DataFrame({"entity": ENTITIES})
    return frame.select(area_role(la_code, region, **kwargs).alias("role"))["role"].to_list()


def test_one_la_is_selected_beside_its_comparators() -> None:
    assert roles("352", "981") == ["selected", "gm_la", "other_la", "england", "region", "gm_mean"]


def test_an_la_outside_gm_makes_the_gm_las_context() -> None:
    assert roles("936", None) == ["gm_la", "gm_la", "selected", "england", "other_la", "gm_mean"]


def test_the_gm_group_selects_its_ten_las_unless_the_caller_names_them_gm_las() -> None:
    assert roles("GM", None)[:3] == ["selected", "selected", "other_la"]
    assert roles("GM", None, group_members="gm_la")[:3] == ["gm_la", "gm_la", "other_la"]
