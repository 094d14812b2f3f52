"""Floor 1: an empty Streamlit app with one filter, for rerun and cold-start floors.

Same sidebar Authority selectbox as the floor of every page (key "filter_la", the same
labels when BENCH_PROFILE points at the profiles), one line of text and nothing else.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st


@st.cache_resource(show_spinner=False)
def _labels(path: str) -> dict[str, str]:
    if path and Path(path).is_file():
        labels = json.loads(Path(path).read_text(encoding="utf-8")).get("labels") or {}
        if labels:
            return {str(k): str(v) for k, v in labels.items()}
    return {"GM": "Greater Manchester (10 LAs)", **{f"{i:03d}": f"LA {i:03d}" for i in range(1000)}}


labels = _labels(os.environ.get("BENCH_PROFILE", ""))
st.sidebar.selectbox("Authority", list(labels), format_func=labels.__getitem__, key="filter_la")
st.markdown("empty-app-ready")
