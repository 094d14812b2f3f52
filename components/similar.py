"""The Similar schools page's pieces: find a school, form its family, show how it compares.

State lives in the URL (school, family_size, pool, features) beside the global filters,
so a head can bookmark "my school and its family". The link's values seed the widgets when
they are first drawn or when the link is new to the session (components/urlstate.py's one
rule); after that the widgets own the state and write it back. A bad value in a link is
reported and replaced by the default, never raised.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import altair as alt
import polars as pl
import streamlit as st

from components import chart_view, data, urlstate, views
from components.charts import AnyChart, finish, mark
from components.filters import Filters
from components.tables import csv_bytes, human_size, status_text
from components.text import ordinal, plain, plural, quoted
from components.theme import GROUP_COLOURS, ROLE_COLOURS
from equity.analysis import similar
from equity.metrics.families import FamilyError
from equity.metrics.odds import OddsError, OddsFit
from equity.schema import GREATER_MANCHESTER, PUPIL_GROUP_LABELS

SIZE_MIN, SIZE_MAX, SIZE_DEFAULT = 5, 50, 20
SMALL_COHORT = similar.SMALL_COHORT
_SCHOOL, _SIZE, _POOL, _CHOSEN = "similar_school", "similar_size", "similar_pool", "similar_pooled"
URL_KEYS = ("school", "family_size", "pool", "features")
URL_GROUP = "similar"  # urlstate's name for this page's link values
_FEATURE = "similar_feature_"
CHOSEN_COLOUR = ROLE_COLOURS["selected"]
THIS_SCHOOL = "(this school)"
DEFAULT_SCHOOL_TEXT = "the area's largest school with published results is shown"
#: Streamlit fits the whole chart (title, axes, legend) into the height a spec declares, so
#: each builder adds this much to the height its rows need.
DECORATION = 170
FAMILY_COLOUR = ROLE_COLOURS["other_la"]
ROW_LABELS = {"reading": "Reading", "writing": "Writing", "maths": "Maths"}
SOURCES = {
    "school_census": "DfE school census, January {year} (england_census.csv)",
    "ks4_provisional": "DfE KS4 provisional results {year} (england_ks4provisional.csv)",
    "ks4_destinations": "DfE KS4 destination measures (published 2019) for pupils who "
    "finished KS4 in {year} (england_ks4-pupdest.csv)",
    "school_locations": "DfE KS2 final results {year} (england_ks2final.csv)",
    "performance": "DfE performance tables {year}, split by disadvantage (Hampshire and Surrey "
    "files)",
}


@dataclass(frozen=True)
class Choice:
    urn: str
    name: str
    la_code: str
    size: int
    pool: str
    features: tuple[str, ...]


def _source(context: similar.Context, kind: str) -> str:
    year = context.years.get(kind, "")
    if kind == "school_census" and year:
        year = f"20{year[-2:]}"
    return SOURCES[kind].format(year=year)


def load_context(selection: Filters) -> similar.Context:
    """Every school's context for the phase and year, held once per store version and
    shared, not copied, per rerun (data.shared): it is only read, and unpickling some
    25,000 rows on every rerun cost more than the page's own work on it."""
    return data.shared(similar.context_table, selection.phase, selection.year)


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Parsed:
    choice: Choice
    #: (what was wrong with a value, what is used instead), for each bad value.
    problems: tuple[tuple[str, str], ...]
    pool_given: bool
    #: The authority's schools (similar.school_options) and the one a page opens on, worked
    #: out once per rerun for the link and the widgets alike.
    schools: pl.DataFrame
    default: str


def _options(choice: Choice) -> tuple[tuple[str, str], ...]:
    """The choice as plain strings: URL parameters and view-reference options alike."""
    return (
        ("school", choice.urn),
        ("family_size", str(choice.size)),
        ("pool", choice.pool),
        ("features", ",".join(choice.features)),
    )


def _unknown_school(wanted: str, context: similar.Context, selection: Filters) -> str:
    known = data.get_store().schools().filter(pl.col("urn") == wanted)
    if known.is_empty():
        return f"The link's school {quoted(wanted, 20)} is not a URN in the loaded data"
    name, la_code, phase = known.select("name", "la_code", "phase").row(0)
    return (
        f"The link's school {wanted} ({plain(name or 'unnamed')}, LA {la_code}, {phase}) is not a "
        f"state-funded {context.phase} school in {selection.la_label}; change the Authority "
        "or Phase filter to see it"
    )


def parse_choice(
    context: similar.Context, selection: Filters, params: Mapping[str, str]
) -> Parsed | None:
    """A choice from plain strings (a link or a story reference), defaults where absent or
    bad; None when the authority has no school of the phase."""
    schools = similar.school_options(context, selection.members)
    if schools.is_empty():
        return None
    problems: list[tuple[str, str]] = []
    urns = schools["urn"].to_list()
    default = similar.default_school(context, selection.members, schools) or urns[0]
    urn = str(params.get("school") or default).strip()
    if urn not in urns:
        problems.append((_unknown_school(urn, context, selection), DEFAULT_SCHOOL_TEXT))
        urn = default
    name, la_code = schools.filter(pl.col("urn") == urn).select("name", "la_code").row(0)
    size_text = str(params.get("family_size") or SIZE_DEFAULT).strip()
    size = urlstate.whole_number(size_text, SIZE_MIN, SIZE_MAX)
    if size is None:
        problems.append(
            (
                f"The link's family size {quoted(size_text, 12)} must be a whole number from "
                f"{SIZE_MIN} to {SIZE_MAX}",
                f"{SIZE_DEFAULT} is used",
            )
        )
        size = SIZE_DEFAULT
    pool = str(params.get("pool") or "").strip()
    pool_given = pool in similar.POOLS
    if pool and not pool_given:
        problems.append(
            (
                f"The link's pool {quoted(pool, 20)} is not one of la, gm, england",
                "the default is used",
            )
        )
    if not pool_given:
        pool = "gm" if la_code in GREATER_MANCHESTER else "la"
    have = similar.available_features(context, urn)
    features, feature_problems = _link_features(str(params.get("features") or ""), have)
    problems.extend(feature_problems)
    choice = Choice(urn, name, la_code, size, pool, features)
    return Parsed(choice, tuple(problems), pool_given, schools, default)


