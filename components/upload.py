"""Loading a user's own DfE files into their store, from the browser or a local folder.

Everything here goes through `equity.ingest.runner.ingest_paths`, the CLI's own ingest, so
the app and `python -m equity ingest` accept and refuse exactly the same files. What this
module adds is what a browser upload needs and the CLI does not: a size cap, file names
that cannot steer a path, one file's failure never stopping (or hiding) the others, and a
plainer explanation for the files people most often pick by mistake (an Excel workbook,
an empty export), and a queue so at most two ingests run at once in one server.

It writes only to the private layer it is given (one session's or one signed-in user's,
equity/private_layers.py); the embedded store and the operator's store are shared by every
visitor and refused as targets.

No Streamlit here: the page calls these functions, and tests call them directly.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Final, Protocol
from urllib.parse import urlparse

import polars as pl

from equity import private_layers
from equity.ingest.base import IngestResult
from equity.ingest.csvfile import read_header
from equity.ingest.registry import IGNORED_NAMES, year_hint_for
from equity.ingest.runner import DATA_SUFFIXES, IngestReport, ingest_paths
from equity.schema import parse_academic_year
from equity.store import (
    default_store_path,
    read_manifest,
    remove_source,
    user_store_path,
)

#: Per-file cap for uploads; `.streamlit/config.toml` sets the same `server.maxUploadSize`
#: so the browser refuses a bigger file before sending it.
MAX_UPLOAD_MB: Final = 200
MAX_UPLOAD_BYTES: Final = MAX_UPLOAD_MB * 1024 * 1024
UPLOAD_TYPES: Final = ("csv", "zip")
#: A folder with more data files than this is probably not a downloads folder.
MAX_FOLDER_FILES: Final = 500
#: Entries looked at while listing a folder, so pointing at "/" fails fast, not slowly.
MAX_FOLDER_ENTRIES: Final = 20_000
_LOCAL_HOSTS: Final = {"localhost", "127.0.0.1", "::1"}
#: Ingests running at once in this server process: an ingest holds a file's rows several
#: times in memory, so a queue, not more, is what keeps a few users from exhausting it.
MAX_CONCURRENT_INGESTS: Final = 2
WAITING_MESSAGE: Final = "Waiting for another upload to finish..."
_INGEST_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_INGESTS)

REPORT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "file": pl.String(),
    "problem": pl.String(),
    "kind": pl.String(),
    "years": pl.String(),
    "las": pl.Int64(),
    "rows_read": pl.Int64(),
    "rows_stored": pl.Int64(),
    "rows_rejected": pl.Int64(),
    "schools": pl.Int64(),
    "suppressed_cells": pl.Int64(),
    "rejected_because": pl.String(),
    "notes": pl.String(),
}


class Upload(Protocol):
    """What the page hands over: Streamlit's UploadedFile has exactly these."""

    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    def getvalue(self) -> bytes: ...


@dataclass(frozen=True)
class NamedBytes:
    """An upload built in code (tests, or bytes read elsewhere)."""

    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


@dataclass
class LoadReport:
    """One row per file (or archive member) with what happened to it."""

    rows: list[dict[str, object]] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.stored)

    @property
    def problems(self) -> list[str]:
        return [str(r["problem"]) for r in self.rows if r.get("problem")]

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=REPORT_SCHEMA)

    def problem(self, file: str, message: str) -> None:
        self.rows.append({"file": file, "problem": message})

    def add(
        self,
        report: IngestReport,
        *,
        explain: dict[str, str] | None = None,
        rename: dict[str, str] | None = None,
        before: dict[str, list[str]] | None = None,
    ) -> None:
        """Append the runner's outcomes. `rename` maps the runner's labels (which may be temp
        paths) to what the user called the file; `before` is the store's {source: years}
        before this ingest, to say when a file replaced another of the same name."""
        for outcome in report.outcomes:
            label = (rename or {}).get(outcome.path, outcome.path)
            if outcome.result is None:
                message = outcome.error or "could not be read"
                hint = (explain or {}).get(outcome.path)
                if "not a file kind" in message and outcome.path.lower().endswith(".zip"):
                    hint = "It is a zip inside the zip: unzip the outer one and load this one"
                if hint and "not a file kind" in message:
                    message = f"{message}. {hint}"
                self.problem(label, message)
                continue
            row = _result_row(label, outcome.result)
            warning = self._replacement(outcome.result, before or {})
            if warning:
                row["notes"] = f"{warning} | {row['notes']}" if row["notes"] else warning
            self.rows.append(row)
            self.stored.append(outcome.result.source)

    def _replacement(self, result: IngestResult, before: dict[str, list[str]]) -> str | None:
        """The store keeps one file per name: say so when a name is reused for other data."""
        source = result.source
        if source in self.stored:
            return (
                f"REPLACED the file of the same name loaded just before ({source}): the store "
                "keeps one file per name, so rename files to start with their year "
                "(e.g. 2018-2019_352_ks4final.csv) to keep both"
            )
        years = before.get(source)
        if years is not None and sorted(years) != result.academic_years:
            return (
                f"REPLACED your earlier {source} ({', '.join(years) or 'no year'}): the store "
                "keeps one file per name, so rename files to start with their year to keep both"
            )
        return None


