"""CSV downloads: floats rounded so binary noise never reaches a spreadsheet."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from components.tables import SIGNIFICANT, csv_bytes, rounded

BOM = b"\xef\xbb\xbf"


def _lines(payload: bytes) -> list[str]:
    assert payload.startswith(BOM)
    return payload[len(BOM) :].decode("utf-8").splitlines()


def test_float_noise_is_rounded_to_six_significant_digits() -> None:
    frame = pl.DataFrame(
        {
            "area": ["Bolton", "Bury", "Wigan"],
            # 48.9 - 37.6 in binary is 11.299999999999997; a mean is 37.60000000000001.
            "gap": [48.9 - 37.6, 37.60000000000001, None],
            "index": [0.1 + 0.2, 0.123456789, 2.5e-7],
            "pupils": [1234567.5, 123456.78, 12.0],  # whole parts are never rounded away
            "schools": [3, 4, 5],
        }
    )
    assert _lines(csv_bytes(frame)) == [
        "area,gap,index,pupils,schools",
        "Bolton,11.3,0.3,1234568.0,3",
        "Bury,37.6,0.123457,123457.0,4",
        "Wigan,,2.5e-7,12.0,5",
    ]


def test_columns_with_known_decimals_round_to_them_half_away_from_zero() -> None:
    # Progress 8 is published to 2 decimals: -0.125 -> -0.13 (DfE rounds half away from
    # zero; round-half-even would give -0.12); 0.30000000000000004 -> 0.3.
    frame = pl.DataFrame(
        {"area": ["Bury", "Wigan"], "p8": [-0.125, 0.1 + 0.2], "a8": [45.05, 0.1 + 0.2]}
    )
    assert _lines(csv_bytes(frame, {"p8": 2, "a8": 1})) == [
        "area,p8,a8",
        "Bury,-0.13,45.1",
        "Wigan,0.3,0.3",
    ]


def test_frames_without_floats_are_written_unchanged() -> None:
    frame = pl.DataFrame({"area": ["Bolton"], "schools": [12]})
    assert rounded(frame) is frame
    assert csv_bytes(frame) == BOM + frame.write_csv().encode("utf-8")


@given(
    st.lists(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    )
)
def test_written_values_are_within_half_a_unit_of_the_last_digit_kept(
    values: list[float],
) -> None:
    frame = pl.DataFrame({"v": values})
    written = _lines(csv_bytes(frame))[1:]
    for original, text in zip(values, written, strict=True):
        back = float(text)
        if abs(original) >= 10 ** (SIGNIFICANT - 1):  # whole numbers: the units digit
            assert abs(back - original) <= 0.5 + 1e-9 * abs(original)
            assert back == int(back)
        elif original != 0:  # the sixth significant digit
            unit = 10 ** (math.floor(math.log10(abs(original))) - SIGNIFICANT + 1)
            assert abs(back - original) <= unit / 2 * (1 + 1e-9)
            mantissa = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
            assert len(mantissa) <= SIGNIFICANT, text
        else:
            assert back == 0