def _link_features(
    text: str, have: tuple[str, ...]
) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """The features a link asks for: unknown and unavailable ones dropped with a notice; the
    defaults when none is left (or none was given)."""
    listed = list(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    problems: list[tuple[str, str]] = []
    unknown = [plain(f[:20]) for f in listed if f not in similar.FEATURES]
    if unknown:
        problems.append(
            (
                f"The link's {plural(len(unknown), 'feature', article=False)} "
                f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not known here "
                f"(known: {', '.join(similar.FEATURES)})",
                f"{'it is' if len(unknown) == 1 else 'they are'} dropped",
            )
        )
    unavailable = [f for f in listed if f in similar.FEATURES and f not in have]
    if unavailable:
        problems.append(
            (
                f"The link's {plural(len(unavailable), 'feature', article=False)} "
                f"{', '.join(unavailable)} {'has' if len(unavailable) == 1 else 'have'} no "
                f"value for this school (available: {', '.join(have)})",
                f"{'it is' if len(unavailable) == 1 else 'they are'} left out",
            )
        )
    kept = tuple(f for f in similar.FEATURES if f in listed and f in have)
    if listed and not kept:
        defaults = tuple(f for f in similar.FEATURES if f in similar.DEFAULT_FEATURES and f in have)
        shorts = ", ".join(similar.FEATURES[f].short for f in defaults)
        problems.append(
            ("None of the link's features can be used", f"the default features ({shorts}) are used")
        )
        return defaults, problems
    if not listed:
        kept = tuple(f for f in similar.FEATURES if f in similar.DEFAULT_FEATURES and f in have)
    return kept, problems


def _seed(parsed: Parsed, shown: list[str]) -> None:
    """First draw on this page: the widgets start from the link."""
    choice = parsed.choice
    st.session_state[_SCHOOL] = choice.urn
    st.session_state[_SIZE] = choice.size
    st.session_state[_POOL] = choice.pool
    st.session_state[_CHOSEN] = parsed.pool_given
    for key in shown:
        st.session_state[_FEATURE + key] = key in choice.features


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
    first = _SCHOOL not in st.session_state or from_link
    if not first and st.session_state[_SCHOOL] not in labels:
        st.session_state[_SCHOOL] = parsed.default
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
            key=_SCHOOL,
            help=f"The {len(urns)} state-funded {selection.phase} schools of "
            f"{selection.la_label} in the January 2019 census.",
        )
    )
    name, la_code = schools.filter(pl.col("urn") == urn).select("name", "la_code").row(0)
    have = similar.available_features(context, urn)
    shown = [k for k in similar.FEATURES if k in have or similar.FEATURES[k].source == "census"]
    if not st.session_state.get(_CHOSEN):
        st.session_state[_POOL] = "gm" if la_code in GREATER_MANCHESTER else "la"
    left, right = st.columns([1, 2])
    size = int(
        left.slider(
            "Family size",
            SIZE_MIN,
            SIZE_MAX,
            key=_SIZE,
            help="How many of the most similar schools to show (20 is the usual family).",
        )
    )
    pool = str(
        right.radio(
            "Find similar schools among",
            list(similar.POOLS),
            format_func=lambda p: similar.POOLS[p],
            key=_POOL,
            horizontal=True,
            on_change=lambda: st.session_state.update({_CHOSEN: True}),
        )
    )
    st.markdown("**Compare schools on** (untick a feature to see the family change)")
    for column, key in zip(st.columns(len(shown)), shown, strict=True):
        state = _FEATURE + key
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
    features = tuple(k for k in shown if st.session_state.get(_FEATURE + k))
    choice = Choice(urn, name, la_code, size, pool, features)
    urlstate.write(URL_GROUP, dict(_options(choice)))
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


# --------------------------------------------------------------------------- the family


def summary(result: similar.FamilyResult, choice: Choice) -> None:
    fam = result.family
    got = fam.members.height
    labels = ", ".join(similar.FEATURES[f].short for f in fam.features)
    st.markdown(
        f"**{plain(choice.name)}** and the **{got} most similar "
        f"{'school' if got == 1 else 'schools'}** among "
        f"{plain(_pool_phrase(result, result.candidates))}, compared on {labels}."
    )
    if got < choice.size:
        others = "other school" if got == 1 else "other schools"
        st.info(
            f"Only {got} {others} {_pool_where(result)} {'has' if got == 1 else 'have'} every "
            f"chosen feature, so the family has {got} rather than {choice.size}. Widen the pool "
            "to find more."
        )
    counts = fam.exclusion_counts()
    if counts:
        reasons = "; ".join(
            f"{plural(n, 'school')} with no {similar.FEATURES[f].short}" for f, n in counts.items()
        )
        n_out = fam.excluded.height
        st.caption(
            f"{plural(n_out, 'school')} of the pool could not be placed and "
            f"{'is' if n_out == 1 else 'are'} left out: {reasons}. Performance-table features "
            "exist only where those files are loaded."
        )


