"""Every table the pages show (each chart's "Show data" table, the school lists, Similar's
tables, the Data page's) reaches the browser as the Arrow table it reached it as when pages
handed `st.dataframe` the frame's `to_pandas()`: same schema, pandas metadata (which the
browser reads to format columns), batches and values. Every page and every tab is opened
for the default area and a secondary phase, and each table `tables.shown` builds is checked
against Streamlit's own pandas route for the same frame."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from components import tables
from tests.browser.conftest import PAGE_LIST
from tests.pages.conftest import APP, open_section, open_show_data, section_labels
from tests.unit.test_shown_table import same_arrow

pytestmark = pytest.mark.page


def test_every_page_table_goes_to_the_browser_as_pandas_sent_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, pl.DataFrame, pa.Table | None]] = []
    fast = tables.arrow_as_pandas_sent
    page_now = {"path": ""}

    def recording(frame: pl.DataFrame) -> pa.Table | None:
        table = fast(frame)
        seen.append((page_now["path"], frame, table))
        return table

    monkeypatch.setattr(tables, "arrow_as_pandas_sent", recording)
    for page in PAGE_LIST:
        page_now["path"] = page.path
        app = AppTest.from_file(APP, default_timeout=180)
        app.query_params.update({"phase": "secondary"})
        app.run()
        app.switch_page(page.path)
        app.run()
        assert not app.exception, (page.path, [e.value for e in app.exception])
        open_show_data(app)
        for label in section_labels(app)[1:]:
            open_show_data(open_section(app, label))

    fast_ones = [(path, frame, table) for path, frame, table in seen if table is not None]
    pages = {path for path, _, _ in fast_ones}
    # Charts on every page with charts, Similar's and Gaps' school tables, the Data page's.
    assert len(fast_ones) >= 20 and len(pages) >= 5, (len(fast_ones), pages)
    for path, frame, table in fast_ones:
        assert table is not None
        ours = dataframe_util.convert_arrow_table_to_arrow_bytes(table)
        theirs = dataframe_util.convert_pandas_df_to_arrow_bytes(frame.to_pandas())
        assert same_arrow(ours, theirs), (path, frame.schema)
