"""The story link format: round trips exactly, and anything else is a StoryError."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equity.story import (
    MAX_ENCODED,
    MAX_NOTE,
    MAX_SLIDES,
    MAX_TITLE,
    Slide,
    Story,
    StoryError,
    decode,
    encode,
)

REF = {
    "v": "overview-ks4_attainment8",
    "la": "352",
    "phase": "secondary",
    "group": "disadvantaged",
    "year": "2018/19",
}


def _pack(obj: object, prefix: str = "s1.") -> str:
    raw = zlib.compress(json.dumps(obj).encode())
    return prefix + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_round_trip_keeps_everything() -> None:
    story = (
        Story("Greater Manchester: the gap at 16")
        .add(REF, "Manchester trails", "Say: 11.3 points.\nThen pause.")
        .add({**REF, "v": "overview-ks4_progress8", "la": "GM"})
    )
    encoded = encode(story)
    assert encoded.startswith("s1.")
    assert decode(encoded) == story
    assert decode(f"  {encoded}\n") == story  # pasted with whitespace


def test_encoding_is_compact_and_urlsafe() -> None:
    encoded = encode(Story("t").add(REF))
    # JSON with short keys, compressed: one slide is well under 200 characters.
    assert len(encoded) < 200
    assert set(encoded[3:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    payload = json.loads(zlib.decompress(base64.urlsafe_b64decode(encoded[3:] + "==")))
    assert payload == {"s": [{"v": REF}], "t": "t"}


def test_view_id_comes_first_whatever_the_order_given() -> None:
    slide = Slide.of({"year": "2018/19", "v": "overview-x", "la": "352"})
    assert slide.view[0] == ("v", "overview-x")
    assert slide.view_id == "overview-x"


def test_editing_returns_new_stories() -> None:
    story = Story().add(REF).add({**REF, "la": "350"}).add({**REF, "la": "351"})
    moved = story.move(2, -1)
    assert [s.ref["la"] for s in moved.slides] == ["352", "351", "350"]
    assert story.move(0, -1) == story  # past the start: unchanged
    assert [s.ref["la"] for s in story.remove(0).slides] == ["350", "351"]
    edited = story.edit(1, title="Bolton", note="n")
    assert (edited.slides[1].title, edited.slides[1].note) == ("Bolton", "n")
    assert story.slides[1].title == ""
    with pytest.raises(StoryError, match="no slide 4"):
        story.remove(3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("hello", "not a story link"),
        ("s2.eNoDAAAAAAE", "version s2"),
        ("s10.eNoDAAAAAAE", "version s10"),
        ("s1.", "cut short"),
        ("s1.abc def", "characters a story link never has"),
        ("s1.a", "not valid base64"),
        ("s1.AAAAAAAA", "damaged"),
        ("s1." + "A" * MAX_ENCODED, "limit is 4096"),
    ],
)
def test_garbage_and_unknown_versions_raise_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(StoryError, match=message):
        decode(text)


def test_not_text_is_rejected() -> None:
    with pytest.raises(StoryError, match="is text"):
        decode(b"s1.abc")  # type: ignore[arg-type]


def test_tampered_character_is_caught_by_the_checksum() -> None:
    encoded = encode(Story("t").add(REF, note="a note long enough to matter"))
    # Flip one character in the middle of the compressed body.
    middle = len(encoded) // 2
    swapped = "B" if encoded[middle] != "B" else "C"
    tampered = encoded[:middle] + swapped + encoded[middle + 1 :]
    with pytest.raises(StoryError):
        decode(tampered)


def test_truncated_link_is_rejected() -> None:
    encoded = encode(Story("t").add(REF))
    with pytest.raises(StoryError):
        decode(encoded[:-6])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "not a set of named fields"),
        ({"s": [], "x": 1}, "unknown field 'x'"),
        ({"s": "slides"}, "not a list"),
        ({"s": [{"v": REF, "z": 1}]}, "slide 1 has an unknown field 'z'"),
        ({"s": [{"t": "no view"}]}, "slide 1 has no view"),
        ({"s": [{"v": {"la": "352"}}]}, "no view id"),
        ({"s": [{"v": {**REF, "v": "../../etc"}}]}, "not a valid view id"),
        ({"s": [{"v": {**REF, "la": 352}}]}, "must be text, not int"),
        ({"s": [{"v": {**REF, "Bad-Key": "x"}}]}, "invalid name"),
        ({"s": [{"v": REF, "t": "x" * (MAX_TITLE + 1)}]}, "limit is 200"),
        ({"s": [{"v": REF, "n": "x" * (MAX_NOTE + 1)}]}, "limit is 500"),
        ({"t": "a\x00b", "s": []}, "control character"),
        ({"t": "evil\u202etxt.exe", "s": []}, "control character"),
        ({"s": [{"v": REF}] * (MAX_SLIDES + 1)}, "at most 30 slides"),
        ({"s": [{"v": {**REF, **{f"k{i}": "x" for i in range(12)}}}]}, "limit is 12"),
    ],
)
def test_well_formed_links_with_bad_contents_are_rejected(payload: object, message: str) -> None:
    with pytest.raises(StoryError, match=message):
        decode(_pack(payload))


def test_repeated_fields_and_constants_are_rejected() -> None:
    raw = b'{"s":[],"t":"a","t":"b"}'
    repeated = "s1." + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")
    with pytest.raises(StoryError, match="invalid JSON"):
        decode(repeated)
    nan = "s1." + base64.urlsafe_b64encode(zlib.compress(b'{"s":NaN}')).decode().rstrip("=")
    with pytest.raises(StoryError, match="invalid JSON"):
        decode(nan)


def test_compression_bomb_is_stopped() -> None:
    bomb = zlib.compress(b'{"t":"' + b" " * (2 * 1024 * 1024) + b'"}', 9)
    encoded = "s1." + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    assert len(encoded) <= MAX_ENCODED  # small on the wire...
    with pytest.raises(StoryError, match="more than 64 KB"):  # ...but never inflated
        decode(encoded)


def test_deep_nesting_is_a_story_error_not_a_crash() -> None:
    deep = zlib.compress(b"[" * 60000 + b"]" * 60000, 9)
    encoded = "s1." + base64.urlsafe_b64encode(deep).decode().rstrip("=")
    with pytest.raises(StoryError):
        decode(encoded)


def test_oversize_story_cannot_be_encoded() -> None:
    # Thirty slides with distinct 500-character notes cannot fit into a 4 KB link.
    story = Story()
    for i in range(MAX_SLIDES):
        story = story.add(
            {**REF, "la": str(300 + i)},
            note=f"{i} "
            + "".join(chr(0x4E00 + (i * 500 + j) % 20000) for j in range(MAX_NOTE - 4)),
        )
    with pytest.raises(StoryError, match="too long to share as a link"):
        encode(story)


def test_a_31st_slide_is_refused() -> None:
    story = Story(slides=tuple(Slide.of({**REF, "la": str(i)}) for i in range(MAX_SLIDES)))
    with pytest.raises(StoryError, match="at most 30"):
        story.add(REF)


# --------------------------------------------------------------------------- properties

_text = st.text(
    st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    max_size=60,
)
_value = _text.filter(bool)
_refs = st.fixed_dictionaries(
    {"v": st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,30}", fullmatch=True)},
    optional={
        "la": _value,
        "phase": _value,
        "group": _value,
        "year": _value,
        "urn": _value,
    },
)
_slides = st.builds(
    Slide.of,
    _refs,
    _text,
    st.text(st.sampled_from("ab c\n\t.é€😀"), max_size=80),
)
_stories = st.builds(lambda t, s: Story(t, tuple(s)), _text, st.lists(_slides, max_size=6))


@given(_stories)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_story_round_trips_or_is_refused_as_too_long(story: Story) -> None:
    try:
        encoded = encode(story)
    except StoryError as exc:
        assert "too long" in str(exc)
        return
    assert len(encoded) <= MAX_ENCODED
    assert decode(encoded) == story


@pytest.mark.fuzz
@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_is_a_story_or_a_story_error(text: str) -> None:
    try:
        story = decode(text)
    except StoryError as exc:
        assert str(exc)
    else:
        assert isinstance(story, Story)


@pytest.mark.fuzz
@given(_stories, st.data())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_links_never_raise_anything_but_story_error(
    story: Story, data: st.DataObject
) -> None:
    try:
        encoded = encode(story)
    except StoryError:
        return
    position = data.draw(st.integers(0, len(encoded) - 1))
    replacement = data.draw(st.sampled_from("AZaz09-_.=+/% s"))
    mutated = encoded[:position] + replacement + encoded[position + 1 :]
    try:
        decoded = decode(mutated)
    except StoryError:
        return
    assert isinstance(decoded, Story)


@pytest.mark.fuzz
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=3), children, max_size=4)
        ),
        max_leaves=30,
    )
)
@settings(max_examples=300, deadline=None)
def test_any_json_payload_is_a_story_or_a_story_error(payload: object) -> None:
    try:
        story = decode(_pack(payload))
    except StoryError as exc:
        assert str(exc)
    else:
        assert isinstance(story, Story)