def _pool_where(result: similar.FamilyResult) -> str:
    """'in Surrey (936)', 'in Greater Manchester (10 LAs)', 'loaded across England'."""
    return "loaded across England" if result.pool == "england" else f"in {result.pool_label}"


def _pool_phrase(result: similar.FamilyResult, n: int) -> str:
    """'3,448 schools loaded across England', '54 schools in Surrey (936)'."""
    return f"{plural(n, 'school')} {_pool_where(result)}"


def _family_display(result: similar.FamilyResult) -> pl.DataFrame:
    """The family (chosen school excluded) with the reason each is similar."""
    fam = result.family
    chosen = fam.chosen.row(0, named=True)
    diffs = pl.concat_list(
        [(pl.col(f"z_{f}") - chosen[f"z_{f}"]).abs() for f in fam.features]
    ).list.arg_max()
    members = result.table.filter(pl.col("role") == "family").with_columns(diffs.alias("__far"))
    far = []
    for index, row in zip(members["__far"].to_list(), members.iter_rows(named=True), strict=True):
        key = fam.features[index]
        far.append(
            f"{similar.FEATURES[key].short}: {_number(row[key], key)} "
            f"vs {_number(chosen[key], key)}"
        )
    return members.select(
        pl.col("rank").alias("Rank"),
        pl.col("name").alias("School"),
        pl.col("la_name").alias("LA"),
        pl.col("distance").round(2).alias("Distance"),
        pl.Series("Least alike on", far),
        *(pl.col(f).alias(_heading(f, chosen[f])) for f in fam.features),
        pl.col("urn").alias("URN"),
    )


def _heading(feature: str, yours: float) -> str:
    """'% ever-FSM (yours 43.7)': the chosen school's value beside every member's."""
    short = similar.FEATURES[feature].short
    return f"{short[:1].upper()}{short[1:]} (yours {_number(yours, feature)})"


def _number(value: float, feature: str) -> str:
    return f"{value:,.{similar.FEATURES[feature].decimals}f}"


def why_similar(result: similar.FamilyResult, choice: Choice, selection: Filters) -> None:
    st.header("Why these schools are similar", anchor=False)
    fam = result.family
    chosen = fam.chosen.row(0, named=True)
    yours = "; ".join(f"{similar.FEATURES[f].short} {_number(chosen[f], f)}" for f in fam.features)
    st.markdown(f"**{plain(choice.name)}**: {yours}.")
    st.caption(
        "Distance: how far apart two schools are once every feature is put on the same scale "
        "(standard deviations across the pool); 0 would be identical. 'Least alike on' names "
        "the feature on which each school differs most from yours."
    )
    table = _family_display(result)
    st.dataframe(table.to_pandas(), hide_index=True, width="stretch", key="similar-family")
    payload = csv_bytes(download_table(result, selection.phase))
    st.download_button(
        f"Download the family as CSV ({human_size(len(payload))})",
        data=payload,
        file_name=f"family-{choice.urn}-{choice.pool}-{selection.phase}.csv",
        mime="text/csv",
        key="similar-family-csv",
        on_click="ignore",
    )


def download_table(result: similar.FamilyResult, phase: str) -> pl.DataFrame:
    """Chosen school first, then the family: context, z-scores, distance, outcomes as text."""
    fam = result.family
    base = result.table.select(
        "role",
        "rank",
        "urn",
        "name",
        "la_code",
        "la_name",
        pl.col("distance").round(4),
        *fam.features,
        *(pl.col(f"z_{f}").round(4) for f in fam.features),
    )
    table = result.table
    return base.with_columns(  # one step for every outcome column, in the same order
        pl.Series(
            f"{outcome.key}_{group}",
            _status_texts(table[column], table[f"{column}_status"], outcome.decimals),
        )
        for outcome in similar.OUTCOMES[phase]
        for group, column in outcome.columns.items()
    )


# --------------------------------------------------------------------------- charts


def _dot_chart(frame: pl.DataFrame, title: str, value_title: str) -> AnyChart:
    """Each family school a dot per pupil group; the chosen school a larger blue diamond."""
    roles = ["Family school", "This school"]
    groups = frame["pupils"].n_unique()
    # One constructor (as in charts.group_bars): chained calls copy and re-validate. Mark,
    # scales and legend as plain Vega-Lite JSON (see charts.mark): checked once, in to_dict.
    chart = alt.Chart(
        frame.to_pandas(),
        mark=mark("point", filled=True, opacity=0.85),
        encoding=alt.FacetedEncoding(
            x=alt.X("value:Q", title=value_title, scale={"zero": False}),
            y=alt.Y("pupils:N", title=None),
            color=alt.Color(
                "role:N",
                title=None,
                scale={"domain": roles, "range": [FAMILY_COLOUR, CHOSEN_COLOUR]},
                legend={"orient": "bottom"},
            ),
            shape=alt.Shape(
                "role:N", scale={"domain": roles, "range": ["circle", "diamond"]}, legend=None
            ),
            size=alt.Size("role:N", scale={"domain": roles, "range": [90, 360]}, legend=None),
            tooltip=[
                alt.Tooltip("school:N", title="School"),
                alt.Tooltip("pupils:N", title="Pupils"),
                alt.Tooltip("value:Q", title=value_title),
            ],
        ),
        height=DECORATION + 60 * groups,
    )
    return finish(chart, title)


