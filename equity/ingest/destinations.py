"""KS4 destination measures (england_ks4-pupdest.csv): every school, LA and England.

Key stage "destinations". Per pupil group, all (no suffix), disadvantaged (_DIS) and other
(_NONDIS): ``ks4_sustained_destination_pct`` (OVERALL_DESTPER: education, apprenticeship or
employment for at least two terms) and the main destination kinds ``ks4_destination_
{education,apprenticeship,employment,not_sustained,unknown}_pct`` (EDUCATIONPER, APPRENPER,
EMPLOYMENTPER, NOT_SUSTAINEDPER, UNKNOWNPER), each with the cohort (COHORT, COHORT_DIS,
COHORT_NONDIS) in ``pupils``, and ``pupils`` rows for the cohorts themselves.

The cohort is the year pupils finished KS4, two years before the download's year: the
2017-2018 download holds the 2015/16 cohort, 2018-2019 the 2016/17 one, 2023-2024 the 2021/22
one. ``academic_year`` is that KS4 year, because a destinations gap is read against the same
cohort's GCSEs. Each release also repeats the two previous cohorts' headline figures
(COHORT and OVERALL_DESTPER per group) with a two-digit suffix, but the suffixes follow no
one rule: the 2017-2018 and 2018-2019 files label a cohort by the year its destination
measures were first published (2018-2019: _18 = 2015/16, _17 = 2014/15), files from 2020-2021
by the year its destination year ends (2020-2021: _19 = 2017/18, _18 = 2016/17). What holds
in every release is that the two suffixes are the two cohorts just before the file's own, so
the larger suffix is stored as the cohort one year earlier and the smaller as two years
earlier (checked on Manchester's LA COHORT: 4715, 4576, 4735, 4993, 5483, 5743, 6268 for
2015/16 ... 2021/22 across the five releases).

Every release is stored as its own source; where two releases give the same cohort, readers
keep the latest release (`equity.analysis.destinations.latest_release`) and the ingest report
counts the cells on which they differ. Percentages are published as "94%"; a re-saved file
holding fractions ("0.94") is scaled to 0-100, the original text kept.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.ingest.cells import MeasureColumn, value_expr
from equity.ingest.dfe_common import (
    ENGLAND,
    LA,
    SCHOOL,
    file_year,
    header_columns,
    ingest_result,
    melt,
    read_upper,
    rectype_rows,
    secondary_schools,
    shift_year,
)
from equity.schema import year_start

DESTINATIONS = "destinations"
SUSTAINED = "ks4_sustained_destination_pct"
_GROUPS = (("", "all"), ("_DIS", "disadvantaged"), ("_NONDIS", "other"))
#: The destination kinds of the file's own cohort: column stem -> measure.
KIND_COLUMNS = {
    "EDUCATIONPER": "ks4_destination_education_pct",
    "APPRENPER": "ks4_destination_apprenticeship_pct",
    "EMPLOYMENTPER": "ks4_destination_employment_pct",
    "NOT_SUSTAINEDPER": "ks4_destination_not_sustained_pct",
    "UNKNOWNPER": "ks4_destination_unknown_pct",
}
_EARLIER = re.compile(r"^OVERALL_DESTPER(?:_DIS|_NONDIS)?_(\d{2})$")


def _detect_destinations(path: Path, header: list[str]) -> bool:
    return {"URN", "COHORT", "OVERALL_DESTPER"} <= header_columns(header)


def _destination_columns(suffix: str, kinds: bool = False) -> list[MeasureColumn]:
    """Headline (and, for the file's own cohort, kind) columns of one cohort's suffix."""
    specs: list[MeasureColumn] = []
    for group_suffix, group in _GROUPS:
        cohort = f"COHORT{group_suffix}{suffix}"
        stems = {"OVERALL_DESTPER": SUSTAINED, **(KIND_COLUMNS if kinds else {})}
        specs.extend(
            MeasureColumn(
                f"{stem}{group_suffix}{suffix}", measure, group, DESTINATIONS, pupils_column=cohort
            )
            for stem, measure in stems.items()
        )
        specs.append(MeasureColumn(cohort, "pupils", group, DESTINATIONS))
    return specs


def written_as_fractions(frame: pl.DataFrame, columns: list[str]) -> bool:
    """True when a file holds percentages as fractions (0.94), as a re-save can leave them.

    Decided for the whole file, never per cell: no cell carries "%", every number lies in
    0-1 and at least one lies strictly between, so a column of 0s and 1s stays percent.
    """
    present = [c for c in columns if c in frame.columns]
    if not present:
        return False
    has_percent = frame.select(
        pl.any_horizontal(
            pl.col(c).cast(pl.String).str.contains("%", literal=True).any() for c in present
        )
    ).item()
    numbers = pl.concat([frame.select(value_expr(c).alias("v")) for c in present])["v"]
    numbers = numbers.drop_nulls()
    return (
        not has_percent
        and numbers.len() > 0
        and float(numbers.max()) <= 1.0  # type: ignore[arg-type]
        and bool(numbers.is_between(0, 1, closed="none").any())
    )


def _release_year(path: Path, year_hint: str | None, suffixes: list[int]) -> tuple[str, list[str]]:
    """The download's academic year, from the file or folder name.

    With neither, the earlier columns' suffix is read as a publication year (the labelling
    of the 2018 and 2019 releases): a later release unnamed would be dated two years early,
    so the note says to name the folder.
    """
    try:
        return file_year(
            path,
            year_hint,
            "the performance-tables year it came with: 2018-19 for the 2019 destination "
            "measures of pupils who finished KS4 in 2016/17",
        )
    except IngestError:
        if not suffixes:
            raise
        end = suffixes[0] + 1
        return f"{end - 1}/{end % 100:02d}", [
            f"No year in the folder or file name: its _{suffixes[0] % 100} columns were read "
            f"as the {suffixes[0]} publication (the 2018 and 2019 releases' labelling), so "
            f"this is the {end} one. Releases from 2021 label cohorts differently: put the "
            "file in a folder named for its download year (e.g. 2023-2024/) to be sure."
        ]


def read_destinations(path: Path, year_hint: str | None) -> IngestResult:
    """Destinations are the one all-England file here split by disadvantage."""
    frame = read_upper(path, {"RECTYPE", "URN", "COHORT", "OVERALL_DESTPER"}, "KS4 destinations")
    suffixes = sorted(
        {2000 + int(m.group(1)) for c in frame.columns if (m := _EARLIER.match(c))},
        reverse=True,
    )
    tables_year, notes = _release_year(path, year_hint, suffixes)
    cohort_year = shift_year(tables_year, -2)
    source = path.name
    frame = rectype_rows(
        frame,
        kinds={"1": SCHOOL, "2": SCHOOL, "": SCHOOL, "LA": LA, "4": LA, "NAT": ENGLAND},
        refused={},
        measure_cells=[c.column for c in _destination_columns("")],
    )
    kept = frame.filter(pl.col("__reason").is_null())
    results = [melt(kept, _destination_columns("", kinds=True), cohort_year, source)]
    stored_earlier = []
    for back, suffix in enumerate(suffixes, start=1):
        if suffix > year_start(tables_year) + 1:
            continue  # later than the release itself: no year can honestly be given to it
        year = shift_year(cohort_year, -back)
        stored_earlier.append(f"_{suffix % 100:02d} = {year}")
        results.append(melt(kept, _destination_columns(f"_{suffix % 100:02d}"), year, source))
    if len(suffixes) > 1 and suffixes[0] - suffixes[-1] != len(suffixes) - 1:
        notes.append(
            f"The earlier columns' suffixes {suffixes} are not consecutive years; they were "
            "stored as consecutive cohorts before the file's own."
        )
    percents = [c for c in frame.columns if c.startswith(("OVERALL_DESTPER", *KIND_COLUMNS))]
    if written_as_fractions(kept, percents):
        results = [
            part.with_columns(
                pl.when(pl.col("measure").str.ends_with("_pct"))
                .then(pl.col("value") * 100)
                .otherwise(pl.col("value"))
                .alias("value")
            )
            for part in results
        ]
        notes.append("Percentages were written as fractions (0.94): stored as 0-100.")
    notes.append(
        f"KS4 destinations from the {tables_year} download (the {year_start(tables_year) + 1} "
        f"destination measures) describe pupils who finished KS4 in {cohort_year}: stored "
        f"under {cohort_year}, the cohort's KS4 year, so they sit beside that cohort's GCSEs."
        + (f" Earlier cohorts in the file: {', '.join(stored_earlier)}." if stored_earlier else "")
    )
    return ingest_result(
        path, "ks4_destinations", frame, results, secondary_schools(kept, source), notes
    )


KINDS: list[FileKind] = [
    FileKind(
        "ks4_destinations",
        "KS4 destination measures: sustained education or employment, by disadvantage",
        (".csv",),
        _detect_destinations,
        read_destinations,
    ),
]
