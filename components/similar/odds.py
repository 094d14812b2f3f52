"""Beating the odds: each school's result against the one expected from its context (a
line fitted over the pool), as a chart, a takeaway and a ranked list."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from components import chart_view, data
from components.charts import AnyChart, chart_data, finish, layered, mark, wrapped
from components.similar.common import (
    CHOSEN_COLOUR,
    DECORATION,
    FAMILY_COLOUR,
    THIS_SCHOOL,
    Choice,
    not_loaded_text,
    pool_where,
    source_line,
)
from components.similar.link import link_options
from components.tables import show_table, status_text
from components.text import plain, plural
from components.theme import GROUP_COLOURS, ROLE_COLOURS
from equity import kinds
from equity.analysis import similar
from equity.metrics.odds import OddsError, OddsFit


def _odds_chart(frame: pl.DataFrame, title: str, unit: str) -> AnyChart:
    order = frame.sort("residual", descending=True)["school"].to_list()
    verdicts = ["Above expectation", "Within the band", "Below expectation"]
    colours = [ROLE_COLOURS["gm_mean"], FAMILY_COLOUR, GROUP_COLOURS["disadvantaged"]]
    data = chart_data(frame)
    y = alt.Y("school:N", sort=order, title=None)
    residual = alt.X("residual:Q")
    # One constructor per layer (as in charts.group_bars): chained calls copy and re-validate.
    # Marks, scales and legends as plain Vega-Lite JSON (see charts.mark): cheap to copy.
    bands = alt.Chart(
        data,
        mark=mark("rule", strokeWidth=2, color=FAMILY_COLOUR),
        encoding=alt.FacetedEncoding(
            y=y,
            x=alt.X("lower:Q", title=wrapped(f"Result minus expected ({unit})")),
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
            shape=alt.Shape(  # one legend with the colour (see outcomes._dot_chart)
                "verdict:N",
                title=None,
                scale={"domain": verdicts, "range": ["triangle-up", "circle", "triangle-down"]},
                legend={"orient": "bottom"},
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
    # Room under a two-line axis title (Vega's padding default of 5 px clipped its descenders).
    chart = layered(
        layer=[bands, dots, ring, zero],
        height=height,
        padding={"left": 5, "right": 5, "top": 5, "bottom": 10},
    )
    return finish(chart, title)


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
            why = not_loaded_text(context, choice)
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


def odds_view(
    context: similar.Context,
    result: similar.FamilyResult,
    choice: Choice,
    spec: similar.OddsSpec,
) -> tuple[chart_view.ChartView, OddsFit]:
    """The family's results against expectation (OddsError when the line cannot be fitted)."""
    census = context.years.get(kinds.SCHOOL_CENSUS, "")
    fit = _odds_fit(data.store_version(), context.phase, context.year, census, spec.key, context)
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
    source = source_line(context, spec.kind)
    if spec.kind != "performance":
        source += "; context: " + source_line(context, kinds.SCHOOL_CENSUS)
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
        options=(*link_options(choice), ("odds", spec.key)),
    )
    return view, fit


@st.cache_resource(show_spinner=False, max_entries=32)
def _odds_fit(
    version: str, phase: str, year: str, census: str, key: str, _context: similar.Context
) -> OddsFit:
    """similar.odds_for, once per store version, phase, year, census year and outcome: the
    line is fitted across every loaded school, whichever school is chosen, and the fit is
    only read. `_context` (not part of the key: Streamlit skips arguments starting with
    "_") is the context of that phase, year and census (load_context)."""
    del version, year, census  # the key, with phase and key: they fix context and outcome
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
    pool = similar.pool_frame(context, result.family.school, result.pool, result.mix_kinds)[0][
        "urn"
    ].to_list()
    members = set(result.table["urn"].to_list())
    above = fit.above().filter(pl.col("urn").is_in(list(pool)))
    st.markdown(f"**Schools {plain(pool_where(result))} well above their expected result**")
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
    show_table(
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
        ),
        hide_index=True,
        width="stretch",
        key="similar-odds-list",
    )
