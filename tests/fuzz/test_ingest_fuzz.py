"""Hypothesis feeds the ingest broken and foreign files; the store must come through intact.

Every example ingests into a fresh copy of a store that already holds one real DfE file
(Surrey's 2018/19 KS4 performance table) and checks the runner's promises:

- no exception escapes `ingest_paths`, whatever the bytes;
- a refused file's message names the file and says what is wrong;
- after a refused file the store folder is byte-identical (every file hashed);
- a file that is read leaves what was stored before untouched, and its account balances:
  rows_read == rows_stored + rejected, in the result and in the manifest.

Inputs: truncated and mutated copies of the real file (unknown status codes, huge numbers,
duplicate URNs, short rows, other encodings incl. UTF-16 and cp1252), random bytes under
every suffix the ingest accepts, an xlsx saved as .csv, empty and header-only files, a
zip bomb, unsafe zip paths, non-DfE CSVs, KS4- and LAIT-shaped files with garbage rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equity.ingest.csvfile import decode
from equity.ingest.runner import IngestReport, ingest_paths
from equity.store import read_manifest, source_slug

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
REAL_NAME = "2018-2019_936_ks4final.csv"
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def _sources() -> Path:
    shared = ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else ROOT / "data" / "sources"


REAL_FILE = _sources() / "performance-tables" / REAL_NAME
REAL_BYTES = REAL_FILE.read_bytes()
REAL_TEXT = decode(REAL_BYTES, REAL_NAME)
REAL_ROWS = list(csv.reader(io.StringIO(REAL_TEXT)))
HEADER, BODY = REAL_ROWS[0], REAL_ROWS[1:]
LAIT_COLUMNS = ["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number"]


# --------------------------------------------------------------------------- the store


@pytest.fixture(scope="module")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("template-store")
    report = ingest_paths([REAL_FILE], store)
    assert len(report.ingested) == 1, report.text()
    return store


def store_hashes(store: Path) -> dict[str, str]:
    return {
        str(path.relative_to(store)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(store.rglob("*"))
        if path.is_file()
    }


class Scratch:
    """A temporary folder for the inputs and a fresh copy of the template store."""

    def __init__(self, template: Path) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="equity-fuzz-")
        self.root = Path(self._tmp.name)
        self.inputs = self.root / "inputs"
        self.inputs.mkdir()
        self.store = self.root / "store"
        shutil.copytree(template, self.store)

    def write(self, name: str, content: bytes) -> Path:
        path = self.inputs / name
        path.write_bytes(content)
        return path

    def close(self) -> None:
        self._tmp.cleanup()


def _problem_text(error: str, name: str) -> str:
    return error.replace(name, "").strip(" :-")


def ingest_and_check(template: Path, name: str, content: bytes) -> IngestReport:
    """Ingest one input into a fresh store copy and check every promise of the runner."""
    scratch = Scratch(template)
    try:
        path = scratch.write(name, content)
        before = store_hashes(scratch.store)
        report = ingest_paths([path], scratch.store)  # must not raise
        check_report(report, scratch.store, before)
        return report
    finally:
        scratch.close()


def check_report(report: IngestReport, store: Path, before: dict[str, str]) -> None:
    assert report.outcomes, "the runner reported nothing"
    for outcome in report.failures:
        error = outcome.error or ""
        name = Path(outcome.path).name
        assert name in error, f"the message does not name the file {name!r}: {error!r}"
        problem = _problem_text(error, name)
        assert len(re.findall(r"[A-Za-z]", problem)) >= 8, f"no problem stated: {error!r}"
    after = store_hashes(store)
    if not report.ingested:
        assert after == before, "a refused file changed the store"
        return
    # Files read: what the store held before is untouched, apart from the manifest mirror
    # and the read-aheads in .merged/ (written anew for each catalogue version).
    new_slugs = {source_slug(r.source) for r in report.ingested}
    for rel, digest in before.items():
        if rel == "manifest.parquet" or rel.startswith(".merged/") or Path(rel).stem in new_slugs:
            continue
        assert after.get(rel) == digest, f"{rel} changed when another file was ingested"
    manifest = read_manifest(store)
    assert REAL_NAME in manifest["source"].to_list(), "the real file left the manifest"
    for result in report.ingested:
        assert result.rows_read == result.rows_stored + result.rejected.height, result.source
        row = manifest.filter(pl.col("source") == result.source).row(0, named=True)
        assert row["rows_read"] == row["rows_stored"] + row["rows_rejected"], row


# --------------------------------------------------------------------------- strategies

STATUS_CODES = ["SUPP", "NE", "NP", "LOWCOV", "NEW", "x", "c", "z", "..", ":", "-", "NA"]
UNKNOWN_CODES = ["ZZZ", "#N/A", "n/a", "~", "???", "SUPPRESSED!", "<5", "Err:502", "\u2014"]
HUGE_NUMBERS = [
    "1e400",
    "-1e400",
    "99999999999999999999",
    "1e-400",
    "NaN",
    "inf",
    "-Infinity",
    "1,234,567,890,123",
    "12.5%",
    "0x1F",
    " 42 ",
    "4 2",
]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-32"]

cell_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), max_size=30
) | st.sampled_from(STATUS_CODES + UNKNOWN_CODES + HUGE_NUMBERS + ['"', "\n", "\r\n", ",", ""])


def to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@st.composite
def mutated_ks4(draw: st.DrawFn) -> tuple[str, bytes]:
    """The real file's header and some of its rows, cells replaced, rows cut or doubled."""
    count = draw(st.integers(min_value=0, max_value=20))
    picks = draw(st.lists(st.integers(0, len(BODY) - 1), min_size=count, max_size=count))
    rows = [list(BODY[i]) for i in picks]
    urn = HEADER.index("URN")
    for row in rows:
        for _ in range(draw(st.integers(0, 6))):
            column = draw(st.integers(0, len(HEADER) - 1))
            if column < len(row):
                row[column] = draw(cell_text)
        if draw(st.booleans()) and draw(st.booleans()):
            del row[draw(st.integers(0, len(row))) :]  # a short (truncated) row
        if row and draw(st.integers(0, 9)) == 0 and urn < len(row):
            row[urn] = draw(st.sampled_from(["", "ABC", "1e400", "-1", "123", "0123456789"]))
    duplicate: bool = draw(st.booleans())
    if rows and duplicate:
        rows += [list(rows[0]) for _ in range(draw(st.integers(1, 3)))]  # duplicate URNs
    text = to_csv([HEADER, *rows])
    encoding = draw(st.sampled_from(ENCODINGS))
    return f"2018-2019_936_ks4final-{encoding}.csv", encode(text, encoding)


