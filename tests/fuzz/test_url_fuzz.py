"""Hypothesis writes the URL: random la/phase/group/year/school/story values never crash a
page, and a bad global filter value is reported in a notice and replaced by the default.

Each example opens app.py in Streamlit's AppTest with the parameters (the notices are drawn
on that first run), then switches to a page drawn from app.PAGES; no run may raise.
`school`, `story`, `family_size`, `present` and `slide` belong to single pages, so for them
the property is only "no exception" (their notices are checked by the page tests). (AppTest
cannot open a non-default page on its first run: Streamlit treats the app as a v1 multipage
app until app.py has called st.navigation, see the e2e test
`test_deep_link_on_a_fresh_server`.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from components.text import quoted
from equity.queries import la_catalogue, years_available
from equity.schema import FILTER_PUPIL_GROUPS, GM_GROUP_CODE, PHASE_LABELS, parse_academic_year
from equity.store import USER_STORE_ENV, Store, default_store_path
from tests.browser.conftest import PAGE_LIST
from tests.pages.conftest import APP

pytestmark = pytest.mark.fuzz

GLOBAL = ("la", "phase", "group", "year")
STORE = Store.open(default_store_path())
LA_CODES = sorted(la_catalogue(STORE)["la_code"].to_list())
YEARS = years_available(STORE, None)

TRICKY = [
    "",
    " ",
    "GM",
    "gm",
    " 352 ",
    "352",
    "999",
    "E08000003",
    "\uff13\uff15\uff12",  # 352 in full-width digits
    "2018-19",
    "2018/19",
    "201819",
    "2018-2020",
    "1899-00",
    "secondary",
    "SECONDARY",
    "disadvantaged",
    "<script>alert(1)</script>",
    "[link](https://example.invalid)",
    "**bold** _it_ `code`",
    "'; DROP TABLE results; --",
    "../../etc/passwd",
    "%00",
    "\x00",
    "\u202e352",
    "9" * 60,
    "²",  # str.isdigit() says yes, int() says no
    "\u0663\u0665\u0662",  # 352 in Arabic-Indic digits: int() reads it
    "+352",
    "-1",
    "0352",
    "00",
    "9" * 5_000,  # past int()'s 4,300-digit limit
    "1" * 10_000,
    "a" * 500,
    "null",
    "None",
    "NaN",
]
#: Numbers as a link may write them: signs, leading zeros, Unicode digits, huge lengths.
numbers = st.one_of(
    st.integers().map(lambda n: f"{n:+d}"),
    st.integers(0, 10**6).map(lambda n: "0" * 3 + str(n)),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=8),
    st.integers(1, 10_000).map(lambda n: "9" * n),
)
value = st.one_of(
    st.sampled_from(TRICKY),
    numbers,
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(LA_CODES + YEARS + list(PHASE_LABELS) + list(FILTER_PUPIL_GROUPS)),
)
params_strategy = st.dictionaries(
    st.sampled_from([*GLOBAL, "school", "story", "family_size", "present", "slide"]),
    value,
    min_size=1,
    max_size=6,
)


def is_valid(name: str, raw: str) -> bool:
    """The filters' contract: the value (trimmed) is one of the options."""
    text = raw.strip()
    if name == "la":
        return text.upper() == GM_GROUP_CODE or text in LA_CODES
    if name == "phase":
        return text in PHASE_LABELS
    if name == "group":
        return text in FILTER_PUPIL_GROUPS
    try:
        return parse_academic_year(text) in YEARS
    except ValueError:
        return False


@pytest.fixture(scope="module", autouse=True)
def scratch_user_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """AppTest runs in this process: keep it off the developer's real user store."""
    previous = os.environ.get(USER_STORE_ENV)
    path = tmp_path_factory.mktemp("user-store")
    os.environ[USER_STORE_ENV] = str(path)
    yield path
    if previous is None:
        os.environ.pop(USER_STORE_ENV, None)
    else:
        os.environ[USER_STORE_ENV] = previous


@settings(
    max_examples=int(os.environ.get("EQUITY_URL_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
@given(params=params_strategy, page_index=st.integers(0, len(PAGE_LIST) - 1))
def test_random_url_parameters_never_raise(params: dict[str, str], page_index: int) -> None:
    page = PAGE_LIST[page_index]
    app = AppTest.from_file(APP, default_timeout=120)
    for key, text in params.items():
        app.query_params[key] = text
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    notices = [w.value for w in app.warning] + [i.value for i in app.info]
    if not page.default:
        app.switch_page(page.path)
        app.run()
        assert not app.exception, (page.path, [e.value for e in app.exception])
    for name in GLOBAL:
        raw = params.get(name)
        if raw is None or raw == "" or is_valid(name, raw):
            continue
        assert any(name in n and quoted(raw) in n for n in notices), (
            f"no notice for {name}={raw!r} on {page.path}: {notices}"
        )
    for name in GLOBAL:
        in_url = app.query_params.get(name)
        shown = in_url[0] if isinstance(in_url, list) else in_url
        assert shown, f"{name} missing from the URL after the run"
        given_value = params.get(name)
        if given_value and not is_valid(name, given_value):
            assert shown != given_value, f"the invalid {name}={given_value!r} stayed in the URL"
