"""How the school compares with its family on each outcome (dot charts), and which family
members do best for disadvantaged pupils."""

from __future__ import annotations

import statistics

import altair as alt
import polars as pl
import streamlit as st

from components import chart_view, tables
from components.charts import AnyChart, chart_data, finish, mark, wrapped
from components.filters import Filters
from components.similar.common import (
    CHOSEN_COLOUR,
    DECORATION,
    FAMILY_COLOUR,
    ROW_LABELS,
    SMALL_COHORT,
    Choice,
    not_loaded_text,
    source_line,
    status_texts,
)
from components.similar.link import link_options
from components.tables import status_text
from components.text import ordinal, plain
from equity import kinds
from equity.analysis import similar
from equity.schema import PUPIL_GROUP_LABELS


def _dot_chart(frame: pl.DataFrame, title: str, value_title: str) -> AnyChart:
    """Each family school a dot per pupil group; the chosen school a larger blue diamond."""
    roles = ["Family school", "This school"]
    groups = frame["pupils"].n_unique()
    # One constructor (as in charts.group_bars): chained calls copy and re-validate. Mark,
    # scales and legend as plain Vega-Lite JSON (see charts.mark): checked once, in to_dict.
    sized = frame.with_columns(
        pl.when(pl.col("role") == roles[1]).then(360).otherwise(90).alias("dot_size")
    )
    chart = alt.Chart(
        chart_data(sized),
        mark=mark("point", filled=True, opacity=0.85),
        encoding=alt.FacetedEncoding(
            x=alt.X("value:Q", title=wrapped(value_title), scale={"zero": False}),
            y=alt.Y("pupils:N", title=None),
            color=alt.Color(
                "role:N",
                title=None,
                scale={"domain": roles, "range": [FAMILY_COLOUR, CHOSEN_COLOUR]},
                legend={"orient": "bottom"},
            ),
            # Shape shares the colour's field and legend, so Vega merges the two into one
            # legend (a shape legend switched off beside it logged "Conflicting legend
            # property"); the size is a number per row drawn as given (scale None), not a
            # size scale on a nominal field ("Channel size should not be used with an
            # unsorted discrete field").
            shape=alt.Shape(
                "role:N",
                title=None,
                scale={"domain": roles, "range": ["circle", "diamond"]},
                legend={"orient": "bottom"},
            ),
            size=alt.Size("dot_size:Q", scale=None, legend=None),
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
            place = _place(ranked, outcome.decimals)
            if outcome.kind == kinds.KS4_DESTINATIONS:  # say how many pupils the pooled figure has
                pooled = ranked.filter(pl.col("role") == "chosen")["pupils"]
                if pooled.len() and pooled[0] is not None:
                    place = f"{place.split(',', 1)[0]} ({int(pooled[0])} pupils pooled)," + (
                        place.split(",", 1)[1] if "," in place else ""
                    )
            parts.append(f"{label.lower()} {place}")
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
        if outcome.kind == kinds.KS4_DESTINATIONS:
            caveats.append(
                f"Destinations of pupils who finished KS4 in {year}, pooled: each school's "
                "figure is the mean of its published cohorts weighted by their size, and its "
                "cohort is the pupils pooled (in the data table). A suppressed cohort is left "
                "out, never read as 0; 2019/20 and 2020/21 pupils had centre- and teacher-"
                "assessed grades and went on to their destinations in the pandemic."
            )
        if outcome.kind in kinds.KINDS and not kinds.KINDS[outcome.kind].by_disadvantage:
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
                source=source_line(context, outcome.kind) + ".",
                chart=_dot_chart(pl.concat(rows), title, outcome.label),
                table=pl.concat(tables),
                file_stem=f"family-{choice.urn}-{outcome.key}-{selection.phase}",
                caveats=tuple(caveats),
                options=link_options(choice),
            )
        )
    return built


def _flag(condition: pl.Expr, text: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(text)).otherwise(pl.lit(""))


def _ranked_table(ranked: pl.DataFrame, label: str, decimals: int) -> pl.DataFrame:
    return ranked.select(
        pl.col("position").alias("Position in family"),
        pl.col("name").alias("School"),
        pl.col("la_name").alias("LA"),
        pl.lit(label).alias("Pupils"),
        pl.Series("Result", status_texts(ranked["value"], ranked["status"], decimals)),
        pl.col("pupils").cast(pl.Int64).alias("Cohort"),
        _flag(pl.col("small_cohort"), f"fewer than {SMALL_COHORT} pupils").alias("Small cohort"),
        _flag(pl.col("role") == "chosen", "this school").alias("Note"),
    )


def best_for_disadvantaged(
    result: similar.FamilyResult, context: similar.Context, choice: Choice
) -> None:
    """The family ranked on an outcome split by disadvantage: the schools to visit. Pooled
    sustained destinations first (every secondary has them), then any performance-table
    outcome loaded for the year, chosen in a select box when there is more than one."""
    split = [
        o for o in similar.outcomes_with_data(result, context.phase) if "disadvantaged" in o.columns
    ]
    split.sort(key=lambda o: o.kind != kinds.KS4_DESTINATIONS)
    st.header("Which family schools do best for disadvantaged pupils", anchor=False)
    outcome = split[0] if split else None
    if len(split) > 1:
        labels = {o.key: o.label for o in split}
        key = st.selectbox(
            "Rank the family on",
            list(labels),
            format_func=labels.__getitem__,
            key="similar_best_outcome",
        )
        outcome = next((o for o in split if o.key == key), split[0])
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
            reason = not_loaded_text(context, choice) + (
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
        name: status_texts(table[value], table[status], d)
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
    tables.show_table(shown, hide_index=True, width="stretch", key="similar-visit")
    st.caption(
        f"{outcome.label}, {year}; source: {source_line(context, outcome.kind)}. Small cohort: "
        f"fewer than {SMALL_COHORT} disadvantaged pupils, so one pupil moves the figure a lot "
        "(these are not suggested for a visit)."
    )
