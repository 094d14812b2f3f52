"""Answers kept ahead in a store (equity/answers.py): found only by their exact key, written
whole, and a missing or broken one means "compute it"."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equity import answers
from equity.ingest.runner import ingest_paths
from equity.store_vacuum import vacuum

ROOT = Path(__file__).resolve().parents[2]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
SURREY_KS4 = ROOT / "data" / "sources" / "performance-tables" / "2018-2019_936_ks4final.csv"

plain = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none())


@given(
    version=st.text(max_size=12),
    name=st.text(max_size=12),
    args=st.tuples(plain, plain),
    other=st.tuples(plain, plain),
)
def test_a_key_names_its_query_arguments_and_data(
    version: str, name: str, args: tuple[object, ...], other: tuple[object, ...]
) -> None:
    assert answers.key(version, name, args) == answers.key(version, name, args)
    assert answers.key(version, name, args) != answers.key(version + "x", name, args)
    assert answers.key(version, name, args) != answers.key(version, name + "x", args)
    if repr(other) != repr(args):
        assert answers.key(version, name, args) != answers.key(version, name, other)


def test_an_answer_is_read_back_only_by_its_own_key(tmp_path: Path) -> None:
    frame = pl.DataFrame({"la_code": ["350", "351"], "share": [0.25, None]})
    path = answers.write(tmp_path, "v3:abc", "mod.query", ("secondary", 2024), frame)
    assert path is not None and path.parent == tmp_path / answers.FOLDER
    found = answers.read(tmp_path, "v3:abc", "mod.query", ("secondary", 2024))
    assert isinstance(found, pl.DataFrame) and found.equals(frame)
    assert answers.read(tmp_path, "v4:abc", "mod.query", ("secondary", 2024)) is answers.MISSING
    assert answers.read(tmp_path, "v3:abc", "mod.query", ("primary", 2024)) is answers.MISSING
    assert answers.read(tmp_path, "v3:abc", "mod.other", ("secondary", 2024)) is answers.MISSING
    assert answers.write(tmp_path, "v3:abc", "mod.none", (), None) is not None
    assert answers.read(tmp_path, "v3:abc", "mod.none", ()) is None  # None is an answer
    assert not list((tmp_path / answers.FOLDER).glob(".*"))  # no scratch file left


def test_a_broken_or_unpicklable_answer_is_computed_again(tmp_path: Path) -> None:
    path = answers.write(tmp_path, "v1", "q", (), {"a": 1})
    assert path is not None
    path.write_bytes(path.read_bytes()[:-3])  # cut short, as by a full disk
    assert answers.read(tmp_path, "v1", "q", ()) is answers.MISSING
    path.write_bytes(b"not an answer at all")
    assert answers.read(tmp_path, "v1", "q", ()) is answers.MISSING
    assert answers.write(tmp_path, "v1", "lambda", (), lambda: 1) is None
    assert answers.read(tmp_path, "v1", "lambda", ()) is answers.MISSING
    assert not list((tmp_path / answers.FOLDER).glob(".*"))


def test_keep_only_removes_the_answers_of_older_versions(tmp_path: Path) -> None:
    old = answers.write(tmp_path, "v1", "q", (), 1)
    new = answers.write(tmp_path, "v2", "q", (), 2)
    assert old is not None and new is not None
    assert answers.keep_only(tmp_path, {new}) == [old]
    assert sorted((tmp_path / answers.FOLDER).iterdir()) == [new]
    assert answers.keep_only(tmp_path / "nowhere", set()) == []


def test_the_fingerprint_follows_every_source_file(tmp_path: Path) -> None:
    for folder in answers.CODE_ROOTS:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.py").write_text("x = 1\n")
    before = answers.fingerprint(tmp_path)
    (tmp_path / "components" / "a.py").write_text("x = 2\n")
    answers.fingerprint.cache_clear()
    try:
        assert answers.fingerprint(tmp_path) != before
    finally:
        answers.fingerprint.cache_clear()


def test_a_store_is_known_by_its_contents_not_its_path(tmp_path: Path) -> None:
    assert answers.store_identity(tmp_path / "empty") is None
    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    first = answers.store_identity(store)
    assert first is not None and first.startswith("v")
    moved = store.rename(tmp_path / "moved")
    assert answers.store_identity(moved) == first
    ingest_paths([SURREY_KS4], moved)
    assert answers.store_identity(moved) not in (None, first)


def test_vacuum_leaves_the_answers_alone(tmp_path: Path) -> None:
    """Vacuum clears what killed writers left (scratch files, unlisted Parquet): never the
    answers folder, which a killed writer's scratch name (".*.tmp") is the only thing of."""
    store = tmp_path / "store"
    ingest_paths([TINY_KS4], store)
    kept = answers.write(store, "v1", "q", (), pl.DataFrame({"a": [1]}))
    assert kept is not None
    scratch = store / answers.FOLDER / ".killed-writer.tmp"
    scratch.write_bytes(b"half")
    vacuum(store)
    assert kept.is_file()
    assert answers.read(store, "v1", "q", ()).equals(pl.DataFrame({"a": [1]}))
    assert not scratch.exists()


@pytest.mark.parametrize("args", [(), ("350",), (("350", "351"), "secondary")])
def test_keys_are_file_names(args: tuple[object, ...]) -> None:
    stem = answers.key("v1:abc", "equity.analysis.q", args)
    assert len(stem) == 40 and stem.isalnum()


values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        st.binary(max_size=10),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(values)
def test_plain_values_lists_tuples_and_dicts_come_back_as_they_went(value: object) -> None:
    back = answers.decode(answers.encode(value))
    assert back == value
    assert type(back) is type(value)
    assert repr(back) == repr(value)  # tuples stay tuples, lists lists, at every depth


def test_frames_and_the_domains_dataclasses_come_back_whole() -> None:
    from equity.analysis.comparators import Comparators
    from equity.queries import CountBasis

    frame = pl.DataFrame(
        {"urn": ["1", "2"], "share": [0.5, None], "kind": ["a", "b"]},
        schema_overrides={"kind": pl.Categorical},
    )
    peers = Comparators("352", "Manchester", "Greater Manchester", ("350",), True, None, None, "E")
    basis = CountBasis(kind="fsm6", description="ever-FSM", codes="x")
    value = {"frame": frame, "peers": peers, "pair": (basis, frame), "nan": math.nan}
    back = answers.decode(answers.encode(value))
    assert back["frame"].equals(frame) and back["frame"].schema == frame.schema
    assert back["peers"] == peers and back["pair"][0] == basis
    assert back["pair"][1].equals(frame) and math.isnan(back["nan"])


def test_only_the_domains_dataclasses_are_kept_or_built() -> None:
    @dataclasses.dataclass
    class Foreign:
        x: int

    with pytest.raises(TypeError):
        answers.encode(Foreign(1))
    header = json.dumps(
        {"tree": {"$dataclass": "os:_wrap_close", "fields": {}}, "blobs": []}
    ).encode()
    forged = answers.MAGIC + len(header).to_bytes(8, "little") + header
    with pytest.raises(ValueError, match="not the domain package"):
        answers.decode(forged)
    header = json.dumps(
        {"tree": {"$dataclass": "equity.answers:read", "fields": {}}, "blobs": []}
    ).encode()
    with pytest.raises(ValueError, match="not a dataclass"):
        answers.decode(answers.MAGIC + len(header).to_bytes(8, "little") + header)
