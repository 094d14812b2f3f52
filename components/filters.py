"""The global filters: authority, phase, pupil group and year, kept in the URL.

`app.py` draws them once per rerun in the sidebar; every page reads the same `Filters`
through `current()`. Values round-trip through the query string (la, phase, group, year),
so a copied link reopens the same view. A bad value in a link is reported and replaced
by the default rather than raising.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from components import data
from components.text import quoted
from equity.schema import (
    FILTER_PUPIL_GROUPS,
    GM_GROUP_CODE,
    GM_GROUP_LABEL,
    GREATER_MANCHESTER,
    PHASE_LABELS,
    PUPIL_GROUP_LABELS,
    parse_academic_year,
)

DEFAULT_LA = GM_GROUP_CODE
DEFAULT_PHASE = "secondary"
DEFAULT_GROUP = "disadvantaged"
#: The latest year with school-level data for every GM LA (the January 2019 census and
#: the 2018/19 results); LA-level figures run to 2024/25 and the year filter offers them.
DEFAULT_YEAR = "2018/19"
STATE_KEY = "equity_filters"
PARAMS = ("la", "phase", "group", "year")


@dataclass(frozen=True)
class Filters:
    la_code: str
    phase: str
    pupil_group: str
    year: str
    la_label: str = ""
    members: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_group(self) -> bool:
        return self.la_code == GM_GROUP_CODE

    @property
    def key_stage(self) -> str:
        return "ks2" if self.phase == "primary" else "ks4"

    @property
    def area_name(self) -> str:
        """The selection's area as a sentence names it."""
        return "Greater Manchester" if self.is_group else self.la_label

    def slug(self) -> str:
        """For file names: 'manchester-ks4-2018-19'."""
        area = self.la_label.lower().replace(" (10 las)", "").replace(" ", "-")
        return f"{area}-{self.key_stage}-{self.year.replace('/', '-')}"


def _la_options() -> dict[str, str]:
    catalogue = data.la_catalogue(data.store_version())
    options = {GM_GROUP_CODE: GM_GROUP_LABEL}
    options.update(
        {code: f"{name} ({code})" for code, name in catalogue.select("la_code", "name").iter_rows()}
    )
    return options


def _year_options() -> list[str]:
    years = data.years_available(data.store_version(), None)
    return sorted(years, reverse=True) or [DEFAULT_YEAR]


def _from_url(name: str, options: list[str], default: str, normalise: type | None = None) -> str:
    """The query parameter's value if valid, else the default with a visible notice."""
    raw = st.query_params.get(name)
    if raw is None or raw == "":
        return default
    value = str(raw).strip()
    if name == "year":
        try:
            value = parse_academic_year(value)
        except ValueError:
            value = "?"
    if name == "la" and value.upper() == GM_GROUP_CODE:
        value = GM_GROUP_CODE
    if value in options:
        return value
    st.session_state.setdefault("equity_url_notices", []).append(
        f"The link's {name} {quoted(str(raw))} is not available here, so the default "
        f"({default}) is shown instead. Choose another in the sidebar."
    )
    return default


def _initialise(la_options: dict[str, str], years: list[str]) -> None:
    """First run of a session: seed the widgets from the URL."""
    if st.session_state.get("equity_filters_ready"):
        return
    st.session_state["equity_url_notices"] = []
    default_year = DEFAULT_YEAR if DEFAULT_YEAR in years else years[0]
    st.session_state["filter_la"] = _from_url("la", list(la_options), DEFAULT_LA)
    st.session_state["filter_phase"] = _from_url("phase", list(PHASE_LABELS), DEFAULT_PHASE)
    st.session_state["filter_group"] = _from_url("group", list(FILTER_PUPIL_GROUPS), DEFAULT_GROUP)
    st.session_state["filter_year"] = _from_url("year", years, default_year)
    st.session_state["equity_filters_ready"] = True


def render_sidebar() -> Filters:
    """Draw the four filters in the sidebar and return the current selection."""
    la_options = _la_options()
    years = _year_options()
    _initialise(la_options, years)
    with st.sidebar:
        st.markdown("### Filters")
        la_code = st.selectbox(
            "Authority",
            list(la_options),
            format_func=lambda code: la_options.get(code, code),
            key="filter_la",
            help="Any of England's local authorities (152 in 2019; LAs later reorganised, such "
            "as Northamptonshire and Cumbria, keep their own codes for their years), or the "
            "ten Greater Manchester LAs together.",
        )
        phase = st.radio(
            "Phase",
            list(PHASE_LABELS),
            format_func=lambda p: PHASE_LABELS[p],
            key="filter_phase",
        )
        group = st.selectbox(
            "Pupil group",
            list(FILTER_PUPIL_GROUPS),
            format_func=lambda g: PUPIL_GROUP_LABELS[g],
            key="filter_group",
            help="Disadvantaged: eligible for FSM in the last six years, or looked after.",
        )
        year = st.selectbox("Academic year", years, key="filter_year")
    la_code = la_code or DEFAULT_LA
    filters = Filters(
        la_code=la_code,
        phase=phase or DEFAULT_PHASE,
        pupil_group=group or DEFAULT_GROUP,
        year=year or years[0],
        la_label=GM_GROUP_LABEL
        if la_code == GM_GROUP_CODE
        else la_options[la_code].rsplit(" (", 1)[0],
        members=tuple(GREATER_MANCHESTER) if la_code == GM_GROUP_CODE else (la_code,),
    )
    st.query_params.update(
        {
            "la": filters.la_code,
            "phase": filters.phase,
            "group": filters.pupil_group,
            "year": filters.year.replace("/", "-"),
        }
    )
    st.session_state[STATE_KEY] = filters
    return filters


def show_url_notices() -> None:
    for notice in st.session_state.pop("equity_url_notices", []) or []:
        st.warning(notice, icon=":material/link_off:")


def current() -> Filters:
    """The selection `app.py` made this rerun (pages call this, never the widgets)."""
    filters = st.session_state.get(STATE_KEY)
    if not isinstance(filters, Filters):
        _rerun_through_the_router()
        raise RuntimeError("the global filters are drawn by app.py before any page runs")
    return filters


def _rerun_through_the_router() -> None:
    """Recover a shared link opened first after a server start.

    Streamlit treats an app beside a `pages/` folder as an old-style multipage app until
    app.py has called st.navigation once in the server process, so that very first request
    for /<page> runs the page file alone: no router, no filters. Turning the old mode off
    and rerunning runs app.py, which keeps the URL's page and query string.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
