"""The School trends school picker, kept in the URL: the chosen URN lives in the `school`
query parameter so a copied link reopens the same school; a URN in a link that is not loaded
(or belongs to another LA or phase) is explained rather than silently replaced."""

from __future__ import annotations

import re

import streamlit as st

from components import data, urlstate
from components.filters import Filters
from components.text import (
    plain,
)
from equity.analysis import school_trends as analysis

URL_KEY = "school"


URL_GROUP = "trends"  # urlstate's name for this page's link values


CONTEXT_KEY = "trends_school_context"


URN_PATTERN = re.compile(r"^\d{5,7}$")


def picker_key(filters: Filters) -> str:
    return f"trends_school_{filters.la_code}_{filters.phase}"


def _sync_url(key: str) -> None:
    """The chosen school goes into the URL (and out of it when cleared)."""
    urlstate.write(URL_GROUP, {URL_KEY: st.session_state.get(key)})


def school_picker(filters: Filters) -> str | None:
    """A searchable selectbox of the area's schools with results; the URL seeds it."""
    options = data.cached(analysis.school_options, filters.members, filters.phase)
    key = picker_key(filters)
    context = (filters.la_code, filters.phase)
    url = urlstate.get(URL_KEY)
    previous = st.session_state.get(CONTEXT_KEY)
    st.session_state[CONTEXT_KEY] = context
    last = urlstate.seen(URL_GROUP)
    if previous is not None and previous != context and last is not None and url == last[URL_KEY]:
        # The user moved to another authority or phase: the old school no longer applies.
        urlstate.write(URL_GROUP, {URL_KEY: None})
        url = ""
    labels = {urn: f"{name} (URN {urn})" for urn, name in options.select("urn", "name").iter_rows()}
    if urlstate.incoming(URL_GROUP, (URL_KEY,)) is not None and url in labels:
        st.session_state[key] = url  # a link from outside: used once
    if url and url not in labels:
        st.warning(_unknown_urn(filters, str(url)), icon=":material/link_off:")
    if options.is_empty():
        return None
    choice = st.selectbox(
        f"School ({len(labels)} with {filters.key_stage.upper()} results loaded)",
        list(labels),
        index=None,
        format_func=lambda urn: labels.get(urn, urn),
        placeholder="Type a school name or URN",
        key=key,
        on_change=_sync_url,
        args=(key,),
        help="Schools with at least one published headline result in the loaded files.",
    )
    return choice


def _unknown_urn(filters: Filters, raw: str) -> str:
    if not URN_PATTERN.match(raw):
        return "The link's school is not a URN (a school's unique reference number, 6 digits)."
    found = data.cached(analysis.find_school, raw)
    stage = filters.key_stage.upper()
    if found is None:
        return (
            f"No school with URN {raw} is in the loaded files. Check the number, or load its "
            "LA's performance tables on the Data and methods page."
        )
    name = plain(found["name"])
    if found["la_code"] not in filters.members:
        return (
            f"URN {raw} is {name}, in {plain(found['la_name'])}: choose that authority in the "
            "sidebar to see its results."
        )
    other = ", ".join(s.upper() for s in found["key_stages"]) or "no"
    return (
        f"URN {raw} is {name}, which has {other} results loaded but no published {stage} "
        "headline result: choose the other phase in the sidebar."
    )


def has_schools(filters: Filters) -> bool:
    return not data.cached(analysis.school_options, filters.members, filters.phase).is_empty()
