"""Story and link references for the Similar schools page: every view rebuilt from plain
strings (components/views.py)."""

from __future__ import annotations

from collections.abc import Mapping

from components import chart_view, views
from components.filters import Filters
from components.similar.common import load_context
from components.similar.link import parse_census, parse_choice
from components.similar.odds import odds_view
from components.similar.outcomes import outcome_views
from equity.analysis import similar
from equity.metrics.families import FamilyError
from equity.metrics.odds import OddsError


def _views(selection: Filters, options: Mapping[str, str]) -> list[chart_view.ChartView]:
    """This page's charts rebuilt from a reference (a story slide or a shared link)."""
    census, problem = parse_census(options.get("census") or "")
    if problem:
        raise views.ViewError(problem[0])
    context = load_context(selection, census)
    parsed = parse_choice(context, selection, options, census=census)
    if parsed is None:
        raise views.ViewError(f"no {selection.phase} schools in {selection.la_label}")
    if parsed.problems:
        raise views.ViewError(parsed.problems[0][0])
    choice = parsed.choice
    try:
        result = similar.family_for(
            context,
            choice.urn,
            choice.pool,
            choice.features,
            choice.size,
            choice.weight_map(),
            choice.mix_kinds,
        )
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
