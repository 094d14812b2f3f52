"""One chart as every page shows it: title, computed takeaway, chart, source, data table.

Keeping this in one place is how every chart meets the accessibility bar (a text summary
and a table alternative), carries its source and year, and offers the exact data drawn
as CSV, PNG and SVG. Pages pass an already aggregated frame: only what is drawn reaches the
browser. Each view can be added to a story: the story keeps its reference (components/views),
never its data, so a shared link redraws the chart from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import streamlit as st

from components import export, plain_charts, sections, story, views
from components.chart_view import LAST_PREFIX_KEY, ChartView, ViewOrNote, reference
from components.tables import csv_bytes, rows_label, show_table

if TYPE_CHECKING:
    import polars as pl

    from components.charts import AnyChart


def register(view: ChartView) -> None:
    """Remember the view for this rerun, and which page drew a chart last (an empty story
    presents that page's charts)."""
    st.session_state.setdefault("equity_views", {})[view.view_id] = view
    prefix = views.prefix_of(view.view_id)
    if prefix is not None:
        st.session_state[LAST_PREFIX_KEY] = prefix


def fit_width(chart: AnyChart) -> AnyChart:
    """Stretch to the page's width but keep the chart's own plot height.

    Streamlit's default autosize ("fit") squeezes title, axes and legend into the spec's
    height, which collapses a short bar chart to a line; "fit-x" only fits the width.
    Vega-Lite cannot fit concatenated charts, so those are left as they are.
    """
    import altair as alt  # not before the Overview's first chart (plain_charts.py)

    from components.charts import with_properties

    if isinstance(chart, alt.Chart | alt.LayerChart) and chart.autosize is alt.Undefined:
        return with_properties(chart, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart


def on_page(view: ChartView) -> AnyChart:
    """The chart as the panel draws it. The panel's heading is its title, so the chart has
    none of its own (exports and story slides keep view.chart's title); `alt` names it, so
    no spec description competes with that (Streamlit warns when both are set)."""
    from components.charts import without

    return without(view.chart, "title", "description")


def accessible_name(view: ChartView) -> str:
    """The chart's aria-label: title and takeaway, as the panel shows them."""
    return f"{view.title}. {view.takeaway}" if view.takeaway else view.title


def render(view: ChartView, *, height: int | None = None) -> None:
    ref = reference(view)
    register(view)
    with st.container(border=True):
        st.subheader(view.title, anchor=False)
        st.markdown(f"**{view.takeaway}**")
        if isinstance(view.chart, plain_charts.PlainChart) and height is None:
            # Its on-page spec, written without Altair (the Overview's first chart).
            plain_charts.draw(view.chart.page_spec(), alt_text=accessible_name(view))
        else:
            from components import vega

            chart = on_page(view)
            vega.draw(
                chart if height is not None else fit_width(chart),
                height=height if height is not None else "content",
                alt_text=accessible_name(view),
            )
        notes(view.caveats)
        st.caption(f"Source: {view.source}")
        show_data(view.view_id, lambda: table(view))
        actions(view, ref)


#: Session-state key of a panel's "Show data" expander (True while it is open).
SHOW_DATA_KEY = "show-data-{view_id}"


def show_data(view_id: str, draw: Callable[[], None]) -> None:
    """The panel's "Show data" expander, its table drawn only while it is open.

    Why lazy: Streamlit mounts a closed expander's content in the browser all the same (a
    data grid and its Arrow decoded per chart, ~15-30 ms of the browser's time each on a
    first visit or a filter change), for a table most readers never open. Opening it reruns
    the page with the table in place, and it stays open (and redrawn for each new filter)
    until closed."""
    sections.on_request("Show data", SHOW_DATA_KEY.format(view_id=view_id), draw)


def table(view: ChartView) -> None:
    """The chart's data table and its CSV: the accessibility alternative of every chart."""
    data_table(view.table, view.file_stem, view.view_id, dict(view.decimals))


def data_table(
    frame: pl.DataFrame,
    file_stem: str,
    view_id: str,
    decimals: Mapping[str, int] | None = None,
) -> None:
    """A panel's table and its CSV download (charts' and maps' "Show data").

    The CSV is written when someone asks for it (a deferred download), not on every rerun
    for every panel; its label gives the rows, which are known without writing it.
    """
    show_table(frame, hide_index=True, width="stretch")
    st.download_button(
        f"Download CSV ({rows_label(frame.height)})",
        data=lambda: csv_bytes(frame, decimals),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"csv-{view_id}",
        on_click="ignore",
    )


#: Notes shown under a chart; the rest go into one "About this figure" expander, so a time
#: chart with six series-break notes does not push its source and data a screen down.
MAX_NOTES = 3


def notes(caveats: tuple[str, ...] | list[str]) -> None:
    """At most MAX_NOTES notes under the chart, any more in "About this figure" as one
    list: one element, not one per note (the browser mounts a closed expander's content,
    each element ~2-3 ms of a page's first drawing; a school's Attainment 8 chart has seven
    such notes)."""
    for caveat in caveats[:MAX_NOTES]:
        st.caption(f"Note: {caveat}")
    if len(caveats) > MAX_NOTES:
        with st.expander("About this figure", expanded=False):
            st.caption(bullet_list(caveats[MAX_NOTES:]))


def bullet_list(items: tuple[str, ...] | list[str]) -> str:
    """Markdown for a bulleted list of `items`, each kept on its own item even when it
    spans lines."""
    return "\n".join("- " + item.replace("\n", " ") for item in items)


def show(view: ViewOrNote) -> None:
    """A view as a panel, or the sentence saying why there is nothing to draw."""
    if isinstance(view, str):
        st.info(view, icon=":material/info:")
    else:
        render(view)


def actions(view: ChartView, ref: dict[str, str] | None = None) -> None:
    """Image downloads and "Add to story", for panels that draw their own chart (maps)."""
    ref = ref or reference(view)
    export.image_downloads(view, ref)
    story.add_button(view, ref)
