"""The Similar schools controls: school finder, family size, pool and features, seeded from
the link (components/urlstate.py's rule) and written back to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import streamlit as st

from components import sections, urlstate
from components.filters import Filters
from components.similar.common import (
    CENSUS_KEY,
    CHOSEN_KEY,
    FEATURE_KEY,
    KEPT_FEATURE_KEY,
    KEPT_WEIGHT_KEY,
    MIX_KEY,
    POOL_KEY,
    SCHOOL_KEY,
    SIZE_KEY,
    SIZES,
    URL_GROUP,
    URL_KEYS,
    WEIGHT_KEY,
    Choice,
    census_label,
    census_options,
    weights_sentence,
)
from components.similar.link import (
    Parsed,
    link_options,
    parse_census,
    parse_choice,
    parse_weights,
)
from equity.analysis import similar
from equity.metrics.families import FamilyError
from equity.schema import GREATER_MANCHESTER

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


def _seed(parsed: Parsed, shown: list[str]) -> None:
    """First draw on this page: the widgets start from the link."""
    choice = parsed.choice
    st.session_state[SCHOOL_KEY] = choice.urn
    st.session_state[SIZE_KEY] = choice.size
    st.session_state[POOL_KEY] = choice.pool
    st.session_state[CHOSEN_KEY] = parsed.pool_given
    st.session_state[MIX_KEY] = choice.mix_kinds
    weights = choice.weight_map()
    for key in shown:
        st.session_state[KEPT_FEATURE_KEY + key] = key in choice.features
        st.session_state[KEPT_WEIGHT_KEY + key] = float(
            weights.get(key, similar.DEFAULT_WEIGHTS.get(key, 1.0))
        )
    given, _ = parse_weights(urlstate.get("weights"))
    for key, weight in given.items():  # a weight for a feature not ticked is kept too
        if key in shown:
            st.session_state[KEPT_WEIGHT_KEY + key] = weight


CENSUS_LINK_KEY = "similar_census_link"


def census_picker() -> str | None:
    """Which January census the family is built from (default the newest), seeded from
    the link's `census` value when it is new to this session; a bad value is a notice."""
    options = census_options()
    if not options:
        return None
    raw = urlstate.get("census")
    if CENSUS_KEY not in st.session_state or (raw and raw != st.session_state.get(CENSUS_LINK_KEY)):
        st.session_state[CENSUS_LINK_KEY] = raw
        year, problem = parse_census(raw)
        if problem:
            st.warning(f"{problem[0]}, so {problem[1]}.", icon=":material/link_off:")
        st.session_state[CENSUS_KEY] = year
    if st.session_state.get(CENSUS_KEY) not in options:
        st.session_state[CENSUS_KEY] = options[0]
    return str(
        st.selectbox(
            "Build the family from the school census of",
            options,
            format_func=census_label,
            key=CENSUS_KEY,
            help="The January census whose % ever-FSM, % EAL, % SEN and pupils on roll "
            "describe each school's intake (the newest by default).",
        )
    )


#: Features side by side: seven in one row left each ~120 px at 1400 px, and a label such
#: as "% disadvantaged in the tested cohort" broke in the middle of its words.
FEATURES_PER_ROW: Final = 4


def _feature_columns(count: int) -> list[DeltaGenerator]:
    """`count` columns, FEATURES_PER_ROW to a row (a short last row keeps the same widths)."""
    columns: list[DeltaGenerator] = []
    for start in range(0, count, FEATURES_PER_ROW):
        columns.extend(st.columns(FEATURES_PER_ROW)[: count - start])
    return columns