@st.composite
def truncated_ks4(draw: st.DrawFn) -> tuple[str, bytes]:
    cut = draw(st.integers(min_value=0, max_value=len(REAL_BYTES)))
    return "2018-2019_936_ks4final-cut.csv", REAL_BYTES[:cut]


@st.composite
def random_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".csv", ".txt", ".parquet", ".json", ".geojson", ".zip"]))
    prefix = draw(st.sampled_from([b"", b"PK\x03\x04", b"PAR1", b'{"type":"FeatureCollection"']))
    return f"random{suffix}", prefix + draw(st.binary(max_size=4096))


identifier = st.from_regex(r"[A-Za-z][A-Za-z0-9 _]{0,15}", fullmatch=True)


@st.composite
def foreign_csv(draw: st.DrawFn) -> tuple[str, bytes]:
    """A CSV that is nothing DfE publishes: invented header, random cells."""
    header = draw(st.lists(identifier, min_size=1, max_size=12, unique_by=str.lower))
    rows = draw(st.lists(st.lists(cell_text, max_size=len(header) + 2), max_size=15))
    name = draw(st.sampled_from(["export.csv", "2018-2019_352_ks4final.csv", "data.txt"]))
    return name, encode(to_csv([header, *rows]), draw(st.sampled_from(ENCODINGS)))


@st.composite
def ks4_header_garbage_rows(draw: st.DrawFn) -> tuple[str, bytes]:
    """A KS4 header (the real one, maybe cut short) over rows of garbage."""
    width = draw(st.integers(min_value=3, max_value=len(HEADER)))
    header = HEADER[:width] if draw(st.booleans()) else HEADER
    rows = draw(st.lists(st.lists(cell_text, max_size=12), min_size=1, max_size=15))
    return "2018-2019_936_ks4final-garbage.csv", to_csv([header, *rows]).encode("utf-8")