def _place(ranked: pl.DataFrame, decimals: int) -> str:
    """'53.7, 2nd of 19 with a figure (family median 41.2)' or why there is no figure.

    Read from the ranked rows in Python: a family is ~20 rows, too few for polars filters
    (three per outcome and group) to pay for themselves."""
    rows = ranked.rows(named=True)
    mine = next(r for r in rows if r["role"] == "chosen")
    published = [r for r in rows if r["value"] is not None]
    values = [float(r["value"]) for r in published if r["role"] == "family"]
    median = f" (family median {statistics.median(values):.{decimals}f})" if values else ""
    if mine["value"] is None:
        return f"{status_text(None, mine['status'])}{median}"
    return (
        f"{mine['value']:.{decimals}f}, {ordinal(int(mine['position']))} of "
        f"{len(published)} with a figure{median}"
    )


def outcome_views(
    result: similar.FamilyResult, context: similar.Context, choice: Choice, selection: Filters
) -> list[chart_view.ChartView]:
    built = []
    for outcome in similar.outcomes_with_data(result, context.phase):
        parts, rows, tables = [], [], []
        for group in outcome.columns:
            ranked = similar.ranked_for(result, outcome, group)
            label = ROW_LABELS.get(group) or PUPIL_GROUP_LABELS[group]
            parts.append(f"{label.lower()} {_place(ranked, outcome.decimals)}")
            drawn = ranked.filter(pl.col("value").is_not_null())
            rows.append(
                drawn.select(
                    pl.col("name").alias("school"),
                    pl.lit(label).alias("pupils"),
                    pl.col("value").round(outcome.decimals),
                    pl.when(pl.col("role") == "chosen")
                    .then(pl.lit("This school"))
                    .otherwise(pl.lit("Family school"))
                    .alias("role"),
                )
            )
            tables.append(_ranked_table(ranked, label, outcome.decimals))
        year = context.years.get(outcome.kind, "")
        title = f"{outcome.label}: {choice.name} in its family, {year}"
        caveats = ["Each dot is one school of the family; the diamond is this school."]
        if outcome.kind == "ks4_destinations":
            caveats.append(
                f"Destinations describe pupils who finished KS4 in {year} (in education or work "
                "in the following year): an older cohort than the 2019 census context."
            )
        if outcome.kind in ("ks4_provisional", "school_locations"):
            caveats.append("All pupils only: this file has no split by disadvantage.")
        if "disadvantaged" in outcome.columns:
            caveats.append(
                f"Cohorts of fewer than {SMALL_COHORT} pupils are flagged in the data table; "
                "suppressed figures are listed as 'suppressed', never estimated."
            )
        built.append(
            chart_view.ChartView(
                view_id=f"similar-{outcome.key}",
                title=title,
                takeaway=f"{choice.name}: " + "; ".join(parts) + ".",
                source=_source(context, outcome.kind) + ".",
                chart=_dot_chart(pl.concat(rows), title, outcome.label),
                table=pl.concat(tables),
                file_stem=f"family-{choice.urn}-{outcome.key}-{selection.phase}",
                caveats=tuple(caveats),
                options=_options(choice),
            )
        )
    return built


def _flag(condition: pl.Expr, text: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(text)).otherwise(pl.lit(""))


def _status_texts(values: pl.Series, statuses: pl.Series, decimals: int) -> list[str]:
    """Each cell as a reader should see it (tables.status_text), from the two columns."""
    return [
        status_text(v, s, decimals)
        for v, s in zip(values.to_list(), statuses.to_list(), strict=True)
    ]


def _ranked_table(ranked: pl.DataFrame, label: str, decimals: int) -> pl.DataFrame:
    return ranked.select(
        pl.col("position").alias("Position in family"),
        pl.col("name").alias("School"),
        pl.col("la_name").alias("LA"),
        pl.lit(label).alias("Pupils"),
        pl.Series("Result", _status_texts(ranked["value"], ranked["status"], decimals)),
        pl.col("pupils").cast(pl.Int64).alias("Cohort"),
        _flag(pl.col("small_cohort"), f"fewer than {SMALL_COHORT} pupils").alias("Small cohort"),
        _flag(pl.col("role") == "chosen", "this school").alias("Note"),
    )


# --------------------------------------------------------------------------- who to visit


