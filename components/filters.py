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

from components import data, urlstate
from components.text import quoted
from equity.analysis.comparators import latest_published_year
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
#: Only when the store has no published LA figure at all: the default year is otherwise the
#: latest with published LA figures for the phase (`comparators.latest_published_year`,
#: 2024/25 in the embedded data), so the app opens on the newest figures, not 2018/19.
DEFAULT_YEAR = "2018/19"
STATE_KEY = "equity_filters"
READY_KEY = "equity_filters_ready"
URL_GROUP = "filters"  # urlstate's name for the global filters' link values
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


def selection(la_code: str, phase: str, group: str, year: str, la_name: str) -> Filters:
    """The one place a `Filters` is made (the sidebar, and a view reference from a story or
    link): the GM group's label and its ten member LAs are filled in here."""
    is_group = la_code == GM_GROUP_CODE
    return Filters(
        la_code=la_code,
        phase=phase,
        pupil_group=group,
        year=year,
        la_label=GM_GROUP_LABEL if is_group else la_name,
        members=tuple(GREATER_MANCHESTER) if is_group else (la_code,),
    )


def _la_options() -> dict[str, str]:
    """Authority code -> label, the GM group first (the same object every rerun: read only)."""
    return _la_options_for(data.store_version())


@st.cache_resource(show_spinner=False, max_entries=64)
def _la_options_for(version: str) -> dict[str, str]:
    """Made once per store version (the key names a session's private layer once it holds
    data, like every cached answer: data.py), not from the catalogue frame on every rerun."""
    catalogue = data.la_catalogue(version)
    options = {GM_GROUP_CODE: GM_GROUP_LABEL}
    options.update(
        {code: f"{name} ({code})" for code, name in catalogue.select("la_code", "name").iter_rows()}
    )
    return options


def _year_options() -> list[str]:
    return list(_year_options_for(data.store_version()))


@st.cache_resource(show_spinner=False, max_entries=64)
def _year_options_for(version: str) -> tuple[str, ...]:
    """Newest first, once per store version."""
    years = data.years_available(version, None)
    return tuple(sorted(years, reverse=True) or [DEFAULT_YEAR])


def _from_url(link: dict[str, str], name: str, options: list[str], default: str) -> str:
    """The query parameter's value if valid, else the default with a visible notice."""
    raw = link.get(name, "")
    if raw == "":
        return default
    value = raw.strip()
    if name == "year":
        try:
            value = parse_academic_year(value)
        except ValueError:
            value = "?"
    if name == "la" and value.upper() == GM_GROUP_CODE:
        value = GM_GROUP_CODE
    if value in options:
        return value
    urlstate.notice(
        f"The link's {name} {quoted(raw)} is not available here, so the default "
        f"({default}) is shown instead. Choose another in the sidebar."
    )
    return default


def default_year_for(phase: str, years: list[str]) -> str:
    """The latest year with published LA figures for the phase, if the year filter offers
    it; else the newest year offered."""
    latest = data.cached(latest_published_year, phase)
    if latest in years:
        return latest
    return DEFAULT_YEAR if DEFAULT_YEAR in years else years[0]


def _initialise(la_options: dict[str, str], years: list[str]) -> None:
    """Seed the widgets: from the link on the first run of a session and whenever the URL
    holds filter values this session has not seen (urlstate's rule); defaults otherwise."""
    link = urlstate.incoming(URL_GROUP, PARAMS)
    if st.session_state.get(READY_KEY) and link is None:
        return
    link = link or {}
    st.session_state["filter_la"] = _from_url(link, "la", list(la_options), DEFAULT_LA)
    phase = _from_url(link, "phase", list(PHASE_LABELS), DEFAULT_PHASE)
    st.session_state["filter_phase"] = phase
    default_year = default_year_for(phase, years)
    group = _from_url(link, "group", list(FILTER_PUPIL_GROUPS), DEFAULT_GROUP)
    st.session_state["filter_group"] = group
    st.session_state["filter_year"] = _from_url(link, "year", years, default_year)
    st.session_state[READY_KEY] = True


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
    filters = selection(
        la_code,
        phase or DEFAULT_PHASE,
        group or DEFAULT_GROUP,
        year or years[0],
        la_options[la_code].rsplit(" (", 1)[0],
    )
    urlstate.write(
        URL_GROUP,
        {
            "la": filters.la_code,
            "phase": filters.phase,
            "group": filters.pupil_group,
            "year": filters.year.replace("/", "-"),
        },
    )
    st.session_state[STATE_KEY] = filters
    return filters


def show_url_notices() -> None:
    urlstate.show_notices()


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
