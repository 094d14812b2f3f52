"""The School trends school picker, kept in the URL: the chosen URN lives in the `school`
query parameter so a copied link reopens the same school; a URN in a link that is not loaded
(or belongs to another LA or phase) is explained rather than silently replaced."""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from components import data, urlstate
from components.filters import Filters
from components.text import (
    plain,
)
from equity.analysis import intake_trends
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


def school_options(filters: Filters) -> dict[str, str]:
    """URN -> label of every school the page can follow: the area's state-funded schools of
    the phase in any loaded census, and any school with performance-table results.

    One dict per store, area and phase shared by every session (`data.shared`: only read),
    so a rerun neither rebuilds nor copies it."""
    return data.shared(intake_trends.school_labels, filters.members, filters.phase)


def school_picker(filters: Filters) -> str | None:
    """A searchable selectbox of the area's schools; the URL seeds it, and without a link
    it opens on the area's school with the longest census and destinations series
    (intake_trends.default_trend_school), so the page shows a school at once."""
    labels = school_options(filters)
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
    if urlstate.incoming(URL_GROUP, (URL_KEY,)) is not None and url in labels:
        st.session_state[key] = url  # a link from outside: used once
    if url and url not in labels:
        st.warning(_unknown_urn(filters, str(url)), icon=":material/link_off:")
    if not labels:
        return None
    if st.session_state.get(key) not in labels:
        default = data.cached(intake_trends.default_trend_school, filters.members, filters.phase)
        st.session_state[key] = default if default in labels else next(iter(labels))
    choice = st.selectbox(
        f"School ({len(labels)} {filters.phase} schools in the census or with results)",
        list(labels),
        format_func=lambda urn: labels.get(urn, urn),
        placeholder="Type a school name or URN",
        key=key,
        on_change=_sync_url,
        args=(key,),
        help="State-funded schools of the phase in any loaded January census, and schools "
        "with published performance-table results. Without a link the page opens on the "
        "school with the longest census and destinations series.",
    )
    return None if choice is None else str(choice)


def _unknown_urn(filters: Filters, raw: str) -> str:
    if not URN_PATTERN.match(raw):
        return "The link's school is not a URN (a school's unique reference number, 6 digits)."
    found = data.cached(analysis.find_school, raw)
    stage = filters.key_stage.upper()
    if found is None:
        return (
            f"No school with URN {raw} is in the loaded files, so the area's default school "
            "is shown. Check the number, or load its "
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


def _results(filters: Filters) -> pl.DataFrame:
    """The area's schools with results (`school_trends.school_options`), one frame per store,
    area and phase that every caller only reads (`data.shared`: no copy per call)."""
    return data.shared(analysis.school_options, filters.members, filters.phase)


def has_schools(filters: Filters) -> bool:
    return not _results(filters).is_empty()


def has_results(filters: Filters, urn: str) -> bool:
    """Has this school performance-table results of the phase loaded?"""
    return urn in set(_results(filters)["urn"].to_list())