def best_for_disadvantaged(
    result: similar.FamilyResult, context: similar.Context, choice: Choice
) -> None:
    """The family ranked on the first outcome split by disadvantage: the schools to visit."""
    outcome = next(
        (
            o
            for o in similar.outcomes_with_data(result, context.phase)
            if "disadvantaged" in o.columns
        ),
        None,
    )
    st.header("Which family schools do best for disadvantaged pupils", anchor=False)
    if outcome is None:
        stage = "KS2" if context.phase == "primary" else "KS4"
        if choice.la_code in similar.areas_with_results_by_disadvantage(context):
            reason = (
                f"None of this family's schools has a published {stage} result split by "
                f"disadvantage for {context.year}"
                + (": infant schools have no KS2 results" if stage == "KS2" else "")
                + ", and small cohorts' figures are suppressed."
            )
        else:
            reason = _not_loaded_text(context, choice) + (
                " Load more DfE downloads on the Data page."
                if context.phase == "primary"
                else " Load KS4 performance tables or destination measures on the Data page."
            )
        st.info(reason)
        return
    dis = similar.ranked_for(result, outcome, "disadvantaged")
    other = similar.ranked_for(result, outcome, "other").select(
        "urn", pl.col("value").alias("other"), pl.col("status").alias("other_status")
    )
    table = dis.join(other, on="urn", how="left", maintain_order="left")
    visit = table.filter(
        (pl.col("role") == "family")
        & pl.col("value").is_not_null()
        & ~pl.col("small_cohort")
        & pl.col("pupils").is_not_null()
    ).head(3)
    d = outcome.decimals
    year = context.years.get(outcome.kind, "")
    if visit.height:
        names = "; ".join(
            f"{n} ({v:.{d}f}, {int(p)} disadvantaged pupils)"
            for n, v, p in visit.select("name", "value", "pupils").iter_rows()
        )
        st.markdown(f"**Worth a visit** on {outcome.label} ({year}): {plain(names)}.")
    texts = {
        name: _status_texts(table[value], table[status], d)
        for name, value, status in (
            ("Disadvantaged", "value", "status"),
            ("Other pupils", "other", "other_status"),
        )
    }
    shown = table.select(
        pl.col("position").alias("Position"),
        pl.col("name").alias("School"),
        pl.col("la_name").alias("LA"),
        *(pl.Series(name, values) for name, values in texts.items()),
        (pl.col("other") - pl.col("value")).round(d).alias("Gap (other minus disadvantaged)"),
        pl.col("pupils").cast(pl.Int64).alias("Disadvantaged pupils"),
        _flag(pl.col("small_cohort"), "small cohort").alias("Flag"),
        _flag(pl.col("role") == "chosen", "this school").alias("Note"),
    )
    st.dataframe(shown.to_pandas(), hide_index=True, width="stretch", key="similar-visit")
    st.caption(
        f"{outcome.label}, {year}; source: {_source(context, outcome.kind)}. Small cohort: "
        f"fewer than {SMALL_COHORT} disadvantaged pupils, so one pupil moves the figure a lot "
        "(these are not suggested for a visit)."
    )


# --------------------------------------------------------------------------- beating the odds


def _odds_chart(frame: pl.DataFrame, title: str, unit: str) -> AnyChart:
    order = frame.sort("residual", descending=True)["school"].to_list()
    verdicts = ["Above expectation", "Within the band", "Below expectation"]
    colours = [ROLE_COLOURS["gm_mean"], FAMILY_COLOUR, GROUP_COLOURS["disadvantaged"]]
    data = frame.to_pandas()
    y = alt.Y("school:N", sort=order, title=None)
    residual = alt.X("residual:Q")
    # One constructor per layer (as in charts.group_bars): chained calls copy and re-validate.
    # Marks, scales and legends as plain Vega-Lite JSON (see charts.mark): cheap to copy.
    bands = alt.Chart(
        data,
        mark=mark("rule", strokeWidth=2, color=FAMILY_COLOUR),
        encoding=alt.FacetedEncoding(
            y=y,
            x=alt.X("lower:Q", title=f"Result minus expected ({unit})"),
            x2=alt.X2("upper:Q"),
        ),
    )
    dots = alt.Chart(
        data,
        mark=mark("point", filled=True, size=110),
        encoding=alt.FacetedEncoding(
            y=y,
            x=residual,
            color=alt.Color(
                "verdict:N",
                title=None,
                scale={"domain": verdicts, "range": colours},
                legend={"orient": "bottom"},
            ),
            shape=alt.Shape(
                "verdict:N",
                scale={"domain": verdicts, "range": ["triangle-up", "circle", "triangle-down"]},
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("school:N", title="School"),
                alt.Tooltip("result:Q", title="Result"),
                alt.Tooltip("expected:Q", title="Expected", format=".1f"),
                alt.Tooltip("residual:Q", title="Difference", format="+.1f"),
                alt.Tooltip("cohort:Q", title="Pupils"),
            ],
        ),
    )
    ring = alt.Chart(
        data,
        mark=mark(
            "point", shape="square", size=420, filled=False, strokeWidth=2.5, color=CHOSEN_COLOUR
        ),
        encoding=alt.FacetedEncoding(y=y, x=residual),
        transform=[{"filter": f"indexof(datum.school, '{THIS_SCHOOL}') >= 0"}],
    )
    zero = alt.Chart(
        mark=mark("rule", color="#0B0C0C", strokeDash=[4, 3]),
        encoding=alt.FacetedEncoding(x=alt.XDatum(0)),
    )
    height = DECORATION + max(120, 26 * frame.height)
    return finish(alt.LayerChart(layer=[bands, dots, ring, zero], height=height), title)


def _equation(fit: OddsFit, spec: similar.OddsSpec) -> str:
    terms = [f"{fit.coefficients['intercept']:.1f}"]
    for name in spec.predictors:
        coef = fit.coefficients[name]
        label = similar.ODDS_LABELS.get(name, name)
        terms.append(f"{'+' if coef >= 0 else '−'} {abs(coef):.2f} × {label}")
    return " ".join(terms)


def odds_picker(context: similar.Context, choice: Choice) -> similar.OddsSpec | None:
    """Which expected result to show; explains itself when the school has none."""
    st.header("Beating the odds", anchor=False)
    specs = similar.odds_options(context, choice.urn)
    if not specs:
        if context.phase == "secondary":
            why = "Its outcome may be suppressed or not in the loaded files."
        elif choice.la_code in similar.areas_with_results_by_disadvantage(context):
            why = (
                f"It has no published KS2 result split by disadvantage for {context.year} (an "
                "infant school has no KS2 results; a small cohort's figures are suppressed)."
            )
        else:
            why = _not_loaded_text(context, choice)
        st.info(
            f"There is no expected result for {choice.name}: it needs a published outcome and "
            f"every context measure. {why}"
        )
        return None
    st.markdown(
        "**This is descriptive, not a causal judgement.** A school above its expected result "
        "may be doing something worth learning from, or its context may differ in ways these "
        "few measures miss, or it may be luck with a small cohort."
    )
    labels = {s.key: s.label for s in specs}
    key = st.selectbox(
        "Expected result for", list(labels), format_func=labels.__getitem__, key="similar_odds"
    )
    return next(s for s in specs if s.key == key)


