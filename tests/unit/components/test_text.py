"""The shared words of components/: one escaper, ordinals, plurals, measure formatting."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from components import text
from equity.schema import HEADLINE_MEASURES, MEASURES


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("St *Mary* [x](y) :smile:", r"St \*Mary\* \[x\]\(y\) \:smile:"),
        ("Bolton (350): 2018/19", r"Bolton \(350\): 2018/19"),
        ("- item\n1. x\n===", "\\- item\n1\\. x\n\\==="),
        ("a - b = c", "a - b = c"),
        ("https://evil.example/x", r"https\://evil.example/x"),
        (":red[boo] :material/home:", r"\:red\[boo\] \:material/home:"),
        ("<b>$x$</b> `c` ~~s~~ | #", r"\<b\>\$x\$\</b\> \`c\` \~\~s\~\~ \| \#"),
        ("back\\slash", r"back\\slash"),
    ],
)
def test_plain_escapes_what_would_act_and_leaves_prose(raw: str, escaped: str) -> None:
    assert text.plain(raw) == escaped


_md = MarkdownIt("commonmark").enable("strikethrough").enable("table")


#: Lines start flush: an indented line is a code block, literal anyway.
_LINES = st.text(alphabet=st.sampled_from(list("ab1. -=*_[]()#+!|~<>$:`\\\n{}")), max_size=40).map(
    lambda raw: "\n".join(line.lstrip() for line in raw.split("\n"))
)


@given(_LINES)
def test_plain_text_renders_as_one_paragraph_of_itself(raw: str) -> None:
    """Whatever the characters, the rendered Markdown is the text itself: no emphasis,
    links, lists, headings, code or HTML (CommonMark; Streamlit's renderer adds maths,
    shortcodes and colours, which the escaped $ [ and colon keep out)."""
    tokens = _md.parse(text.plain(raw))
    kinds = {t.type for t in tokens}
    assert kinds <= {"paragraph_open", "paragraph_close", "inline"}
    for token in tokens:
        for child in token.children or []:
            assert child.type in {"text", "softbreak", "hardbreak"}
    shown = "".join(
        child.content if child.type == "text" else "\n"
        for token in tokens
        for child in token.children or []
    )
    assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", raw)


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal(n: int, word: str) -> None:
    assert text.ordinal(n) == word


def test_plural() -> None:
    assert text.plural(1, "school") == "1 school"
    assert text.plural(1024, "school") == "1,024 schools"
    assert text.plural(2, "feature", article=False) == "features"


def test_quoted_shows_a_link_value_as_short_code() -> None:
    assert text.quoted("[x](javascript:1)") == "`[x](javascript:1)`"
    assert text.quoted("a`b\nc") == "`a'b c`"
    assert text.quoted("9" * 100) == "`" + "9" * 39 + "…`"


def test_measure_words_come_from_the_catalogue() -> None:
    assert text.short_label("ks4_attainment8") == "Attainment 8"
    assert text.short_label("ks2_rwm_higher_pct") == MEASURES["ks2_rwm_higher_pct"].label
    assert text.fmt(41.25, "ks2_rwm_expected_pct") == "41.2%"
    assert text.fmt(-0.456, "ks4_progress8") == "-0.46"
    assert text.fmt(None, "ks4_attainment8") == "not published"
    assert text.fmt_gap(12.34, "ks2_rwm_expected_pct") == "12.3 percentage points"
    assert text.fmt_gap(0.5, "ks4_progress8") == "0.50 points"


def test_every_headline_measure_has_a_short_label() -> None:
    """A headline measure without one would show its long label in pickers and titles."""
    for measures in HEADLINE_MEASURES.values():
        for measure in measures:
            assert MEASURES[measure].short_label, measure
