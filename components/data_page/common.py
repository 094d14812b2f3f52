"""The Data page's tables and links: human column names, CSV downloads, and links only to
the publishers' own pages (never a URL taken from data)."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import streamlit as st

from components.tables import csv_bytes, human_size, show_table
from components.text import plain
from equity.analysis import coverage

_LABELS = {
    "la_code": "LA code",
    "las": "LAs",
    "id": "ID",
    "lait_code": "LAIT code",
    "lait_label": "LAIT label",
    "codes_in_dfe_files": "Codes in DfE files",
    "what": "What it is",
    "rows_read": "Rows read",
    "loaded_by": "Loaded by",
}
_WIDE_TEXT = {"description", "meaning", "what_changed", "reason", "notes", "note", "problem"}


_URL = re.compile(r"https?://[^\s;)]+")


def linked(text: str) -> str:
    """`plain(text)` with our own publication URLs made clickable; any other URL stays
    plain text, so a file or LA name can never add a link."""
    known = {
        coverage.PERFORMANCE_PAGE,
        coverage.CENSUS_PAGE,
        coverage.GIAS_PAGE,
        coverage.LAIT_PAGE,
        coverage.ONS_GEOGRAPHY_PAGE,
        coverage.TRAFFORD_PAGE,
    }
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(plain(text[last : match.start()]))
        url = match.group(0)
        out.append(f"<{url}>" if url in known else plain(url))
        last = match.end()
    out.append(plain(text[last:]))
    return "".join(out)


def link(label: str, url: str) -> str:
    """A Markdown link to one of our own constant URLs (never a URL taken from data)."""
    return f"[{plain(label)}]({url})"


def table(
    frame: pl.DataFrame,
    *,
    key: str,
    file_stem: str | None = None,
    payload: bytes | None = None,
    **config: Any,
) -> None:
    """A table with human column names, and its CSV when it is worth downloading
    (`payload`: the CSV made beforehand, for tables cached per store version)."""
    labels = {c: _LABELS.get(c, c.replace("_", " ").capitalize()) for c in frame.columns}
    column_config: dict[str, Any] = {
        c: st.column_config.TextColumn(labels[c], width="large") if c in _WIDE_TEXT else labels[c]
        for c in frame.columns
    }
    column_config.update(config)
    show_table(frame, hide_index=True, width="stretch", column_config=column_config, key=key)
    if file_stem:
        payload = csv_bytes(frame) if payload is None else payload
        st.download_button(
            f"Download CSV ({human_size(len(payload))})",
            data=payload,
            file_name=f"{file_stem}.csv",
            mime="text/csv",
            key=f"csv-{key}",
            on_click="ignore",
        )


def page_link_column(label: str = "Publication page") -> Any:
    return st.column_config.LinkColumn(label, display_text=r"https?://(?:www\.)?([^/]+).*")