def _not_loaded_text(context: similar.Context, choice: Choice) -> str:
    """Where results split by disadvantage are loaded for the year, when not for this LA."""
    stage = "KS2" if context.phase == "primary" else "KS4"
    codes = similar.areas_with_results_by_disadvantage(context)
    names = (
        context.frame.filter(pl.col("la_code").is_in(list(codes)))
        .select("la_name")
        .unique()
        .sort("la_name")["la_name"]
        .to_list()
    )
    if not names:
        return f"No {stage} results split by disadvantage are loaded for {context.year}."
    where = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    la_name = context.frame.filter(pl.col("urn") == choice.urn)["la_name"][0]
    return (
        f"{stage} results split by disadvantage for {context.year} are loaded only for {where} "
        f"(DfE performance tables), not for {la_name}."
    )


def odds_view(
    context: similar.Context,
    result: similar.FamilyResult,
    choice: Choice,
    spec: similar.OddsSpec,
) -> tuple[chart_view.ChartView, OddsFit]:
    """The family's results against expectation (OddsError when the line cannot be fitted)."""
    fit = _odds_fit(data.store_version(), context.phase, context.year, spec.key, context)
    members = result.table["urn"].to_list()
    part = fit.table.filter(pl.col("urn").is_in(members))
    verdict = (
        pl.when(pl.col("above"))
        .then(pl.lit("Above expectation"))
        .when(pl.col("below"))
        .then(pl.lit("Below expectation"))
        .otherwise(pl.lit("Within the band"))
    )
    # Two schools of a family can share a name (St Peter's, in two LAs): the LA tells them apart.
    name = (
        pl.when(pl.col("name").is_duplicated())
        .then(pl.col("name") + " (" + pl.col("la_name") + ")")
        .otherwise(pl.col("name"))
    )
    drawn = part.select(
        pl.when(pl.col("urn") == choice.urn)
        .then(name + f" {THIS_SCHOOL}")
        .otherwise(name)
        .alias("school"),
        pl.col(spec.outcome).round(1).alias("result"),
        pl.col("expected").round(2),
        pl.col("residual").round(2),
        pl.col("lower").round(2),
        pl.col("upper").round(2),
        pl.col(spec.cohort).cast(pl.Int64).alias("cohort"),
        verdict.alias("verdict"),
    ).sort("residual", descending=True)
    unit = "points" if "Attainment" in spec.label else "percentage points"
    title = f"{spec.label}: result against expectation, {choice.name}'s family"
    caveats = (
        f"Expected = {_equation(fit, spec)}, fitted by least squares across the "
        f"{fit.n_schools:,} loaded schools with the outcome{_fitted_where(fit)}. "
        f"R² {fit.r_squared:.2f}: context accounts for {fit.r_squared:.0%} of the differences "
        "between schools.",
        *_slope_notes(fit),
        "Band: ± 1.96 × σ / √(pupils), σ the per-pupil spread around the line estimated from "
        f"these schools ({fit.pupil_sigma:.1f}); like DfE's Progress 8 intervals it shows "
        "chance with a cohort this size, not every source of uncertainty.",
        "Descriptive, not a causal judgement. Suppressed and unpublished results are left out, "
        "never estimated: " + _excluded_text(fit, spec) + ".",
    )
    source = _source(context, spec.kind)
    if spec.kind != "performance":
        source += "; context: " + _source(context, "school_census")
    takeaway = _odds_takeaway(part, drawn, choice, spec, unit)
    if fit.weak_reasons():
        takeaway = (
            f"Context explains little here (R² {fit.r_squared:.2f}, {fit.n_schools:,} schools), "
            f"so differences from expectation mostly restate the raw results. {takeaway}"
        )
    view = chart_view.ChartView(
        view_id=f"similar-odds-{spec.key}",
        title=title,
        takeaway=takeaway,
        source=source + ".",
        chart=_odds_chart(drawn, title, unit),
        table=drawn,
        file_stem=f"family-{choice.urn}-odds-{spec.key}",
        caveats=caveats,
        options=(*_options(choice), ("odds", spec.key)),
    )
    return view, fit


@st.cache_resource(show_spinner=False, max_entries=32)
def _odds_fit(version: str, phase: str, year: str, key: str, _context: similar.Context) -> OddsFit:
    """similar.odds_for, once per store version, phase, year and outcome: the line is fitted
    across every loaded school, whichever school is chosen, and the fit is only read.
    `_context` (not part of the key: Streamlit skips arguments starting with "_") is the
    context of that phase and year (load_context)."""
    del version, year  # the key, with phase and key: they fix the context and the outcome
    spec = next(s for s in similar.ODDS[phase] if s.key == key)
    return similar.odds_for(_context, spec)


def _fitted_where(fit: OddsFit) -> str:
    """' (Hampshire 181, Surrey 148)' for a few LAs, ' in 150 LAs' for many."""
    if "la_name" not in fit.table.columns:
        return ""
    counts = fit.table.group_by("la_name").len().sort("la_name")
    if counts.height > 4:
        return f" in {counts.height} LAs"
    return " (" + ", ".join(f"{name} {n:,}" for name, n in counts.iter_rows()) + ")"