@st.composite
def lait_like_parquet(draw: st.DrawFn) -> tuple[str, bytes]:
    """A Parquet file with LAIT's columns and random values."""
    size = draw(st.integers(0, 20))
    columns = {
        name: draw(st.lists(st.one_of(st.none(), cell_text), min_size=size, max_size=size))
        for name in LAIT_COLUMNS
    }
    frame = pl.DataFrame(columns, schema=dict.fromkeys(LAIT_COLUMNS, pl.String))
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return "bds_long_fuzz.parquet", buffer.getvalue()


# --------------------------------------------------------------------------- properties


@settings(FUZZ, max_examples=60)
@given(case=truncated_ks4())
def test_truncated_real_file(template_store: Path, case: tuple[str, bytes]) -> None:
    ingest_and_check(template_store, *case)


@settings(FUZZ, max_examples=120)
@given(case=mutated_ks4())
def test_mutated_rows_codes_numbers_duplicates_encodings(
    template_store: Path, case: tuple[str, bytes]
) -> None:
    report = ingest_and_check(template_store, *case)
    name = case[0]
    if "utf-16" in name or "utf-32" in name:
        assert not report.ingested, "a UTF-16/32 file cannot be read as a CSV here"


@settings(FUZZ, max_examples=80)
@given(case=random_bytes())
def test_random_bytes_under_every_suffix(template_store: Path, case: tuple[str, bytes]) -> None:
    ingest_and_check(template_store, *case)


@settings(FUZZ, max_examples=50)
@given(case=foreign_csv())
def test_foreign_csv(template_store: Path, case: tuple[str, bytes]) -> None:
    ingest_and_check(template_store, *case)


@settings(FUZZ, max_examples=60)
@given(case=ks4_header_garbage_rows())
def test_ks4_header_with_garbage_rows(template_store: Path, case: tuple[str, bytes]) -> None:
    ingest_and_check(template_store, *case)


@settings(FUZZ, max_examples=30)
@given(case=lait_like_parquet())
def test_lait_shaped_parquet_with_garbage(template_store: Path, case: tuple[str, bytes]) -> None:
    ingest_and_check(template_store, *case)


# --------------------------------------------------------------------------- named cases


