"""components/urlstate.py: link values parsed once and safely."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.urlstate import whole_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20", 20),
        (" 20 ", 20),
        ("5", 5),
        ("50", 50),
        ("0", None),  # below the range
        ("51", None),
        ("4", None),
        ("", None),
        (None, None),
        ("²", None),  # isdigit() is True, int() raises
        ("٢٠", None),  # Arabic-Indic 20: int() reads it, a link should not
        ("２０", None),  # full-width 20
        ("+20", None),
        ("-20", None),
        ("020", None),
        ("2 0", None),
        ("20.0", None),
        ("1e1", None),
        ("9" * 5_000, None),  # past int()'s 4,300-digit limit: a ValueError before
        ("9" * 10_000, None),
    ],
)
def test_whole_number_takes_plain_ascii_numbers_in_range_only(
    raw: str | None, expected: int | None
) -> None:
    assert whole_number(raw, 5, 50) == expected


@given(st.integers(0, 10**6))
def test_every_number_in_range_written_plainly_is_read_back(n: int) -> None:
    assert whole_number(str(n), 0, 10**6) == n


@given(st.text(max_size=12))
def test_any_text_is_a_number_in_range_or_none_never_an_error(raw: str) -> None:
    value = whole_number(raw, 1, 999)
    assert value is None or (1 <= value <= 999 and str(value) == raw.strip())


@given(
    st.one_of(
        st.integers().map(lambda n: f"{n:+d}"),
        st.integers(0, 999).map(lambda n: "0" + str(n)),
        st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=6).filter(
            lambda t: not t.isascii()
        ),
        st.integers(4_000, 10_000).map(lambda n: "7" * n),
    )
)
def test_signs_leading_zeros_unicode_digits_and_huge_numbers_are_refused(raw: str) -> None:
    assert whole_number(raw, 1, 999) is None