def _slope_notes(fit: OddsFit) -> tuple[str, ...]:
    """Slopes whose 95% interval spans zero: their sign is not settled by these data."""
    notes = []
    for name in fit.unclear_slopes():
        low, high = fit.slope_interval(name)
        label = similar.ODDS_LABELS.get(name, name)
        notes.append(
            f"The slope on {label} ({fit.coefficients[name]:+.2f}, 95% interval {low:+.2f} to "
            f"{high:+.2f}) cannot be told apart from zero: these data do not settle whether "
            f"results rise or fall with {label} once the other measures are taken into account."
        )
    return tuple(notes)


def weak_fit_notice(fit: OddsFit) -> None:
    """Say plainly when the line explains too little to rank schools on."""
    reasons = fit.weak_reasons()
    if reasons:
        st.warning(
            "**Context explains little of the differences here, so residuals mostly restate "
            f"the raw results**: {'; '.join(reasons)}. Read the chart as the raw results "
            "beside a near-flat expectation; no list of schools 'above expectation' is given.",
            icon=":material/info:",
        )


def _excluded_text(fit: OddsFit, spec: similar.OddsSpec) -> str:
    """'86 schools' result suppressed, 553 no result, ...' from the fit's reason keys."""
    names = {spec.outcome: "result", spec.cohort: "pupil count"} | similar.ODDS_LABELS
    parts = []
    for reason, n in fit.excluded.items():
        has = "has" if n == 1 else "have"
        if reason == f"no {spec.outcome}":
            parts.append(f"{plural(n, 'school')} {has} no such result in the loaded files")
        elif reason.startswith("no "):
            parts.append(f"{plural(n, 'school')} {has} no {names.get(reason[3:], reason[3:])}")
        else:
            status = reason.removeprefix(f"{spec.outcome} ")
            word = "blank in the file" if status == "missing" else status_text(None, status)
            parts.append(f"{plural(n, 'result')} {'is' if n == 1 else 'are'} {word}")
    return ", ".join(parts) or "none"


def odds_section(
    context: similar.Context,
    result: similar.FamilyResult,
    choice: Choice,
    spec: similar.OddsSpec,
) -> tuple[chart_view.ChartView, OddsFit] | None:
    try:
        view, fit = odds_view(context, result, choice, spec)
    except OddsError as error:
        st.info(f"No expected result can be fitted: {error}.")
        return None
    weak_fit_notice(fit)
    return view, fit


def _odds_takeaway(
    part: pl.DataFrame, drawn: pl.DataFrame, choice: Choice, spec: similar.OddsSpec, unit: str
) -> str:
    above = drawn.filter(pl.col("verdict") == "Above expectation").height
    tail = (
        f"{above} of the {drawn.height} schools shown {'is' if above == 1 else 'are'} above "
        "their band."
    )
    mine = part.filter(pl.col("urn") == choice.urn)
    if mine.is_empty():
        return f"{choice.name} has no published {spec.label.lower()}; {tail}"
    row = mine.row(0, named=True)
    judged = (
        "above its band: more than chance with a cohort this size would usually give"
        if row["above"]
        else "below its band"
        if row["below"]
        else "within what chance could give with a cohort this size"
    )
    direction = "above" if row["residual"] >= 0 else "below"
    return (
        f"{choice.name}: {row[spec.outcome]:.1f} against an expected {row['expected']:.1f}, "
        f"{abs(row['residual']):.1f} {unit} {direction} ({judged}); {tail}"
    )


def odds_list(
    context: similar.Context,
    fit: OddsFit,
    spec: similar.OddsSpec,
    result: similar.FamilyResult,
) -> None:
    """Schools of the pool whose whole band is above expectation."""
    pool = similar.pool_frame(context, result.family.school, result.pool)[0]["urn"].to_list()
    members = set(result.table["urn"].to_list())
    above = fit.above().filter(pl.col("urn").is_in(list(pool)))
    st.markdown(f"**Schools {plain(_pool_where(result))} well above their expected result**")
    if fit.weak_reasons():
        st.caption(
            "Not listed: the expectation explains too little of the differences between schools "
            f"(R² {fit.r_squared:.2f}, {fit.n_schools:,} schools), so a school 'above' it would "
            "mostly be a school with high raw results."
        )
        return
    if above.is_empty():
        st.caption(f"None of the pool's schools is above its band on {spec.label.lower()}.")
        return
    st.dataframe(
        above.select(
            pl.col("name").alias("School"),
            pl.col("la_name").alias("LA"),
            pl.col(spec.outcome).round(1).alias("Result"),
            pl.col("expected").round(1).alias("Expected"),
            pl.col("residual").round(1).alias("Difference"),
            pl.col("lower").round(1).alias("Band from"),
            pl.col("upper").round(1).alias("Band to"),
            pl.col(spec.cohort).cast(pl.Int64).alias("Pupils"),
            pl.when(pl.col("urn").is_in(list(members)))
            .then(pl.lit("in the family"))
            .otherwise(pl.lit(""))
            .alias("Family"),
        ).to_pandas(),
        hide_index=True,
        width="stretch",
        key="similar-odds-list",
    )


# --------------------------------------------------------------------------- link and method


