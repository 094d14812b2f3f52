"""Answers computed ahead: the default view's figures, kept in the store folder they came
from, so the first visitor after a restart does not wait for them.

Why: a page's first visit on a fresh server spent 100-200 ms of its first screen computing
England-wide tables (every school's context, every LA's index series) that are the same for
every user until the store changes (issue 16). `scripts/answers_ahead.py` runs each page's
default view once after a store is built and keeps every cached answer here; a server that
misses its in-memory cache reads the answer instead of computing it.

An answer is found only by the exact key it was made for: the query's name and arguments,
the store's version (which any ingest changes) and a fingerprint of the code and library
versions that computed it. So an answer is never used for other data or by other code; a
stale one is simply not found. Each file is written whole (a temporary name, then an
atomic rename) and a missing or unreadable one means "compute it", so a reader never sees
half a write and nothing breaks when the folder is cleared. Only the operator's shared
store folders hold answers (written by the same hand that ingests into them): a session's
private layer never does, and its store version never matches one. The files are JSON and
Arrow (not pickle): reading one builds frames, plain values and the domain's own
dataclasses, and runs no other code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
import json
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Final

import polars as pl

from equity.store_layout import CATALOGUE, log_version

#: The folder under a store that holds its answers.
FOLDER: Final = "answers"
SUFFIX: Final = ".answer"
#: The first bytes of an answer file (and its format's version: 02 keeps frames as Arrow
#: IPC streams, 01 kept them as IPC files).
MAGIC: Final = b"EQANSW02"
#: Returned by `read` when there is no usable answer (None is a valid answer).
MISSING: Final = object()
#: The code whose results are kept: the domain package and the app's components.
CODE_ROOTS: Final = ("equity", "components")
#: The repository (the folder holding CODE_ROOTS).
REPOSITORY: Final = Path(__file__).resolve().parents[1]


@cache
def fingerprint(root: Path = REPOSITORY) -> str:
    """Every source file of CODE_ROOTS, with the Python and polars versions: a new release
    of any of them makes every kept answer unused (pickles are not promised across them)."""
    digest = hashlib.sha256(f"{sys.version}\n{pl.__version__}\n".encode())
    for folder in CODE_ROOTS:
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def store_identity(store: Path) -> str | None:
    """Which contents the store folder holds, wherever it is mounted: its catalogue's
    version and a digest of that version's commit (so a store rebuilt from nothing to the
    same version number is still another store); None when it holds no Delta store."""
    version = log_version(store / CATALOGUE)
    if version is None:
        return None
    try:
        commit = (store / CATALOGUE / "_delta_log" / f"{version:020d}.json").read_bytes()
    except OSError:
        return None
    return f"v{version}:{hashlib.sha256(commit).hexdigest()[:16]}"


def key(version: str, name: str, args: tuple[Any, ...]) -> str:
    """The file stem of one answer: the query, its arguments, the data and the code."""
    text = "\n".join((fingerprint(), version, name, repr(args)))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def read(store: Path, version: str, name: str, args: tuple[Any, ...]) -> Any:
    """The kept answer, or MISSING (none kept, or one that cannot be read)."""
    path = store / FOLDER / (key(version, name, args) + SUFFIX)
    try:
        return decode(path.read_bytes())
    except FileNotFoundError:
        return MISSING
    except Exception:  # noqa: BLE001 - an unreadable answer is computed again
        return MISSING


def write(store: Path, version: str, name: str, args: tuple[Any, ...], value: Any) -> Path | None:
    """Keep one answer (whole or not at all); None when its type cannot be kept."""
    try:
        payload = encode(value)
    except TypeError:  # an answer that cannot be kept is computed each time
        return None
    folder = store / FOLDER
    folder.mkdir(exist_ok=True)
    path = folder / (key(version, name, args) + SUFFIX)
    handle, scratch = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return path


def encode(value: Any) -> bytes:
    """An answer as bytes: a JSON tree of plain values, lists, tuples, dicts and the
    domain's dataclasses, with each polars frame (Arrow IPC) and bytes value after it.
    Not pickle: reading an answer runs no code but the domain package's own."""
    blobs: list[bytes] = []
    tree = _tree(value, blobs)
    header = json.dumps({"tree": tree, "blobs": [len(b) for b in blobs]}).encode()
    return b"".join([MAGIC, len(header).to_bytes(8, "little"), header, *blobs])


def decode(payload: bytes) -> Any:
    """The answer `encode` wrote; ValueError for bytes it did not write."""
    if payload[: len(MAGIC)] != MAGIC:
        raise ValueError("not an answer file")
    start = len(MAGIC) + 8
    end = start + int.from_bytes(payload[len(MAGIC) : start], "little")
    header = json.loads(payload[start:end])
    blobs = []
    for size in header["blobs"]:
        blobs.append(payload[end : end + size])
        end += size
    if end != len(payload):
        raise ValueError("answer file cut short or padded")
    return _value(header["tree"], blobs)


def _tree(value: Any, blobs: list[bytes]) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, pl.DataFrame):
        # An IPC stream, not an IPC file: polars reads a file through its lazy engine
        # (~0.7 ms for a 130-row answer, measured) and a stream directly (~0.08 ms); a
        # page reads a few answers on every rerun for a new authority.
        out = io.BytesIO()
        value.write_ipc_stream(out)
        blobs.append(out.getvalue())
        return {"$frame": len(blobs) - 1}
    if isinstance(value, bytes):
        blobs.append(value)
        return {"$bytes": len(blobs) - 1}
    if isinstance(value, list | tuple):
        sequence = "$list" if isinstance(value, list) else "$tuple"
        return {sequence: [_tree(item, blobs) for item in value]}
    if isinstance(value, dict):
        return {"$dict": [[_tree(k, blobs), _tree(v, blobs)] for k, v in value.items()]}
    kind = type(value)
    if dataclasses.is_dataclass(value) and kind.__module__.startswith("equity."):
        fields = {f.name: _tree(getattr(value, f.name), blobs) for f in dataclasses.fields(value)}
        return {"$dataclass": f"{kind.__module__}:{kind.__qualname__}", "fields": fields}
    raise TypeError(f"an answer of type {kind.__name__} is not kept")


def _value(tree: Any, blobs: list[bytes]) -> Any:
    if not isinstance(tree, dict):
        return tree
    if "$frame" in tree:
        return pl.read_ipc_stream(io.BytesIO(blobs[tree["$frame"]]))
    if "$bytes" in tree:
        return blobs[tree["$bytes"]]
    if "$list" in tree:
        return [_value(item, blobs) for item in tree["$list"]]
    if "$tuple" in tree:
        return tuple(_value(item, blobs) for item in tree["$tuple"])
    if "$dict" in tree:
        return {_value(k, blobs): _value(v, blobs) for k, v in tree["$dict"]}
    module, _, name = tree["$dataclass"].partition(":")
    if not module.startswith("equity."):
        raise ValueError(f"{module} is not the domain package")
    kind = getattr(importlib.import_module(module), name)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise ValueError(f"{module}:{name} is not a dataclass")
    made = object.__new__(kind)
    for field, item in tree["fields"].items():
        object.__setattr__(made, field, _value(item, blobs))
    return made


def keep_only(store: Path, kept: set[Path]) -> list[Path]:
    """Remove answers not in `kept` (older versions' and code's); returns what went."""
    folder = store / FOLDER
    gone = [p for p in folder.glob(f"*{SUFFIX}") if p not in kept] if folder.is_dir() else []
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
