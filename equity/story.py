"""A story: an ordered list of slides, each a chart's view reference plus the author's words.

Stories travel in URLs, so the encoding is the security boundary: a link is untrusted text.
It is JSON with short keys, zlib-compressed and urlsafe-base64 encoded behind a version
prefix ("s1."), and decoding accepts only what `encode` can produce: known keys, strings
within size limits, no control characters. Everything else raises `StoryError` with a
message a reader can act on. No pickle, no eval: JSON only.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

VERSION: Final = 1
PREFIX: Final = f"s{VERSION}."
MAX_ENCODED: Final = 4096  # characters of the whole "s1...." value
MAX_JSON: Final = 64 * 1024  # decompressed bytes: a compressed bomb stops here
MAX_SLIDES: Final = 30
MAX_TITLE: Final = 200
MAX_NOTE: Final = 500
MAX_REF_KEYS: Final = 12
MAX_REF_VALUE: Final = 100

_VIEW_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_REF_KEY = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_BODY = re.compile(r"^[A-Za-z0-9_-]+$")
_VERSIONED = re.compile(r"^s(\d{1,6})\.")
#: Bidirectional overrides would let a shared link show text other than what it says.
_BIDI: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class StoryError(ValueError):
    """A story (or a link to one) that cannot be used; the message says why."""


def _check_text(value: object, what: str, limit: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise StoryError(f"{what} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise StoryError(f"{what} is {len(value)} characters long; the limit is {limit}")
    allowed = "\n\t" if multiline else ""
    for char in value:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in allowed) or category == "Cs" or char in _BIDI:
            raise StoryError(f"{what} contains a control character (U+{ord(char):04X})")
    return value


def _check_ref(ref: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(ref, Mapping):
        raise StoryError(f"a slide's view must be a set of named values, not {type(ref).__name__}")
    if len(ref) > MAX_REF_KEYS:
        raise StoryError(f"a slide's view has {len(ref)} values; the limit is {MAX_REF_KEYS}")
    pairs = []
    for key, value in ref.items():
        if not isinstance(key, str) or not _REF_KEY.match(key):
            raise StoryError(f"a slide's view has an invalid name {str(key)[:20]!r}")
        text = _check_text(value, f"the view value '{key}'", MAX_REF_VALUE)
        if not text:
            raise StoryError(f"the view value '{key}' is empty")
        pairs.append((key, text))
    view_id = dict(pairs).get("v")
    if view_id is None:
        raise StoryError("a slide's view has no view id ('v')")
    if not _VIEW_ID.match(view_id):
        raise StoryError(f"the view id {view_id[:70]!r} is not a valid view id")
    # "v" first, then the rest in the order given: the encoding is stable.
    return (("v", view_id), *((k, v) for k, v in pairs if k != "v"))


@dataclass(frozen=True)
class Slide:
    """One chart (by reference, never its data) with an optional title and speaker note."""

    view: tuple[tuple[str, str], ...]
    title: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        try:
            pairs = dict(self.view)
        except (TypeError, ValueError):
            raise StoryError("a slide's view must be (name, value) pairs") from None
        object.__setattr__(self, "view", _check_ref(pairs))
        _check_text(self.title, "a slide title", MAX_TITLE)
        _check_text(self.note, "a slide note", MAX_NOTE, multiline=True)

    @classmethod
    def of(cls, ref: Mapping[str, str], title: str = "", note: str = "") -> Slide:
        return cls(_check_ref(ref), title, note)

    @property
    def ref(self) -> dict[str, str]:
        return dict(self.view)

    @property
    def view_id(self) -> str:
        return self.view[0][1]


@dataclass(frozen=True)
class Story:
    """Immutable: every edit returns a new story, so Streamlit reruns never see half an edit."""

    title: str = ""
    slides: tuple[Slide, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _check_text(self.title, "the story title", MAX_TITLE)
        if not isinstance(self.slides, tuple) or not all(isinstance(s, Slide) for s in self.slides):
            raise StoryError("a story's slides must be a tuple of Slide")
        if len(self.slides) > MAX_SLIDES:
            raise StoryError(
                f"a story holds at most {MAX_SLIDES} slides (this one has {len(self.slides)})"
            )

    def add(self, ref: Mapping[str, str], title: str = "", note: str = "") -> Story:
        return replace(self, slides=(*self.slides, Slide.of(ref, title, note)))

    def remove(self, index: int) -> Story:
        self._index(index)
        return replace(self, slides=self.slides[:index] + self.slides[index + 1 :])

    def move(self, index: int, offset: int) -> Story:
        """Swap a slide with its neighbour; moving past either end leaves the story as is."""
        self._index(index)
        target = index + offset
        if not 0 <= target < len(self.slides):
            return self
        slides = list(self.slides)
        slides[index], slides[target] = slides[target], slides[index]
        return replace(self, slides=tuple(slides))

    def edit(self, index: int, *, title: str | None = None, note: str | None = None) -> Story:
        self._index(index)
        old = self.slides[index]
        new = Slide(
            old.view, old.title if title is None else title, old.note if note is None else note
        )
        return replace(self, slides=(*self.slides[:index], new, *self.slides[index + 1 :]))

    def retitle(self, title: str) -> Story:
        return replace(self, title=title)

    def _index(self, index: int) -> None:
        if not 0 <= index < len(self.slides):
            raise StoryError(f"there is no slide {index + 1} (the story has {len(self.slides)})")


# --------------------------------------------------------------------------- the link format


def to_json(story: Story) -> dict[str, Any]:
    """Short keys (t: title, s: slides, v: view, n: note); empty fields are left out."""
    slides = []
    for slide in story.slides:
        item: dict[str, Any] = {"v": slide.ref}
        if slide.title:
            item["t"] = slide.title
        if slide.note:
            item["n"] = slide.note
        slides.append(item)
    out: dict[str, Any] = {"s": slides}
    if story.title:
        out["t"] = story.title
    return out


def _only(obj: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise StoryError(f"{what} has an unknown field {str(unknown[0])[:20]!r}")


def from_json(obj: object) -> Story:
    if not isinstance(obj, dict):
        raise StoryError("the story is not a set of named fields")
    _only(obj, ("t", "s"), "the story")
    raw_slides = obj.get("s", [])
    if not isinstance(raw_slides, list):
        raise StoryError("the story's slides are not a list")
    if len(raw_slides) > MAX_SLIDES:
        raise StoryError(
            f"a story holds at most {MAX_SLIDES} slides (this one has {len(raw_slides)})"
        )
    slides = []
    for number, item in enumerate(raw_slides, start=1):
        if not isinstance(item, dict):
            raise StoryError(f"slide {number} is not a set of named fields")
        _only(item, ("v", "t", "n"), f"slide {number}")
        if "v" not in item:
            raise StoryError(f"slide {number} has no view")
        try:
            slides.append(Slide.of(item["v"], item.get("t", ""), item.get("n", "")))
        except StoryError as exc:
            raise StoryError(f"slide {number}: {exc}") from None
    return Story(obj.get("t", ""), tuple(slides))


def encode(story: Story) -> str:
    """The value for `?story=`; StoryError when it would exceed the link size limit."""
    text = json.dumps(to_json(story), separators=(",", ":"), ensure_ascii=False)
    packed = zlib.compress(text.encode("utf-8"), 9)
    encoded = PREFIX + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")
    if len(encoded) > MAX_ENCODED:
        raise StoryError(
            f"the story is too long to share as a link ({len(encoded)} characters; the limit is "
            f"{MAX_ENCODED}): shorten notes or remove slides"
        )
    return encoded


def decode(encoded: object) -> Story:
    """The story in a link, or StoryError saying what is wrong with it."""
    if not isinstance(encoded, str):
        raise StoryError(f"a story link is text, not {type(encoded).__name__}")
    text = encoded.strip()
    if not text:
        raise StoryError("the story link is empty")
    if len(text) > MAX_ENCODED:
        raise StoryError(
            f"the story link is {len(text)} characters long; the limit is {MAX_ENCODED}"
        )
    version = _VERSIONED.match(text)
    if version is None:
        raise StoryError(f"this is not a story link (story links start with '{PREFIX}')")
    if int(version.group(1)) != VERSION:
        raise StoryError(
            f"this story link has version s{version.group(1)}; this version of Equity Explorer "
            f"reads {PREFIX[:-1]} links"
        )
    body = text[len(version.group(0)) :]
    if not body:
        raise StoryError(f"the story link is cut short (nothing after '{PREFIX}')")
    if not _BODY.match(body):
        raise StoryError("the story link contains characters a story link never has")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise StoryError("the story link is cut short or damaged (not valid base64)") from None
    return from_json(_load(packed))


def _load(packed: bytes) -> object:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_JSON)
    except zlib.error:
        raise StoryError("the story link is damaged (its checksum does not match)") from None
    if inflater.unconsumed_tail:
        raise StoryError(f"the story unpacks to more than {MAX_JSON // 1024} KB")
    if not inflater.eof or inflater.unused_data:
        raise StoryError("the story link is cut short or has extra characters")
    try:
        return json.loads(
            raw.decode("utf-8"), parse_constant=_no_constants, object_pairs_hook=_unique
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise StoryError("the story link does not hold a story (invalid JSON)") from None


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not allowed")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A repeated field would be silently dropped by `dict`; a link never has one."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a field is repeated")
    return out