def permalink(choice: Choice, selection: Filters) -> None:
    params = {
        "la": selection.la_code,
        "phase": selection.phase,
        "year": selection.year.replace("/", "-"),
        "school": choice.urn,
        "family_size": str(choice.size),
        "pool": choice.pool,
        "features": ",".join(choice.features),
    }
    base = (st.context.url or "").split("?")[0] or "similar"
    st.markdown("**Link to this school and its family** (bookmark or share it):")
    st.code(f"{base}?{urlencode(params, safe=',')}", language=None, wrap_lines=True)


def data_notes(context: similar.Context, selection: Filters) -> None:
    """Say which outcomes exist for this phase and year, and where."""
    perf = sorted(set(context.frame.filter(pl.col("cohort").is_not_null())["la_name"].to_list()))
    stage = "KS4" if context.phase == "secondary" else "KS2"
    lines = [
        "Context for every school: the January 2019 school census.",
        f"{stage} results split by disadvantage for {selection.year}: "
        + (", ".join(perf) if perf else "none loaded")
        + " (DfE performance tables, 2016/17 to 2018/19 for Hampshire and Surrey).",
    ]
    other_years = _other_performance_years(selection, stage.lower())
    if other_years:
        lines.append(
            f"For {selection.la_label}, {stage} results by disadvantage are loaded for "
            f"{', '.join(other_years)}: choose one in the Academic year filter to see them."
        )
    if context.phase == "secondary":
        lines.append(
            "All England: KS4 provisional results 2018/19 (all pupils), and destinations of "
            "disadvantaged and other pupils who finished KS4 in "
            f"{context.years.get('ks4_destinations', 'n/a')}."
        )
    else:
        lines.append(
            "All England: KS2 progress scores 2018/19 for all pupils; primary results by "
            "disadvantage exist only where performance tables are loaded."
        )
    st.caption(" ".join(lines))


def _other_performance_years(selection: Filters, stage: str) -> list[str]:
    """Years other than the selected one with performance tables for the authority."""
    coverage = data.school_level_coverage(data.store_version())
    mine = coverage.filter(
        pl.col("la_code").is_in(list(selection.members))
        & (pl.col("kind") == f"{stage}_performance")
    )
    years = sorted(set(mine["academic_year"].to_list()))
    return [] if selection.year in years else years


METHOD = """
**Who can be in a family.** State-funded mainstream schools of the chosen phase in the
January 2019 school census (special schools, independent schools and schools that had
closed by then are not). The pool is the school's own LA, the ten Greater Manchester LAs,
or every loaded school in England.

**Features.** From the census: % of pupils ever eligible for free school meals in the last
six years, % with English as an additional language, % with special educational needs
and pupils on roll. Where DfE performance tables are loaded (Hampshire and Surrey), the
tested cohort's % disadvantaged, its size and (KS4) its KS2 prior attainment can be added.
A school missing a ticked feature cannot be placed and is left out of the pool (the page
says how many and why); nothing is filled in.

**Similarity.** Each feature is standardised across the pool (z = (value − mean) / standard
deviation), so pupils and percentages weigh the same. The distance between two schools is
the straight-line (Euclidean) distance between their z-scores; the family is the schools
with the smallest distances, ties broken by URN. A school is never in its own family.

**Beating the odds.** An ordinary least-squares line predicts a result from context across
every loaded school of the phase with that result, whichever LA it is in (results split by
disadvantage: every Hampshire and Surrey school where those performance tables are loaded
for the year; all-pupil results and destinations: every school in England). The context is
the tested cohort's % disadvantaged and % EAL, the census % SEN and, at KS4, the cohort's
KS2 prior attainment (KS2 has no published prior attainment here); all-pupil results and
destinations use the census % ever-FSM, % EAL and % SEN. A school's difference from the
line is shown with a band of ± 1.96 × σ / √pupils, where σ is the per-pupil spread
estimated from the same schools, in the way DfE's Progress 8 confidence intervals are
built. When the line explains less than a tenth of the differences between schools
(R² < 0.10), is fitted on fewer than 30 schools, or none of its slopes can be told apart
from zero (slope ± 1.96 standard errors spans 0), the page says so and lists no school as
"above expectation": differences from a near-flat line mostly restate the raw results.
A slope whose interval spans zero is named under the chart. It is descriptive: it says
where to look, not why a school's results differ.

Compare: London Challenge and Greater Manchester Challenge "Families of Schools", DfE's
similar schools (school performance tables) and the EEF Families of Schools database,
which use similar ideas with more measures.
"""


def method() -> None:
    with st.expander("How families are formed"):
        st.markdown(METHOD)


# --------------------------------------------------------------------------- story references


def _views(selection: Filters, options: Mapping[str, str]) -> list[chart_view.ChartView]:
    """This page's charts rebuilt from a reference (a story slide or a shared link)."""
    context = load_context(selection)
    parsed = parse_choice(context, selection, options)
    if parsed is None:
        raise views.ViewError(f"no {selection.phase} schools in {selection.la_label}")
    if parsed.problems:
        raise views.ViewError(parsed.problems[0][0])
    choice = parsed.choice
    try:
        result = similar.family_for(context, choice.urn, choice.pool, choice.features, choice.size)
    except FamilyError as error:
        raise views.ViewError(str(error)) from error
    built = outcome_views(result, context, choice, selection)
    specs = similar.odds_options(context, choice.urn)
    wanted = [s for s in specs if s.key == options.get("odds")] or list(specs[:1])
    for spec in wanted:
        try:
            built.append(odds_view(context, result, choice, spec)[0])
        except OddsError:
            continue
    return built


views.register("similar-", _views)