def _result_row(label: str, result: IngestResult) -> dict[str, object]:
    reasons = result.rejected.group_by("reason").len().sort("len", descending=True)
    return {
        "file": label,
        "kind": result.kind,
        "years": ", ".join(result.academic_years) or None,
        "las": len(result.la_codes),
        "rows_read": result.rows_read,
        "rows_stored": result.rows_stored,
        "rows_rejected": result.rejected.height,
        "schools": result.schools["urn"].n_unique(),
        "suppressed_cells": result.suppressed_cells,
        "rejected_because": "; ".join(f"{n} row(s): {r}" for r, n in reasons.iter_rows()) or None,
        "notes": " | ".join(result.notes) or None,
        "problem": None,
    }


# --------------------------------------------------------------------------- names


def safe_name(client_name: str) -> str | None:
    """A file name safe to create in our temp folder, or None when nothing usable is left.

    The browser's name is a claim, not a path: only its last component is kept (either
    separator), and only letters, digits, '.', '_' and '-' survive. DfE's own names
    (2018-2019_352_ks4final.csv) pass unchanged, which matters because the year is read
    from them.
    """
    text = unicodedata.normalize("NFKC", str(client_name))
    base = PureWindowsPath(PurePosixPath(text.replace("\x00", "")).name).name
    stem, dot, suffix = base.rpartition(".")
    if not dot or suffix.lower() not in UPLOAD_TYPES:
        return None
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:120]
    if not cleaned:
        return None
    return f"{cleaned}.{suffix.lower()}"


