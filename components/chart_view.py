"""The floor every chart stands on: `ChartView` and its reference.

A page builds `ChartView`s; the panel (chart_panel.py) draws them, views.py rebuilds them
from a reference, export.py and story.py turn them into files and slides. All of those
import the type from here, and this module imports nothing of theirs, so the pieces above
it never import each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from components.filters import Filters
from components.filters import current as current_filters

if TYPE_CHECKING:  # Altair is imported where a chart is built (cold start, issue 16)
    from components.charts import AnyChart

#: Session key: the view-id prefix of the page that drew a chart last (an empty story
#: presents that page's charts).
LAST_PREFIX_KEY = "equity_last_view_prefix"


@dataclass(frozen=True)
class ChartView:
    """Everything needed to show, export or present one chart again.

    `filters` is the selection the view was built for (None: the sidebar's, the usual case
    on a page); `options` holds whatever else the chart depends on, as plain strings, so
    that `reference(view)` is enough to rebuild it (see components/views.py). `decimals`
    names table columns holding a measure as published ((column, Measure.decimals)): the
    CSV rounds them to those places, other float columns to 6 significant digits.
    """

    view_id: str
    title: str
    takeaway: str
    source: str
    chart: AnyChart
    table: pl.DataFrame
    file_stem: str
    caveats: tuple[str, ...] = ()
    filters: Filters | None = None
    options: tuple[tuple[str, str], ...] = ()
    decimals: tuple[tuple[str, int], ...] = ()


#: What a page's view builder returns: a view, or a sentence saying why there is none.
ViewOrNote = ChartView | str


def reference(view: ChartView) -> dict[str, str]:
    """The view's reference: id, the four filter values and its options, all strings."""
    chosen = view.filters or current_filters()
    return {
        "v": view.view_id,
        "la": chosen.la_code,
        "phase": chosen.phase,
        "group": chosen.pupil_group,
        "year": chosen.year,
        **dict(view.options),
    }