def minimal_xlsx() -> bytes:
    """A real (minimal) Excel workbook: what "Save as" .xlsx produces, renamed to .csv."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxml'
            'formats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
            'formats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr">'
            '<is><t>RECTYPE</t></is></c><c r="B1" t="inlineStr"><is><t>URN</t></is></c></row>'
            "</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


HEADER_LINE = to_csv([HEADER])
#: Columns before TOTPUPS describe the school (RECTYPE, LEA, URN, name, address...).
FIRST_MEASURE = HEADER.index("TOTPUPS")
FIVE_MB_OF_ZEROS = bytes(5_000_000)

READ = "<must be read>"
NAMED_CASES: dict[str, tuple[str, bytes, str | None]] = {
    # id: (file name, content, expectation): READ when the file must be read, None when it
    # may be read or refused, "" when it must be refused, else a phrase the refusal contains
    "empty": ("2018-2019_936_ks4final-empty.csv", b"", "empty"),
    "whitespace only": ("2018-2019_936_ks4final-blank.csv", b" \r\n\r\n  \n", ""),
    "bom only": ("2018-2019_936_ks4final-bom.csv", b"\xef\xbb\xbf", ""),
    "header only": ("2018-2019_936_ks4final-header.csv", HEADER_LINE.encode(), None),
    "xlsx saved as csv": ("2018-2019_936_ks4final.xlsx.csv", minimal_xlsx(), ""),
    "utf-16 real file": ("2018-2019_936_ks4final-utf16.csv", REAL_TEXT.encode("utf-16"), ""),
    "cp1252 real file": (
        "2018-2019_936_ks4final-cp1252.csv",
        REAL_TEXT.replace("School", "Sch\u00f6ol \u2019").encode("cp1252", errors="replace"),
        READ,
    ),
    "no year in the name": ("ks4final.csv", REAL_BYTES, "year"),
    "zip bomb": (
        "bomb.zip",
        zip_of({"2018-2019_936_ks4final-bomb.csv": HEADER_LINE.encode() + FIVE_MB_OF_ZEROS}),
        "zip bomb",
    ),
    "zip with an unsafe path": (
        "escape.zip",
        zip_of({"../../2018-2019_936_ks4final-escape.csv": REAL_BYTES}),
        "unsafe path",
    ),
    "zip that is not a zip": ("broken.zip", b"PK\x03\x04" + bytes(100), "zip"),
    "non-DfE csv": (
        "expenses.csv",
        b"date,description,amount\n2019-01-01,Train,12.50\n2019-01-02,Hotel,99\n",
        "not a file kind",
    ),
    "repeated header column": ("2018-2019_936_ks4final-dup.csv", b"URN,URN,LEA\n1,2,3\n", ""),
    "huge numbers everywhere": (
        "2018-2019_936_ks4final-huge.csv",
        to_csv(
            [HEADER]
            + [
                [
                    c if i < FIRST_MEASURE or c == "" else "99999999999999999999"
                    for i, c in enumerate(r)
                ]
                for r in BODY[:5]
            ]
            + [[c if i < FIRST_MEASURE else "1e400" for i, c in enumerate(r)] for r in BODY[5:10]]
        ).encode(),
        READ,
    ),
}


@pytest.mark.parametrize("case_id", list(NAMED_CASES))
def test_named_broken_files(template_store: Path, case_id: str) -> None:
    name, content, must_mention = NAMED_CASES[case_id]
    report = ingest_and_check(template_store, name, content)
    if must_mention == READ:
        assert report.ingested and not report.failures, report.text()
    elif must_mention is not None:
        assert report.failures, f"{case_id}: expected a refusal, got {report.text()}"
        assert any(must_mention in (f.error or "") for f in report.failures), report.text()
    print(f"{case_id}: {report.text()}")


def test_zip_bomb_is_refused_before_it_is_unpacked(template_store: Path) -> None:
    archive = zip_of({"2018-2019_936_ks4final-bomb.csv": FIVE_MB_OF_ZEROS})
    assert len(archive) < 50_000  # small on disk, 5 MB unpacked: a ratio far above 200
    report = ingest_and_check(template_store, "bomb.zip", archive)
    assert not report.ingested
    (failure,) = report.failures
    assert "bomb.zip" in (failure.error or "") and "compressed" in (failure.error or "")


def test_huge_numbers_are_never_stored_as_values(template_store: Path) -> None:
    """1e400 overflows to inf and a 20-digit number is beyond float precision: the first must
    not become a value; the second is a number (DfE never publishes one, but it is finite)."""
    _name, content, _ = NAMED_CASES["huge numbers everywhere"]
    scratch = Scratch(template_store)
    try:
        path = scratch.write("2018-2019_936_ks4final-huge.csv", content)
        report = ingest_paths([path], scratch.store)
        (result,) = report.ingested
        values = result.results["value"].drop_nulls()
        assert values.is_finite().all(), "an infinite value was stored"
        overflow = result.results.filter(pl.col("original") == "1e400")
        assert overflow.height and overflow["value"].is_null().all()
        assert not overflow["status"].is_in(["value"]).any()
    finally:
        scratch.close()


def test_duplicate_urns_are_accounted_for(template_store: Path) -> None:
    rows = [HEADER, BODY[0], BODY[0], BODY[0]]
    name = "2018-2019_936_ks4final-dups.csv"
    report = ingest_and_check(template_store, name, to_csv(rows).encode())
    (result,) = report.ingested
    assert result.rows_read == 3
    assert result.schools["urn"].n_unique() == 1


def test_duplicate_urn_rows_do_not_duplicate_results(template_store: Path) -> None:
    rows = [HEADER, BODY[0], BODY[0], BODY[0]]
    name = "2018-2019_936_ks4final-dups.csv"
    report = ingest_and_check(template_store, name, to_csv(rows).encode())
    (result,) = report.ingested
    keys = ["entity", "academic_year", "measure", "pupil_group"]
    assert result.results.group_by(keys).len()["len"].max() == 1
    assert result.rejected.height == 2  # the two repeats, each with a reason


def test_unknown_status_codes_are_kept_not_guessed(template_store: Path) -> None:
    column = next(c for c in HEADER if c.upper() == "ATT8SCR")
    index = HEADER.index(column)
    row = list(BODY[0])
    row[index] = "ZZZ"
    scratch = Scratch(template_store)
    try:
        path = scratch.write("2018-2019_936_ks4final-codes.csv", to_csv([HEADER, row]).encode())
        (result,) = ingest_paths([path], scratch.store).ingested
        cells = result.results.filter(pl.col("original") == "ZZZ")
        assert cells.height >= 1
        assert cells["value"].is_null().all()
        assert cells["status"].str.starts_with("unknown").all(), cells["status"].to_list()
    finally:
        scratch.close()
