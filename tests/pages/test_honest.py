"""Every figure says what it is: with a pupil group the page cannot show, the first screen
says which group it shows instead (issue 15)."""

from __future__ import annotations

import pytest

from tests.pages.conftest import run_page

pytestmark = pytest.mark.page

#: Pages whose first screen has figures, and the words that name the group they show.
SHOWN = {
    "pages/overview.py": "Shows disadvantaged and other (non-disadvantaged) pupils, not boys",
    "pages/gaps.py": "Shows disadvantaged and other (non-disadvantaged) pupils, not boys",
    "pages/trends.py": "Shows disadvantaged and other (non-disadvantaged) pupils, not boys",
    "pages/similar.py": "Shows disadvantaged, other (non-disadvantaged) and all pupils, not boys",
    "pages/concentration.py": "every figure here is for ever-FSM pupils",
}


@pytest.mark.parametrize("page", sorted(SHOWN))
def test_with_boys_chosen_the_first_screen_names_the_group_shown(page: str) -> None:
    app = run_page(page=page, params={"group": "boys"})
    notes = [i.value for i in app.info]
    assert any(SHOWN[page] in n for n in notes), notes


@pytest.mark.parametrize("page", sorted(SHOWN))
def test_no_group_notice_when_the_page_follows_the_filter(page: str) -> None:
    app = run_page(page=page, params={"group": "disadvantaged"})
    assert not [i.value for i in app.info if i.value.startswith("Shows ")]
