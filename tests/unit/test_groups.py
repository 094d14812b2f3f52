"""What a figure shows when the filter asks for a group or year it does not have
(equity/analysis/groups.py)."""

from __future__ import annotations

from equity.analysis import groups
from equity.schema import FILTER_PUPIL_GROUPS, GREATER_MANCHESTER
from equity.store import Store


def test_names_in_running_text() -> None:
    assert groups.names(["boys"]) == "boys"
    assert groups.names(["disadvantaged", "other"]) == (
        "disadvantaged and other (non-disadvantaged) pupils"
    )
    assert groups.names(["boys", "girls"]) == "boys and girls"
    assert all(g in groups.GROUP_NOUNS for g in FILTER_PUPIL_GROUPS)


def test_group_note_only_when_the_figure_does_not_follow() -> None:
    assert groups.group_note("disadvantaged", ("disadvantaged", "other"), "x") is None
    note = groups.group_note(
        "boys",
        ("disadvantaged", "other"),
        "DfE publishes these LA figures only by disadvantage",
        offer=("disadvantaged", "other", "all"),
    )
    assert note == (
        "Shows disadvantaged and other (non-disadvantaged) pupils, not boys: DfE publishes "
        "these LA figures only by disadvantage. Choose “Disadvantaged pupils”, “Other "
        "(non-disadvantaged) pupils” or “All pupils” in the sidebar to match."
    )


def test_year_note() -> None:
    assert groups.year_note("2018/19", "2018/19", "x") is None
    assert groups.year_note("2024/25", "2018/19", "School census figures") == (
        "School census figures are for 2018/19, the nearest year loaded to 2024/25 (the sidebar)."
    )


def test_published_groups_and_years_in_the_embedded_store(embedded_store: Store) -> None:
    # LAIT gives Manchester's Attainment 8 by disadvantage and free school meals only;
    # Hampshire's performance-table LA rows (2016/17 and 2017/18) add boys, girls and more.
    manchester = groups.published_groups(embedded_store, ["352"], "ks4_attainment8", "2018/19")
    assert manchester == {"all", "disadvantaged", "other", "fsm", "not_fsm"}
    hampshire = groups.published_groups(embedded_store, ["850"], "ks4_attainment8", "2017/18")
    assert {"boys", "girls", "disadvantaged"} <= hampshire
    years = groups.published_years(embedded_store, list(GREATER_MANCHESTER), ["ks4_attainment8"])
    assert years[0] == "2015/16" and years[-1] == "2024/25"