def controls(selection: Filters, context: similar.Context, census: str) -> Choice | None:
    """School finder, family size, pool, features and their weights; None when there is no
    school."""
    params = urlstate.values(URL_KEYS)
    from_link = urlstate.incoming(URL_GROUP, URL_KEYS) is not None
    first = SCHOOL_KEY not in st.session_state or from_link
    parsed = parse_choice(context, selection, params, census=census, link=from_link)
    if parsed is None:
        st.info(
            f"No state-funded {selection.phase} schools for {selection.la_label} in the "
            f"{census_label(census)} school census, so there is no school to find a family "
            "for."
        )
        return None
    schools = parsed.schools
    urns = schools["urn"].to_list()
    labels = {
        u: f"{n} (URN {u})" + (f", {la}" if selection.is_group else "")
        for u, n, _, la in schools.iter_rows()
    }
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
            f"{selection.la_label} in the {census_label(census)} census.",
        )
    )
    row = similar.school_row(context, urn)
    assert row is not None  # the selectbox offers the context's schools only
    name, la_code = row["name"], row["la_code"]
    have = similar.available_features(context, urn)
    shown = [k for k in similar.FEATURES if k in have or similar.FEATURES[k].source == "census"]
    if not st.session_state.get(CHOSEN_KEY):
        st.session_state[POOL_KEY] = "gm" if la_code in GREATER_MANCHESTER else "la"
    left, right = st.columns([1, 2])
    # A drop-down, not a slider: Streamlit's browser code mounts a slider through a lazy
    # component, which showed a loading placeholder and cost an extra render on every
    # tab's first visit here (~50-70 ms of the first screen); the drop-down's code is the
    # sidebar's, already in place. Type a number to jump to it.
    size = int(
        left.selectbox(
            "Family size",
            SIZES,
            format_func=lambda n: f"{n} schools",
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
    for key in shown:
        kept = KEPT_FEATURE_KEY + key
        if key not in have:
            st.session_state[kept] = False
        elif kept not in st.session_state:
            st.session_state[kept] = key in similar.DEFAULT_FEATURES
        if KEPT_WEIGHT_KEY + key not in st.session_state:
            st.session_state[KEPT_WEIGHT_KEY + key] = float(similar.DEFAULT_WEIGHTS.get(key, 1.0))
    features = tuple(k for k in shown if st.session_state[KEPT_FEATURE_KEY + k])
    weights = tuple((k, float(st.session_state[KEPT_WEIGHT_KEY + k])) for k in features)
    compared = weights_sentence(dict(weights)) if weights else "no feature yet"
    st.markdown(
        f"**Compared on** {compared} (a weight is how much one standard deviation of a "
        "feature counts in the distance; size starts at half so it never outweighs "
        "disadvantage)."
    )
    _feature_editor(shown, have)
    mix = False
    if selection.phase == "primary":
        mine = similar.PRIMARY_KINDS.get(str(row.get("primary_kind")), "primary schools")
        mix = bool(
            st.checkbox(
                "Mix infant, junior, all-through and full primary schools in one family",
                key=MIX_KEY,
                help=f"Off: this school is compared only with other {mine}, since schools "
                "serving other age ranges have different intakes and results. Infant schools "
                "are those named so or with no KS2 results in the loaded files.",
            )
        )
    choice = Choice(urn, name, la_code, size, pool, features, weights, census, mix)
    urlstate.write(URL_GROUP, dict(link_options(choice)))
    return choice


#: Session-state key of the "Change the features and weights" expander (True while open).
EDITOR_KEY = "similar_features_open"


def _feature_editor(shown: list[str], have: Sequence[str]) -> None:
    """A tick and a weight for each feature, drawn only while their expander is open.

    Why lazy: fourteen inputs filled the first screen above the family they shape, and a
    new tab's first drawing of them was ~150 ms of a first visit (issue 16). The ticks and
    weights live in plain session state (KEPT_*), so they hold while the inputs are not
    drawn; each input starts from them and writes back to them when changed."""
    sections.on_request(
        "Change the features and their weights", EDITOR_KEY, lambda: _feature_inputs(shown, have)
    )


def _feature_inputs(shown: list[str], have: Sequence[str]) -> None:
    st.markdown(
        "Untick a feature to see the family change; a weight of 0 ignores a feature and "
        "2 counts it twice."
    )
    for column, key in zip(_feature_columns(len(shown)), shown, strict=True):
        ticked = bool(st.session_state[KEPT_FEATURE_KEY + key])
        st.session_state[FEATURE_KEY + key] = ticked
        label = similar.FEATURES[key].short[:1].upper() + similar.FEATURES[key].short[1:]
        column.checkbox(
            label,
            key=FEATURE_KEY + key,
            disabled=key not in have,
            help=similar.FEATURES[key].label
            + ("" if key in have else ": no published value for this school."),
            on_change=_keep,
            args=(FEATURE_KEY + key, KEPT_FEATURE_KEY + key),
        )
        st.session_state[WEIGHT_KEY + key] = st.session_state[KEPT_WEIGHT_KEY + key]
        column.number_input(
            f"Weight of {similar.FEATURES[key].short}",
            min_value=0.0,
            max_value=similar.WEIGHT_MAX,
            step=0.25,
            key=WEIGHT_KEY + key,
            disabled=key not in have or not ticked,
            help="How much one standard deviation of this feature counts in the distance.",
            on_change=_keep,
            args=(WEIGHT_KEY + key, KEPT_WEIGHT_KEY + key),
        )


def _keep(widget_key: str, kept_key: str) -> None:
    """An input's new value, kept where it outlives the input (see _feature_editor)."""
    st.session_state[kept_key] = st.session_state[widget_key]


def family(context: similar.Context, choice: Choice) -> similar.FamilyResult | None:
    if not choice.features:
        st.warning("Tick at least one feature: a family needs something to compare on.")
        return None
    try:
        return similar.family_for(
            context,
            choice.urn,
            choice.pool,
            choice.features,
            choice.size,
            choice.weight_map(),
            choice.mix_kinds,
        )
    except FamilyError as error:
        st.warning(f"No family can be formed: {error}.")
        return None
