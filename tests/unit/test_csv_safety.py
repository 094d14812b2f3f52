"""CSV exports are safe to open in a spreadsheet: formula-like text is neutralised (OWASP's
rule: a single quote in front), numbers stay numbers, and csv_bytes is the app's only CSV
writer, so the rule reaches every download."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from components.tables import FORMULA_STARTS, csv_bytes, neutral_text, neutralised

ROOT = Path(__file__).resolve().parents[2]


def cells(payload: bytes) -> list[list[str]]:
    assert payload.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(payload[3:].decode("utf-8"))))


def test_formula_like_names_are_quoted_and_numbers_are_not() -> None:
    frame = pl.DataFrame(
        {
            "school": [
                '=HYPERLINK("http://evil.example","x")',
                "+cmd|' /C calc'!A0",
                "@SUM(A1:A9)",
                "-5",
                "\tTabbed",
                "\rReturn",
                "St Mary's C of E",
                "a=b",
                None,
            ],
            "gap": [-5.25, 1.0, -0.5, 2.0, 3.0, None, 0.0, 4.5, -1.0],
            "pupils": [-1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )
    rows = cells(csv_bytes(frame))
    assert rows[0] == ["school", "gap", "pupils"]
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+cmd|' /C calc'!A0",
        "'@SUM(A1:A9)",
        "'-5",  # text, even if it looks like a number: a label stays a label
        "'\tTabbed",
        "'\rReturn",
        "St Mary's C of E",
        "a=b",
        "",
    ]
    assert [r[1] for r in rows[1:]] == [
        "-5.25",
        "1.0",
        "-0.5",
        "2.0",
        "3.0",
        "",
        "0.0",
        "4.5",
        "-1.0",
    ]
    assert [r[2] for r in rows[1:]] == ["-1", "2", "3", "4", "5", "6", "7", "8", "9"]


def test_categorical_text_and_headers_are_neutralised_too() -> None:
    frame = pl.DataFrame({"name": ["=1+1", "ok"]}).with_columns(
        pl.col("name").cast(pl.Categorical).alias("cat"),
        pl.col("name").cast(pl.Enum(["=1+1", "ok"])).alias("enum"),
        pl.lit(1).alias("=bad header"),
    )
    safe = neutralised(frame)
    assert safe.columns == ["name", "cat", "enum", "'=bad header"]
    assert safe.row(0) == ("'=1+1", "'=1+1", "'=1+1", 1)
    assert safe.row(1) == ("ok", "ok", "ok", 1)


def test_a_frame_without_text_is_written_as_before() -> None:
    frame = pl.DataFrame({"a": [-1, 2], "b": [-0.5, 1.25]})
    assert csv_bytes(frame) == b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8")


@given(st.lists(st.text(max_size=12) | st.none(), min_size=1, max_size=20))
def test_no_text_cell_starts_like_a_formula_and_nothing_else_changes(
    texts: list[str | None],
) -> None:
    safe = neutralised(pl.DataFrame({"t": texts}, schema={"t": pl.String}))["t"].to_list()
    for before, after in zip(texts, safe, strict=True):
        if before is None:
            assert after is None
        elif before.startswith(FORMULA_STARTS):
            assert after == "'" + before
        else:
            assert after == before
        assert after is None or not after.startswith(FORMULA_STARTS)
        assert after == (None if before is None else neutral_text(before))


# --------------------------------------------------------------------------- one writer


def _csv_writers(path: Path) -> list[str]:
    """Calls that write CSV in one module: frame.write_csv/to_csv/sink_csv, csv.writer."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            owner = node.func.value
            if name in {"write_csv", "to_csv", "sink_csv"} or (
                name in {"writer", "DictWriter"}
                and isinstance(owner, ast.Name)
                and owner.id == "csv"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_csv_bytes_is_the_only_csv_writer_in_the_app() -> None:
    modules = [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]
    modules += [*(ROOT / "components").rglob("*.py"), *(ROOT / "equity").rglob("*.py")]
    writers = [w for m in modules for w in _csv_writers(m)]
    assert writers == [w for w in writers if w.startswith("components/tables.py")]
    assert any(w.startswith("components/tables.py") for w in writers)  # the scan sees it


def test_every_csv_download_button_is_fed_by_csv_bytes() -> None:
    """Each module that offers a CSV download makes its bytes with csv_bytes."""
    for module in [*(ROOT / "components").rglob("*.py"), *(ROOT / "pages").rglob("*.py")]:
        text = module.read_text(encoding="utf-8")
        if '"text/csv"' in text:
            assert "csv_bytes(" in text, module
