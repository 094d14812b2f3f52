"""Private store layers: where one browser session's (or one signed-in user's) uploads live.

The embedded store and the operator's store (filled with `python -m equity ingest`) are
shared by every visitor and never written from the browser. A browser upload goes to a
layer of its own, stacked last over the shared ones for its owner only:

- an anonymous session gets `<root>/sessions/<random id>`: the id is made here with
  `secrets` and kept in the session's state, never taken from anything the browser sends;
- a user signed in with Streamlit's OIDC sign-in gets `<root>/users/<hash>`, the hash of
  the identity provider's issuer and subject (`iss`, `sub`: the pair OIDC promises is
  stable and unique), so the same person finds their files in every session and nobody
  else can name the folder.

Streamlit has no reliable "session ended" callback, so a session layer carries a heartbeat
file touched on every rerun, and `sweep` deletes session layers idle for longer than a time
limit (and upload copies left in the temp folder by a server that died mid-ingest). Users'
layers are never swept: they persist until their owner removes the files.

No Streamlit here: components/data.py decides which layer a session has.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

PRIVATE_ROOT_ENV: Final = "EQUITY_PRIVATE_ROOT"
IDLE_HOURS_ENV: Final = "EQUITY_SESSION_IDLE_HOURS"
#: A session layer unused for this long is deleted (a visitor who closed the tab).
DEFAULT_IDLE_HOURS: Final = 12.0
#: Upload copies in the temp folder older than this belong to an ingest that died.
UPLOAD_COPY_MAX_AGE_S: Final = 6 * 3600.0
UPLOAD_COPY_PREFIX: Final = "equity-upload-"
#: Temp folders of ours the sweeper may remove when stale: upload copies (components/upload.py)
#: and the ingest's unpacked zips (equity/ingest/runner.py).
STALE_TEMP_PREFIXES: Final = (UPLOAD_COPY_PREFIX, "equity-ingest-")
HEARTBEAT: Final = ".last-seen"
SESSIONS: Final = "sessions"
USERS: Final = "users"
_SESSION_ID: Final = re.compile(r"[0-9a-f]{32}")
_USER_KEY: Final = re.compile(r"[0-9a-f]{64}")


def private_root() -> Path:
    """Where private layers live: `$EQUITY_PRIVATE_ROOT`, else beside the user store in the
    XDG data folder (not /tmp, so signed-in users' files survive a reboot)."""
    override = os.environ.get(PRIVATE_ROOT_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "equity-explorer" / "private"


def idle_limit_seconds() -> float:
    """The session idle limit from `$EQUITY_SESSION_IDLE_HOURS` (default 12 hours)."""
    text = os.environ.get(IDLE_HOURS_ENV, "")
    try:
        hours = float(text) if text.strip() else DEFAULT_IDLE_HOURS
    except ValueError:
        hours = DEFAULT_IDLE_HOURS
    return max(hours, 0.0) * 3600.0


def new_session_id() -> str:
    """128 random bits as 32 hex digits: unguessable, and safe as a folder name."""
    return secrets.token_hex(16)


def is_session_id(value: object) -> bool:
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def session_layer(session_id: str, root: Path | None = None) -> Path:
    """The folder of one anonymous session's uploads. Refuses anything but an id made by
    `new_session_id`, so no other text can become part of a path."""
    if not is_session_id(session_id):
        raise ValueError("not a session id")
    return (root or private_root()) / SESSIONS / session_id


def user_key(issuer: str, subject: str) -> str:
    """A stable folder name for one signed-in person: SHA-256 of issuer and subject.

    Both are part of the key because OIDC only promises `sub` unique per issuer. The length
    prefix keeps ("ab", "c") and ("a", "bc") apart.
    """
    text = f"{len(issuer)}:{issuer}\n{subject}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def user_layer(issuer: str, subject: str, root: Path | None = None) -> Path:
    return (root or private_root()) / USERS / user_key(issuer, subject)


def signed_in_identity(claims: Mapping[str, object]) -> tuple[str, str] | None:
    """(issuer, subject) of a signed-in user from `st.user`'s claims, or None.

    None unless the user is signed in and both claims are non-empty strings: an email or a
    display name is not a stable identity (people change them, providers reuse them).
    """
    if claims.get("is_logged_in") is not True:
        return None
    issuer, subject = claims.get("iss"), claims.get("sub")
    if isinstance(issuer, str) and isinstance(subject, str) and issuer and subject:
        return issuer, subject
    return None


def choose_layer(claims: Mapping[str, object], session_id: str, root: Path | None = None) -> Path:
    """The private layer for a session: the signed-in user's, else the session's own."""
    identity = signed_in_identity(claims)
    if identity is not None:
        return user_layer(*identity, root=root)
    return session_layer(session_id, root=root)


def touch(layer: Path) -> None:
    """Record that the layer's owner is still here (creates the layer folder if needed)."""
    layer.mkdir(parents=True, exist_ok=True)
    (layer / HEARTBEAT).touch()


def last_seen(layer: Path) -> float:
    """The latest of the heartbeat's and the folder's modification times (epoch seconds)."""
    stamps = []
    for path in (layer / HEARTBEAT, layer):
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            continue
    return max(stamps, default=0.0)


def sweep(
    root: Path | None = None,
    *,
    max_idle_s: float | None = None,
    now: float | None = None,
    temp_dir: Path | None = None,
    upload_copy_max_age_s: float = UPLOAD_COPY_MAX_AGE_S,
) -> list[Path]:
    """Delete session layers idle longer than `max_idle_s`, and stale upload copies.

    Returns what was deleted. Only folders whose names this app makes are touched: a
    session id under `<root>/sessions`, and `equity-upload-*` / `equity-ingest-*` folders
    of this user in the temp folder.
    Users' layers are kept. Errors (a folder another sweeper removed first) are skipped.
    """
    limit = idle_limit_seconds() if max_idle_s is None else max_idle_s
    moment = time.time() if now is None else now
    removed: list[Path] = []
    sessions = (root or private_root()) / SESSIONS
    if sessions.is_dir():
        for layer in sessions.iterdir():
            if not is_session_id(layer.name) or not layer.is_dir() or layer.is_symlink():
                continue
            if moment - last_seen(layer) > limit:
                shutil.rmtree(layer, ignore_errors=True)
                if not layer.exists():
                    removed.append(layer)
    temp = temp_dir or Path(tempfile.gettempdir())
    try:
        copies = [p for p in temp.iterdir() if p.name.startswith(STALE_TEMP_PREFIXES)]
    except OSError:
        copies = []
    uid = getattr(os, "getuid", lambda: None)()
    for copy in copies:
        try:
            if copy.is_symlink() or not copy.is_dir():
                continue
            if uid is not None and copy.stat().st_uid != uid:
                continue  # another user's: not ours to delete
            age = moment - copy.stat().st_mtime
        except OSError:
            continue
        if age > upload_copy_max_age_s:
            shutil.rmtree(copy, ignore_errors=True)
            if not copy.exists():
                removed.append(copy)
    return removed
