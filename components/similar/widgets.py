"""The Similar schools controls: school finder, family size, pool and features, seeded from
the link (components/urlstate.py's rule) and written back to it."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import urlstate
from components.filters import Filters
from components.similar.common import (
    CHOSEN_KEY,
    FEATURE_KEY,
    POOL_KEY,
    SCHOOL_KEY,
    SIZE_KEY,
    SIZE_MAX,
    SIZE_MIN,
    URL_GROUP,
    URL_KEYS,
    Choice,
)
from components.similar.link import Parsed, link_options, parse_choice
from equity.analysis import similar
from equity.metrics.families import FamilyError
from equity.schema import GREATER_MANCHESTER


def _seed(parsed: Parsed, shown: list[str]) -> None:
    """First draw on this page: the widgets start from the link."""
    choice = parsed.choice
    st.session_state[SCHOOL_KEY] = choice.urn
    st.session_state[SIZE_KEY] = choice.size
    st.session_state[POOL_KEY] = choice.pool
    st.session_state[CHOSEN_KEY] = parsed.pool_given
    for key in shown:
        st.session_state[FEATURE_KEY + key] = key in choice.features


def controls(selection: Filters, context: similar.Context) -> Choice | None:
    """School finder, family size, pool and features; None when there is no school."""
    params = urlstate.values(URL_KEYS)
    from_link = urlstate.incoming(URL_GROUP, URL_KEYS) is not None
    parsed = parse_choice(context, selection, params)
    if parsed is None:
        st.info(
            f"No state-funded {selection.phase} schools for {selection.la_label} in the "
            "January 2019 school census, so there is no school to find a family for."
        )
        return None
    schools = parsed.schools
    urns = schools["urn"].to_list()
    labels = {
        u: f"{n} (URN {u})" + (f", {la}" if selection.is_group else "")
        for u, n, _, la in schools.iter_rows()
    }
    first = SCHOOL_KEY not in st.session_state or from_link
    if not first and st.session_state[SCHOOL_KEY] not in labels:
        st.session_state[SCHOOL_KEY] = parsed.default
    if first:
        have = similar.available_features(context, parsed.choice.urn)
        _seed(parsed, [k for k in similar.FEATURES if k in have])
        for problem, fallback in parsed.problems:
            st.warning(f"{problem}, so {fallback}.", icon=":material/link_off:")
    urn = str(
        st.selectbox(
            "Find a school: type part of its name or URN",
            urns,
            format_func=lambda u: labels.get(u, u),
            key=SCHOOL_KEY,
            help=f"The {len(urns)} state-funded {selection.phase} schools of "
            f"{selection.la_label} in the January 2019 census.",
        )
    )
    name, la_code = schools.filter(pl.col("urn") == urn).select("name", "la_code").row(0)
    have = similar.available_features(context, urn)
    shown = [k for k in similar.FEATURES if k in have or similar.FEATURES[k].source == "census"]
    if not st.session_state.get(CHOSEN_KEY):
        st.session_state[POOL_KEY] = "gm" if la_code in GREATER_MANCHESTER else "la"
    left, right = st.columns([1, 2])
    size = int(
        left.slider(
            "Family size",
            SIZE_MIN,
            SIZE_MAX,
            key=SIZE_KEY,
            help="How many of the most similar schools to show (20 is the usual family).",
        )
    )
    pool = str(
        right.radio(
            "Find similar schools among",
            list(similar.POOLS),
            format_func=lambda p: similar.POOLS[p],
            key=POOL_KEY,
            horizontal=True,
            on_change=lambda: st.session_state.update({CHOSEN_KEY: True}),
        )
    )
    st.markdown("**Compare schools on** (untick a feature to see the family change)")
    for column, key in zip(st.columns(len(shown)), shown, strict=True):
        state = FEATURE_KEY + key
        if key not in have:
            st.session_state[state] = False
        elif state not in st.session_state:
            st.session_state[state] = key in similar.DEFAULT_FEATURES
        column.checkbox(
            similar.FEATURES[key].short[:1].upper() + similar.FEATURES[key].short[1:],
            key=state,
            disabled=key not in have,
            help=similar.FEATURES[key].label
            + ("" if key in have else ": no published value for this school."),
        )
    features = tuple(k for k in shown if st.session_state.get(FEATURE_KEY + k))
    choice = Choice(urn, name, la_code, size, pool, features)
    urlstate.write(URL_GROUP, dict(link_options(choice)))
    return choice


def family(context: similar.Context, choice: Choice) -> similar.FamilyResult | None:
    if not choice.features:
        st.warning("Tick at least one feature: a family needs something to compare on.")
        return None
    try:
        return similar.family_for(context, choice.urn, choice.pool, choice.features, choice.size)
    except FamilyError as error:
        st.warning(f"No family can be formed: {error}.")
        return None
