"""Private layers: which folder a session's uploads go to, and the sweeper that removes
layers of sessions that went away (equity/private_layers.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity import private_layers as pl_

HOUR = 3600.0


def make_layer(root: Path, session_id: str, idle_s: float, now: float) -> Path:
    layer = pl_.session_layer(session_id, root)
    pl_.touch(layer)
    (layer / "manifest.parquet").write_bytes(b"x")
    stamp = now - idle_s
    for path in (layer / pl_.HEARTBEAT, layer):
        os.utime(path, (stamp, stamp))
    return layer


def test_sweeper_deletes_idle_session_layers_and_keeps_fresh_ones(tmp_path: Path) -> None:
    now = time.time()
    root = tmp_path / "private"
    old = make_layer(root, "a" * 32, idle_s=13 * HOUR, now=now)
    fresh = make_layer(root, "b" * 32, idle_s=1 * HOUR, now=now)
    user = pl_.user_layer("https://id.example", "alice", root)
    pl_.touch(user)
    os.utime(user / pl_.HEARTBEAT, (now - 1000 * HOUR, now - 1000 * HOUR))
    os.utime(user, (now - 1000 * HOUR, now - 1000 * HOUR))
    stranger = root / "sessions" / "not-a-session-id"  # not ours: never touched
    stranger.mkdir()
    os.utime(stranger, (now - 1000 * HOUR, now - 1000 * HOUR))

    removed = pl_.sweep(root, max_idle_s=12 * HOUR, now=now, temp_dir=tmp_path / "tmp")
    assert removed == [old]
    assert not old.exists()
    assert (fresh / "manifest.parquet").is_file()
    assert user.is_dir()
    assert stranger.is_dir()


def test_a_heartbeat_keeps_a_layer_whose_folder_is_old(tmp_path: Path) -> None:
    now = time.time()
    layer = make_layer(tmp_path, "c" * 32, idle_s=20 * HOUR, now=now)
    os.utime(layer / pl_.HEARTBEAT, (now - 60, now - 60))  # the owner came back a minute ago
    assert pl_.sweep(tmp_path, max_idle_s=12 * HOUR, now=now, temp_dir=tmp_path) == []
    assert layer.is_dir()


def test_sweeper_removes_stale_upload_copies_only(tmp_path: Path) -> None:
    now = time.time()
    temp = tmp_path / "tmp"
    stale = temp / f"{pl_.UPLOAD_COPY_PREFIX}abc"
    unzipped = temp / "equity-ingest-xyz"
    current = temp / f"{pl_.UPLOAD_COPY_PREFIX}def"
    other = temp / "someone-else"
    for folder in (stale, unzipped, current, other):
        (folder / "upload").mkdir(parents=True)
        (folder / "upload" / "big.csv").write_bytes(b"1,2\n")
    for folder in (stale, unzipped, other):
        os.utime(folder, (now - 7 * HOUR, now - 7 * HOUR))
    removed = pl_.sweep(tmp_path / "private", max_idle_s=HOUR, now=now, temp_dir=temp)
    assert sorted(removed) == sorted([stale, unzipped])
    assert current.is_dir() and other.is_dir()


def test_idle_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pl_.IDLE_HOURS_ENV, "2.5")
    assert pl_.idle_limit_seconds() == 2.5 * HOUR
    monkeypatch.setenv(pl_.IDLE_HOURS_ENV, "soon")
    assert pl_.idle_limit_seconds() == pl_.DEFAULT_IDLE_HOURS * HOUR
    monkeypatch.delenv(pl_.IDLE_HOURS_ENV)
    assert pl_.idle_limit_seconds() == 12 * HOUR


def test_session_ids_are_random_hex_and_nothing_else_names_a_folder(tmp_path: Path) -> None:
    ids = {pl_.new_session_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(pl_.is_session_id(i) for i in ids)
    for bad in ("../" + "a" * 29, "A" * 32, "a" * 31, "a" * 33, "", None, 5):
        assert not pl_.is_session_id(bad)
    with pytest.raises(ValueError):
        pl_.session_layer("../../etc", tmp_path)
    assert pl_.session_layer("d" * 32, tmp_path) == tmp_path / "sessions" / ("d" * 32)


def test_the_folder_choice_for_signed_in_and_anonymous_sessions(tmp_path: Path) -> None:
    sid = "e" * 32
    anonymous = pl_.choose_layer({}, sid, tmp_path)
    assert anonymous == tmp_path / "sessions" / sid
    # Sign-in configured but not signed in, or claims without a stable id: anonymous.
    assert pl_.choose_layer({"is_logged_in": False}, sid, tmp_path) == anonymous
    assert pl_.choose_layer({"is_logged_in": True, "email": "a@x"}, sid, tmp_path) == anonymous
    assert pl_.choose_layer({"is_logged_in": "yes", "iss": "i", "sub": "s"}, sid, tmp_path) == (
        anonymous
    )
    alice = {"is_logged_in": True, "iss": "https://id.example", "sub": "alice"}
    layer = pl_.choose_layer(alice, sid, tmp_path)
    assert layer.parent == tmp_path / "users"
    # The same person in another session gets the same folder; its name is a hash only.
    assert pl_.choose_layer(alice, "f" * 32, tmp_path) == layer
    assert "alice" not in layer.name and len(layer.name) == 64
    # Another subject, or the same subject at another issuer, is another person.
    assert pl_.choose_layer({**alice, "sub": "bob"}, sid, tmp_path) != layer
    assert pl_.choose_layer({**alice, "iss": "https://other.example"}, sid, tmp_path) != layer


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_user_keys_differ_whenever_issuer_or_subject_differ(
    i1: str, s1: str, i2: str, s2: str
) -> None:
    same = (i1, s1) == (i2, s2)
    assert (pl_.user_key(i1, s1) == pl_.user_key(i2, s2)) is same
