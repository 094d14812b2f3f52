"""The runner and registry around the readers: archives, folders, source names, bad files.

Each damaged or mistaken input is built in the test (a real zip with its flags edited, an
Excel magic number, UTF-16 bytes), so what is refused, and with which words, is visible here.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path, PurePosixPath

import polars as pl
import pytest

from equity.ingest.base import IngestError
from equity.ingest.registry import read_file
from equity.ingest.runner import ingest_paths, source_name
from equity.store import Store, read_manifest

ROOT = Path(__file__).resolve().parents[3]
TINY_KS4 = ROOT / "tests" / "data" / "performance_tables" / "2018-2019_999_ks4final.csv"
TINY_KS2 = ROOT / "tests" / "data" / "performance_tables" / "2017-2018_998_ks2final.csv"
SAVE_AS = "save it as CSV (UTF-8) and load that"


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def edit_headers(data: bytes, *, flag: int | None = None, method: int | None = None) -> bytes:
    """Set the general-purpose flag / compression method in every local and central header."""
    raw = bytearray(data)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := raw.find(signature, start)) != -1:
            if flag is not None:
                struct.pack_into("<H", raw, at + flag_at, flag)
            if method is not None:
                struct.pack_into("<H", raw, at + flag_at + 2, method)
            start = at + 4
    return bytes(raw)


# --------------------------------------------------------------------------- source names


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("2018-2019_936_ks4final.csv", "2018-2019_936_ks4final.csv"),
        ("performance-tables/2018-2019_936_ks4final.csv", "2018-2019_936_ks4final.csv"),
        ("2017-2018/999_ks4final.csv", "2017-2018/999_ks4final.csv"),
        ("downloads/2017-2018/ks4/999_ks4final.csv", "2017-2018/ks4/999_ks4final.csv"),
        ("national-2018-19/england_census.csv", "england_census.csv"),
        ("2018-19/england_census.csv", "2018-19/england_census.csv"),
        ("x/201819/sub/england_census.csv", "201819/sub/england_census.csv"),
        ("lait/bds_long_0.parquet", "bds_long_0.parquet"),
        ("2018-2019/2018-2019_936_ks4final.csv", "2018-2019_936_ks4final.csv"),
        ("20220420/gias.csv", "gias.csv"),  # a date, not an academic year
    ],
)
def test_a_source_is_named_from_its_year_folder(relative: str, expected: str) -> None:
    assert source_name(PurePosixPath(relative)) == expected


def test_files_in_a_zip_are_named_by_their_year_folder(tmp_path: Path) -> None:
    content = TINY_KS4.read_bytes()
    archive = tmp_path / "downloads.zip"
    archive.write_bytes(
        zip_bytes({"2017-2018/999_ks4final.csv": content, "2018-2019/999_ks4final.csv": content})
    )
    report = ingest_paths([archive], tmp_path / "store")
    assert [o.path for o in report.outcomes] == [
        "downloads.zip/2017-2018/999_ks4final.csv",
        "downloads.zip/2018-2019/999_ks4final.csv",
    ]
    assert read_manifest(tmp_path / "store")["source"].to_list() == [
        "2017-2018/999_ks4final.csv",
        "2018-2019/999_ks4final.csv",
    ]
    results = Store.open(tmp_path / "store").results().collect()
    by_source = dict(results.select("source", "academic_year").unique().iter_rows())
    assert by_source == {
        "2017-2018/999_ks4final.csv": "2017/18",
        "2018-2019/999_ks4final.csv": "2018/19",
    }
    # Every table's rows carry the stored name, not the bare file name.
    store = Store.open(tmp_path / "store")
    assert set(store.rejected()["source"]) == set(by_source)
    assert set(store.scan("schools").collect()["source"]) == set(by_source)


# --------------------------------------------------------------------------- archives


def test_an_encrypted_zip_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "locked.zip"
    path.write_bytes(edit_headers(zip_bytes({"2018-2019_999_ks4final.csv": b"x"}), flag=1))
    (failure,) = ingest_paths([path], tmp_path / "store").failures
    assert failure.error is not None
    assert failure.error.startswith(
        "locked.zip: cannot unpack 2018-2019_999_ks4final.csv: it is password-protected"
    )
    assert "unzip it on your computer" in failure.error
    assert not (tmp_path / "store").exists()


def test_an_unsupported_compression_method_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "deflate64.zip"
    data = zip_bytes({"2018-2019_999_ks4final.csv": TINY_KS4.read_bytes()})
    path.write_bytes(edit_headers(data, method=9))  # 9 = Deflate64, which Python cannot unpack
    (failure,) = ingest_paths([path], tmp_path / "store").failures
    assert failure.error is not None
    assert (
        "deflate64.zip: cannot unpack 2018-2019_999_ks4final.csv: it is packed with a compression"
        in failure.error
    )


def test_a_truncated_member_is_refused_and_the_other_members_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "two.zip"
    path.write_bytes(
        zip_bytes({"a/2018-2019_999_ks4final.csv": TINY_KS4.read_bytes(), "b/cut.csv": b"x" * 10})
    )
    real_open = zipfile.ZipFile.open

    def cut_short(self: zipfile.ZipFile, name: object, *args: object, **kwargs: object) -> object:
        if getattr(name, "filename", name) == "b/cut.csv":
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        return real_open(self, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", cut_short)
    report = ingest_paths([path], tmp_path / "store")
    assert [o.path for o in report.outcomes if o.ok] == ["two.zip/a/2018-2019_999_ks4final.csv"]
    (failure,) = report.failures
    assert failure.error is not None
    assert failure.path == "two.zip"
    assert failure.error.startswith("two.zip: cannot unpack b/cut.csv: it is cut short")


def test_a_folder_reports_each_bad_file_and_reads_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / TINY_KS4.name).write_bytes(TINY_KS4.read_bytes())
    (folder / TINY_KS2.name).write_bytes(TINY_KS2.read_bytes())
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "damaged.zip").write_bytes(
        (ROOT / "tests" / "data" / "bad" / "damaged.zip").read_bytes()
    )
    report = ingest_paths([folder], tmp_path / "store")
    assert sorted(r.source for r in report.ingested) == [TINY_KS2.name, TINY_KS4.name]
    errors = sorted(f.error or "" for f in report.failures)
    assert len(errors) == 2
    assert errors[0].startswith("broken.zip: not a readable zip archive")
    assert errors[1].startswith(
        "damaged.zip: cannot unpack 2018-2019/999_ks4final.csv: the archive is damaged"
    )


# --------------------------------------------------------------------------- not CSV text


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}),
         f"looks like an Excel workbook (.xlsx): {SAVE_AS}"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
         f"looks like an Excel 97-2003 workbook (.xls): {SAVE_AS}"),
        (TINY_KS4.read_text(encoding="utf-8-sig").encode("utf-16"), "is UTF-16 text"),
        (TINY_KS4.read_text(encoding="utf-8-sig").encode("utf-16-le"), "is UTF-16 text"),
        (TINY_KS4.read_text(encoding="utf-8-sig").encode("utf-32"), "is UTF-32 text"),
        (b"RECTYPE,URN\n1,\x00\x01\x02\x00\x00\n", "looks like a binary file"),
    ],
    ids=["xlsx", "xls", "utf-16", "utf-16-no-bom", "utf-32", "binary"],
)  # fmt: skip
def test_files_that_are_not_csv_text_get_a_specific_message(
    tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = tmp_path / "2018-2019_999_ks4final.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError) as error:
        read_file(path)
    message = str(error.value)
    assert message.startswith(f"{path.name}: ")
    assert phrase in message
    assert "\n" not in message


def test_the_runner_passes_the_workbook_message_on(tmp_path: Path) -> None:
    path = tmp_path / "workbook_saved_as.csv"
    path.write_bytes((ROOT / "tests" / "data" / "bad" / "workbook_saved_as.csv").read_bytes())
    (failure,) = ingest_paths([path], tmp_path / "store").failures
    assert (
        failure.error == f"workbook_saved_as.csv: looks like an Excel workbook (.xlsx): {SAVE_AS}"
    )


# --------------------------------------------------------------------------- truncated rows


def test_a_file_cut_off_mid_row_rejects_that_row_and_reads_the_rest(tmp_path: Path) -> None:
    text = TINY_KS4.read_text(encoding="utf-8-sig").rstrip("\r\n")
    lines = text.splitlines()
    # Cut the file inside its last row (RECTYPE 9): 4 of the header's 19 fields are left.
    path = tmp_path / TINY_KS4.name
    path.write_text("\n".join([*lines[:-1], "9,999,100009,Myst"]), encoding="utf-8")
    whole = read_file(TINY_KS4)
    cut = read_file(path)
    assert cut.rows_read == whole.rows_read == 9
    assert cut.rows_read == cut.rows_stored + cut.rejected.height
    reasons = dict(cut.rejected.select("row", "reason").iter_rows())
    assert reasons[9] == (
        "truncated row: the file ends mid-row, after 4 of the header's 19 fields "
        "(an incomplete download?)"
    )
    # Row 4 (no URN) is still rejected under its own number.
    assert "no usable URN" in reasons[4]
    assert cut.results.equals(whole.results)


def test_a_file_cut_inside_a_quoted_field_is_read_up_to_the_cut(tmp_path: Path) -> None:
    lines = TINY_KS4.read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / TINY_KS4.name
    path.write_text("\n".join([*lines[:5], '1,999,100005,"Delta College, Up']), encoding="utf-8")
    result = read_file(path)
    assert result.rows_read == 5 and result.rows_stored == 3
    last = result.rejected.filter(pl.col("row") == 5)["reason"].item()
    assert last.startswith("truncated row: the file ends mid-row, inside a quoted field")
    assert sorted(result.schools["urn"]) == ["100001", "100002", "100003"]


def test_rows_dfe_writes_short_are_not_truncated(tmp_path: Path) -> None:
    """DfE leaves trailing blank fields out (and a new school has only its name columns):
    such rows are complete, also as the last row of a file with no final line break."""
    lines = TINY_KS4.read_text(encoding="utf-8-sig").splitlines()
    new_school = "1,999,100010,New School,NN1 1NN,ACC,NEW"
    short = [lines[0], lines[1], new_school, lines[2].rsplit(",", 1)[0]]
    path = tmp_path / TINY_KS4.name
    path.write_text("\n".join([*short, "1,999,100011,Another New School,NN2 2NN,ACC,NEW"]))
    result = read_file(path)
    assert result.rejected.is_empty()
    assert result.rows_read == result.rows_stored == 4
    assert {"100010", "100011"} <= set(result.schools["urn"])
