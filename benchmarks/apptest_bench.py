"""Rerun time after a filter change, in-process with Streamlit's AppTest, and page profiles.

For each page: start app.py, switch to the page, then change the Authority filter to an LA
this process has not shown yet (so cached queries miss, as for a user exploring) and time
`AppTest.run()`. After the last rerun the page's elements are recorded as a *profile*
(the Vega-Lite specs with their data, pydeck JSON, tables, metrics, text, download sizes),
which the render-floor app draws again from memory.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from benchmarks.pages import APP, Page, keep_navigation_mode

APPS = Path(__file__).resolve().parent / "apps"
EMPTY_APP = APPS / "empty_app.py"
FLOOR_APP = APPS / "render_floor.py"
PROFILE_ENV = "BENCH_PROFILE"
LA_KEY = "filter_la"

_BLOCK_CLASSES = frozenset(
    {"Block", "SpecialBlock", "Expander", "Column", "Tab", "Tabs", "Dialog", "Form", "Popover"}
)
_BLOCK_TYPES = frozenset(
    {"expander", "column", "tab", "tab_container", "flex_container", "form", "popover", "dialog"}
)
_ALERT_KINDS = frozenset({"info", "warning", "error", "success", "exception"})
#: Widgets a page may draw in its main area; the floor draws the same kind.
_WIDGET_KINDS = frozenset(
    {
        "button",
        "checkbox",
        "toggle",
        "radio",
        "selectbox",
        "multiselect",
        "slider",
        "select_slider",
        "button_group",
        "text_input",
        "text_area",
        "number_input",
        "date_input",
        "file_uploader",
        "color_picker",
        "form_submit_button",
        "link_button",
        "page_link",
    }
)
_TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "text", "code")


# --------------------------------------------------------------------------- profiles


def _children(node: Any) -> Iterator[Any]:
    kids = getattr(node, "children", None)
    if isinstance(kids, dict):
        yield from kids.values()


def _records(arrow_bytes: bytes) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = pa.ipc.open_stream(arrow_bytes).read_all().to_pylist()
    return records


_SIZE = re.compile(r"\(([\d.]+)\s*(B|KB|MB|kB)\)")


def _label_bytes(label: str) -> int:
    match = _SIZE.search(label)
    if not match:
        return 1024
    scale = {"B": 1, "KB": 1024, "kB": 1000, "MB": 1024 * 1024}[match.group(2)]
    return int(float(match.group(1)) * scale)


def element_profile(app: Any) -> list[dict[str, Any]]:
    """The page's drawn elements in order (main area only; the sidebar is the same on every
    page and the floor apps draw their own filter)."""
    out: list[dict[str, Any]] = []
    group_ids = {"n": 0}

    def is_block(node: Any) -> bool:
        return type(node).__name__ in _BLOCK_CLASSES or getattr(node, "type", None) in _BLOCK_TYPES

    def kind_of(node: Any) -> str:
        return str(getattr(node, "type", None) or type(node).__name__.lower())

    def walk(node: Any, group: dict[str, Any] | None) -> None:
        columns: dict[str, Any] | None = None
        for child in _children(node):
            if not is_block(child):
                element(child, group)
            elif kind_of(child) == "column":
                if columns is None:
                    group_ids["n"] += 1
                    columns = {"type": "columns", "id": group_ids["n"]}
                walk(child, columns)
            elif kind_of(child) == "expander":
                group_ids["n"] += 1
                walk(child, {"type": "expander", "id": group_ids["n"]})
            else:
                walk(child, group)

    def element(node: Any, group: dict[str, Any] | None) -> None:
        kind = getattr(node, "type", None)
        entry: dict[str, Any] = {"kind": kind, "group": group}
        proto = getattr(node, "proto", None)
        if kind == "vega_lite_chart" and proto is not None:
            spec = json.loads(proto.spec)
            datasets = {d.name: _records(d.data.data) for d in proto.datasets}
            if datasets:
                spec.setdefault("datasets", {}).update(datasets)
            entry.update(spec=spec, rows=sum(len(v) for v in datasets.values()))
        elif kind == "deck_gl_json_chart" and proto is not None:
            entry.update(json=proto.json, tooltip=proto.tooltip or None, bytes=len(proto.json))
        elif kind in {"dataframe", "arrow_data_frame", "table", "arrow_table"}:
            frame = node.value
            entry.update(
                kind="dataframe" if "table" not in str(kind) else "table",
                columns=[str(c) for c in frame.columns],
                records=json.loads(frame.to_json(orient="records", date_format="iso")),
                rows=len(frame),
            )
        elif kind == "download_button" and proto is not None:
            # A deferred button (data made on click) sends no bytes with the page.
            deferred = bool(proto.deferred_file_id)
            entry.update(bytes=_label_bytes(proto.label), label=proto.label, deferred=deferred)
        elif kind == "metric":
            entry.update(label=str(node.label), value=str(node.value))
        elif kind in _TEXT_KINDS:
            entry.update(kind="markdown", chars=len(str(getattr(node, "value", ""))))
        elif kind in _ALERT_KINDS:
            entry.update(kind="alert", chars=len(str(getattr(node, "value", ""))))
        elif kind in _WIDGET_KINDS:
            options = getattr(node, "options", None) or getattr(proto, "options", None) or []
            entry.update(kind="widget", widget=kind, options=max(1, len(list(options))))
        elif kind in {"html", "divider", "empty", None}:
            return
        else:
            entry.update(unsupported=True)
        out.append(entry)

    main = getattr(app, "main", None)
    if main is not None:
        walk(main, None)
    return out


def summarise(profile: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in profile:
        counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
    counts["chart_rows"] = sum(e.get("rows", 0) for e in profile if e["kind"] == "vega_lite_chart")
    counts["table_rows"] = sum(
        e.get("rows", 0) for e in profile if e["kind"] in {"dataframe", "table"}
    )
    return counts


# --------------------------------------------------------------------------- timing


@dataclass
class RerunResult:
    times_ms: list[float] = field(default_factory=list)
    first_run_ms: float | None = None
    error: str | None = None
    profile: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    options: list[str] = field(default_factory=list)


def _exception_text(app: Any) -> str | None:
    if app.exception:
        return "; ".join(str(getattr(e, "value", e))[:300] for e in app.exception)
    return None


class AppRun:
    """One AppTest session of a script, kept open so its filter can be changed repeatedly."""

    def __init__(
        self,
        script: Path,
        *,
        page: str | None = None,
        query: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> None:
        from streamlit.testing.v1 import AppTest

        keep_navigation_mode()
        self.result = RerunResult()
        self.app = AppTest.from_file(str(script), default_timeout=timeout)
        for key, value in (query or {}).items():
            self.app.query_params[key] = value
        self.page = page

    def start(self) -> AppRun:
        started = time.perf_counter()
        self.app.run()
        if self.page is not None and self.page != "pages/overview.py":
            self.app.switch_page(self.page)
            self.app.run()
        self.result.first_run_ms = (time.perf_counter() - started) * 1000
        self.result.error = _exception_text(self.app)
        return self

    def change(self, la: str, *, timed: bool = True) -> None:
        """Choose `la` in the Authority filter and time the rerun."""
        if self.result.error:
            return
        try:
            self.app.selectbox(key=LA_KEY).set_value(la)
        except KeyError:
            self.result.error = f"no '{LA_KEY}' selectbox after the run (page errored?)"
            return
        started = time.perf_counter()
        self.app.run()
        elapsed = (time.perf_counter() - started) * 1000
        self.result.error = _exception_text(self.app)
        if timed and not self.result.error:
            self.result.times_ms.append(elapsed)

    def capture(self) -> RerunResult:
        """The page's elements, title and Authority labels as they are now."""
        if not self.result.error:
            self.result.profile = element_profile(self.app)
            titles = [t.value for t in self.app.title]
            self.result.title = titles[0] if titles else ""
            self.result.options = [str(o) for o in self.app.selectbox(key=LA_KEY).options]
        return self.result