def explain_unknown(path: Path) -> str | None:
    """Why a file is not recognised, for the files people most often pick by mistake."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if not head.lstrip(b"\xef\xbb\xbf").strip():
        return "The file is empty"
    if head.startswith(b"PK\x03\x04") and path.suffix.lower() == ".csv":
        return (
            "It is an Excel workbook or a zip archive with a .csv name: open it in Excel and "
            "save it as 'CSV (comma delimited)', or upload the zip as .zip"
        )
    if b"\x00" in head:
        return "It is a binary file, not text: DfE downloads are CSV files or zips of them"
    header = read_header(path)
    if not header:
        return None
    shown = ", ".join(h[:40] for h in header[:6]) + (", ..." if len(header) > 6 else "")
    lines = head.decode("utf-8", errors="replace").splitlines()
    rows = " and no data rows" if len(head) < 4096 and len(lines) <= 1 else ""
    return (
        f"Its header is {shown} ({len(header)} columns){rows}; no file kind Equity Explorer "
        "reads has these columns. DfE performance tables have RECTYPE, LEA, URN and results "
        "columns such as ATT8SCR or PTRWM_EXP; the school census has URN, LA, SCHOOLTYPE and "
        "NUMFSMEVER"
    )


# --------------------------------------------------------------------------- ingest


@contextmanager
def ingest_slot(on_wait: Callable[[], object] | None = None) -> Iterator[None]:
    """Hold one of the server's MAX_CONCURRENT_INGESTS ingest slots while the block runs.

    When both are taken, `on_wait` is called once (the page shows WAITING_MESSAGE) and the
    caller waits its turn: a queued upload is slower, never refused.
    """
    if not _INGEST_SLOTS.acquire(blocking=False):
        if on_wait is not None:
            on_wait()
        _INGEST_SLOTS.acquire()
    try:
        yield
    finally:
        _INGEST_SLOTS.release()


def _shared_stores() -> dict[str, Path]:
    return {"the built-in store": default_store_path(), "the shared store": user_store_path()}


def _guard_store(store: Path) -> None:
    """The embedded and operator stores are shared: a browser must never write into them."""
    for what, shared in _shared_stores().items():
        if _resolved(store) == _resolved(shared):
            raise ValueError(f"refusing to write uploads into {what}")


def _resolved(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except OSError:
        return path


def ingest_uploads(
    uploads: Sequence[Upload],
    store: Path,
    year: str | None = None,
    on_wait: Callable[[], object] | None = None,
) -> LoadReport:
    """Check, save and ingest uploaded files into `store` (a private layer), one at a time.

    `year` ("2018/19") is used only for files whose name does not say which year they
    describe: it becomes the name of the folder the file is saved in, which is where the
    ingest looks for a year, exactly as for a folder of downloads on disk. The ingest waits
    for a free slot (`ingest_slot`; `on_wait` is told when it has to).
    """
    target = store
    _guard_store(target)
    report = LoadReport()
    folder_name = "files"
    if year:
        try:
            folder_name = parse_academic_year(year).replace("/", "-")
        except ValueError as exc:
            report.problem("(year)", str(exc))
            return report
    seen: set[str] = set()
    with (
        ingest_slot(on_wait),
        tempfile.TemporaryDirectory(prefix=private_layers.UPLOAD_COPY_PREFIX) as tmp,
    ):
        workdir = Path(tmp) / "upload" / folder_name
        workdir.mkdir(parents=True)
        if not year and year_hint_for(workdir / "file.csv"):
            # The ingest reads a year from any folder above a file: a temp path that looks
            # like one ("/tmp/2019-20/...") would silently date every upload. The path is
            # the server's business, so the message does not show it.
            report.problem(
                "(temp folder)",
                "the server's temporary folder looks like an academic year, so uploads "
                "cannot be dated safely: ask the operator to set TMPDIR to another folder",
            )
            return report
        target.mkdir(parents=True, exist_ok=True)
        private_layers.touch(target)
        for upload in uploads:
            client = str(getattr(upload, "name", "") or "(unnamed)")
            name = safe_name(client)
            if name is None:
                report.problem(client, f"{client}: only .csv and .zip files can be loaded")
                continue
            if upload.size > MAX_UPLOAD_BYTES:
                report.problem(
                    client,
                    f"{client}: {upload.size / 1024 / 1024:.0f} MB is over the "
                    f"{MAX_UPLOAD_MB} MB upload limit. Load it from a folder on this computer "
                    "or with `python -m equity ingest` instead",
                )
                continue
            if name in seen:
                report.problem(client, f"{client}: another file in this upload has the same name")
                continue
            seen.add(name)
            path = workdir / name
            path.write_bytes(upload.getvalue())
            _ingest_one(path, target, report, label=name)
    return report


def _ingest_one(path: Path, store: Path, report: LoadReport, label: str) -> None:
    """Ingest one file or archive; any failure is a row in the report, never a traceback.

    The runner already turns known read errors into messages; a broken archive can still
    raise from the zip library (bad CRC, unsupported compression, encryption), and a
    reader may meet a file shape nobody foresaw. The runner writes a file only once it has
    been read in full, so files stored before such an error are listed as stored.
    """
    manifest = read_manifest(store)
    stamps = dict(manifest.select("source", "ingested_at").iter_rows())
    years = dict(manifest.select("source", "academic_years").iter_rows())
    try:
        result = ingest_paths([path], store)
    except Exception as exc:  # noqa: BLE001 - a traceback must never reach the user
        for source in _changed_sources(store, stamps):
            report.rows.append({"file": source, "notes": "stored before the error below"})
            report.stored.append(source)
        report.problem(label, _unexpected(label, path, exc))
        return
    explain = {}
    for outcome in result.outcomes:
        if outcome.result is None and outcome.path in {path.name, str(path)}:
            hint = explain_unknown(path)
            if hint:
                explain[outcome.path] = hint
    report.add(result, explain=explain, rename={str(path): label}, before=years)


def _unexpected(label: str, path: Path, exc: Exception) -> str:
    first = _without_paths((str(exc).splitlines() or [""])[0], path)
    kind = type(exc)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    detail = f"{name}: {first}" if first else name
    if len(detail) > 160:
        detail = detail[:157] + "..."
    if path.suffix.lower() == ".zip" and isinstance(
        exc, zlib.error | zipfile.BadZipFile | NotImplementedError | RuntimeError | EOFError
    ):
        return (
            f"{label}: the archive is damaged, password-protected or packed in a way this app "
            f"cannot unpack ({detail}). Unzip it on your computer and load the CSV files"
        )
    return f"{label}: could not be read ({detail})"


def _without_paths(text: str, path: Path) -> str:
    """An error's text with the server's folders taken out (the file's own name stays)."""
    folders = {str(path.parent), tempfile.gettempdir(), str(private_layers.private_root())}
    folders |= {str(p) for p in _shared_stores().values()}
    for folder in sorted(folders, key=len, reverse=True):
        if folder and folder != "/":
            text = text.replace(folder + os.sep, "").replace(folder, "(server folder)")
    return text


def _changed_sources(store: Path, before: dict[str, str]) -> list[str]:
    after = dict(read_manifest(store).select("source", "ingested_at").iter_rows())
    return sorted(s for s, stamp in after.items() if before.get(s) != stamp)


def folder_files(folder: Path) -> list[Path]:
    """The data files under `folder`, as the CLI would pick them, with a cap on the count."""
    files: list[Path] = []
    entries = 0
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            entries += 1
            if entries > MAX_FOLDER_ENTRIES:
                raise ValueError(
                    f"{folder} holds more than {MAX_FOLDER_ENTRIES:,} files: choose the folder "
                    "with your DfE downloads"
                )
            path = Path(root) / name
            if IGNORED_NAMES.search(name) or path.suffix.lower() not in DATA_SUFFIXES:
                continue
            files.append(path)
            if len(files) > MAX_FOLDER_FILES:
                raise ValueError(
                    f"{folder} holds more than {MAX_FOLDER_FILES} data files: choose the folder "
                    "with your DfE downloads"
                )
    return files


def ingest_folder(
    folder: str | Path, store: Path, on_wait: Callable[[], object] | None = None
) -> LoadReport:
    """Ingest every data file under a local folder into `store` (a private layer).

    The folder is only read (zips are unpacked into a temp folder). Files are ingested one
    by one so a broken archive cannot hide the good files beside it.
    """
    target = store
    _guard_store(target)
    report = LoadReport()
    text = str(folder).strip().strip('"').strip("'")
    if not text:
        report.problem("(folder)", "type the path of a folder with DfE downloads")
        return report
    path = Path(text).expanduser()
    if not path.exists():
        report.problem(text, f"{text}: no such folder")
        return report
    resolved = _resolved(path)
    stores = {
        "your store": _resolved(target),
        "the folder of uploaded files": _resolved(private_layers.private_root()),
        **{what: _resolved(shared) for what, shared in _shared_stores().items()},
    }
    for what, store_dir in stores.items():
        if resolved == store_dir or store_dir in resolved.parents:
            report.problem(text, f"{text}: this is {what}, not a folder of downloads")
            return report
    if path.is_file():
        files = [path] if path.suffix.lower() in DATA_SUFFIXES else []
    else:
        try:
            files = folder_files(path)
        except (ValueError, OSError) as exc:
            report.problem(text, str(exc))
            return report
    if not files:
        report.problem(text, f"{text}: no .csv, .zip, .parquet or .geojson files found")
        return report
    with ingest_slot(on_wait):
        target.mkdir(parents=True, exist_ok=True)
        private_layers.touch(target)
        for file in files:
            _ingest_one(file, target, report, label=file.name)
    return report


# --------------------------------------------------------------------------- user sources


def user_sources(store: Path) -> list[str]:
    """Files loaded into this private layer (only these can be removed from the app)."""
    return sorted(read_manifest(store)["source"].to_list())


def remove_user_source(source: str, store: Path) -> bool:
    """Remove one file's rows from this private layer; False when the layer does not hold
    it (a shared file, or another session's: neither is reachable from here)."""
    _guard_store(store)
    if source not in user_sources(store):
        return False
    remove_source(store, source)
    return True


def embedded_sources() -> set[str]:
    """The shared files (built-in and operator's): an upload of the same name shadows them
    for its owner only."""
    sources: set[str] = set()
    for shared in _shared_stores().values():
        sources |= set(read_manifest(shared)["source"].to_list())
    return sources


def replaced_builtin(sources: Iterable[str]) -> list[str]:
    """Uploaded files that share a shared file's name: the owner's copy now wins for them."""
    builtin = embedded_sources()
    return sorted(s for s in sources if s in builtin)


# --------------------------------------------------------------------------- local only


def is_local_request(ip_address: str | None, url: str | None) -> bool:
    """True when the browser talks to the app on this computer.

    Streamlit reports no IP for a localhost connection; a reverse proxy on the same machine
    also connects from localhost, so the browser's own URL must name this computer too.
    """
    if ip_address is not None or not url:
        return False  # an unknown address is not known to be local
    host = (urlparse(url).hostname or "").strip("[]").lower()
    return host in _LOCAL_HOSTS