def time_reruns(
    script: Path,
    la_sequence: list[str],
    *,
    page: str | None = None,
    query: dict[str, str] | None = None,
    capture_profile: bool = False,
) -> RerunResult:
    """One script alone: a warm-up change, then `len(la_sequence) - 1` timed changes."""
    run = AppRun(script, page=page, query=query).start()
    for index, la in enumerate(la_sequence):
        run.change(la, timed=index > 0)
    return run.capture() if capture_profile else run.result


def interleaved(runs: dict[str, AppRun], la_sequence: list[str]) -> dict[str, RerunResult]:
    """Change the filter of every run in turn, LA by LA (the first change untimed), so
    the app and its floors see the same machine load at the same moments."""
    for run in runs.values():
        run.start()
    for index, la in enumerate(la_sequence):
        for run in runs.values():
            run.change(la, timed=index > 0)
    return {name: run.result for name, run in runs.items()}


def la_sequences(
    pages: list[Page], codes: list[str], per_page: int, *, exclude: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """A distinct run of LAs per page (round-robin over `codes` when there are too few)."""
    pool = [c for c in codes if c not in exclude] or list(codes)
    out: dict[str, list[str]] = {}
    position = 0
    for page in pages:
        out[page.path] = [pool[(position + i) % len(pool)] for i in range(per_page)]
        position += per_page
    return out


def write_profiles(path: Path, profiles: dict[str, Any], labels: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"pages": profiles, "labels": labels}, default=str), encoding="utf-8"
    )


def app_script() -> Path:
    return APP
