"""A national-scale store built from the real files in data/sources, through the real ingest.

The embedded store has school-level results split by disadvantage for two LAs (Hampshire
850 and Surrey 936); its five January censuses (2017/18-2023/24) and seven KS4 destination
cohorts (2015/16-2021/22) already cover every school in England. At national scale every one
of England's 152 LAs has results for ten years (2015/16 to 2024/25). This module writes what DfE's
all-England downloads would look like and ingests them with `equity.ingest.runner`, so
the store is the project's own writer's output and the ingest is exercised on the way:

* performance tables (KS2 and KS4 final), one all-England file per year and key stage:
  every school of the real school list (KS2: england_ks2final.csv joined to the census for
  its LA; KS4: the provisional KS4 file's school rows, ~5,500) gets the full row of a real
  Hampshire/Surrey school of a template year (2016/17, 2017/18, 2018/19 in turn; each year
  its own DfE column layout), with the school's own URN, LA, ESTAB, name and type. Each
  real school is one school across the years (the same URN), so trends, the census and
  coordinates join as they would on real data. Special schools take special-school rows.
  Every LA gets an LA row (a Hampshire or Surrey LA row of that year, with its own LEA
  code) and each file ends with DfE's two England rows.
* absence, once per year (the 2018/19 file, named for the year).
* the five real censuses and seven destination cohorts are kept as the embedded store has
  them (they are national already; copying one census into other years would invent data).
* everything else (LAIT for 152 LAs, boundaries, GIAS, locations, destinations, Trafford)
  as the embedded store has it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from equity import kinds
from equity.ingest.csvfile import read_text_csv
from equity.ingest.runner import ingest_paths
from equity.schema import GREATER_MANCHESTER, parse_academic_year
from equity.store import EMBEDDED_SOURCES, EMBEDDED_STORE, Store, transaction

ROOT: Final = Path(__file__).resolve().parents[1]

ALL_YEARS: Final = tuple(f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2025))
#: The quick scale: the GM LAs (the default view), the two template LAs and four others.
QUICK_LAS: Final = (*GREATER_MANCHESTER, "850", "936", "330", "202", "805", "873")
QUICK_YEARS: Final = ("2016/17", "2017/18", "2018/19")

#: Kinds the generated files replace in the copied embedded store.
REPLACED_KINDS: Final = (*kinds.PERFORMANCE, kinds.SCHOOL_ABSENCE)

_SCHOOL_RECTYPES: Final = ("1", "2")
_LA_RECTYPE: Final = {"ks2": "3", "ks4": "4"}
_ENGLAND_RECTYPES: Final = {"ks2": ("4", "5"), "ks4": ("5", "7")}
#: Shift of the template row per year, so a school's figures move from year to year.
_YEAR_STEP: Final = 7


@dataclass(frozen=True)
class Scale:
    name: str
    la_codes: tuple[str, ...]
    years: tuple[str, ...]

    def describe(self) -> str:
        first, last = self.years[0], self.years[-1]
        return f"{self.name}: {len(self.la_codes)} LAs x {len(self.years)} years ({first}-{last})"


def file_year(academic_year: str) -> str:
    """'2018/19' -> '2018-2019', as DfE names its downloads."""
    start = int(academic_year[:4])
    return f"{start}-{start + 1}"


def national_la_codes(sources: Path = EMBEDDED_SOURCES) -> tuple[str, ...]:
    """The 152 LA codes: LAs of DfE's code list or LAIT that have schools in the census.

    (la_codes.csv lacks the Isles of Scilly, 420, which LAIT and the census have.)"""
    listed = set(read_text_csv(sources / "lait" / "la_codes.csv")["old_la_code"].drop_nulls())
    lait = pl.read_parquet(sources / "lait" / "bds_long_0.parquet", columns=["LA Number"])
    listed |= {f"{int(n):03d}" for n in lait["LA Number"].drop_nulls().to_list()}
    census = set(_census(sources)["LA"].drop_nulls().str.strip_chars().to_list())
    return tuple(sorted(listed & census))


def scale_for(name: str, sources: Path = EMBEDDED_SOURCES) -> Scale:
    if name == "national":
        return Scale(name, national_la_codes(sources), ALL_YEARS)
    if name == "quick":
        return Scale(name, tuple(sorted(QUICK_LAS)), QUICK_YEARS)
    raise ValueError(f"unknown scale {name!r}: national or quick")


# --------------------------------------------------------------------------- real inputs


def _census(sources: Path) -> pl.DataFrame:
    return read_text_csv(sources / "national-2018-19" / "england_census.csv")


@dataclass(frozen=True)
class Template:
    """One template year's real rows: the layout (columns) and the rows to copy."""

    year: str
    columns: list[str]
    mainstream: pl.DataFrame
    special: pl.DataFrame
    la_rows: pl.DataFrame
    england_rows: pl.DataFrame


def load_templates(sources: Path, key_stage: str) -> list[Template]:
    """The Hampshire/Surrey files of each year, pooled per year (same layout per year)."""
    by_year: dict[str, list[Path]] = {}
    for path in sorted((sources / "performance-tables").glob(f"*_{key_stage}final.csv")):
        by_year.setdefault(parse_academic_year(path.name[:9]), []).append(path)
    templates = []
    for year, paths in sorted(by_year.items()):
        frames = [read_text_csv(p) for p in paths]
        columns = frames[0].columns
        pool = pl.concat([f.select(columns) for f in frames], how="vertical")
        rectype = pl.col("RECTYPE").str.strip_chars()
        templates.append(
            Template(
                year=year,
                columns=columns,
                mainstream=pool.filter(rectype == "1"),
                special=pool.filter(rectype == "2"),
                la_rows=pool.filter(rectype == _LA_RECTYPE[key_stage]),
                england_rows=frames[0].filter(rectype.is_in(_ENGLAND_RECTYPES[key_stage])),
            )
        )
    if not templates:
        raise FileNotFoundError(f"no *_{key_stage}final.csv templates under {sources}")
    return templates


def school_identities(sources: Path, la_codes: tuple[str, ...], key_stage: str) -> pl.DataFrame:
    """Real schools with KS2 (or KS4) results in 2018/19: RECTYPE, LEA, ESTAB, URN, SCHNAME
    (and NFTYPE for KS4), restricted to `la_codes`, ordered by LA and URN."""
    national = sources / "national-2018-19"
    if key_stage == "ks2":
        census = _census(sources).select(
            pl.col("URN").str.strip_chars(), pl.col("LA").alias("LEA"), "ESTAB"
        )
        ks2 = read_text_csv(national / "england_ks2final.csv").select(
            pl.col("RECTYPE").str.strip_chars(), pl.col("URN").str.strip_chars(), "SCHNAME"
        )
        ids = ks2.join(census, on="URN", how="inner")
    elif key_stage == "ks4":
        ids = (
            read_text_csv(national / "england_ks4provisional.csv")
            .select("RECTYPE", "LEA", "ESTAB", "URN", "SCHNAME", "NFTYPE")
            .with_columns(pl.all().str.strip_chars())
        )
    else:
        raise ValueError(key_stage)
    return (
        ids.filter(
            pl.col("RECTYPE").is_in(_SCHOOL_RECTYPES)
            & pl.col("LEA").is_in(la_codes)
            & pl.col("URN").str.contains(r"^\d{6}$")
        )
        .unique("URN", keep="first")
        .sort("LEA", "URN")
        .select(
            "RECTYPE", "LEA", "ESTAB", "URN", "SCHNAME", *(["NFTYPE"] if key_stage == "ks4" else [])
        )
    )


# --------------------------------------------------------------------------- generated files


def _copy_rows(pool: pl.DataFrame, ids: pl.DataFrame, shift: int) -> pl.DataFrame:
    """Row i of `ids` gets pool row (i + shift) mod len(pool), with its own identity."""
    indices = [(i + shift) % pool.height for i in range(ids.height)]
    rows = pool[indices]
    overrides = [c for c in ids.columns if c in rows.columns]
    return rows.with_columns(ids.select(overrides).get_columns())


def performance_frame(
    template: Template,
    identities: pl.DataFrame,
    la_codes: tuple[str, ...],
    year_index: int,
) -> pl.DataFrame:
    """One all-England performance table in the template year's layout (strings)."""
    shift = year_index * _YEAR_STEP
    special_ids = identities.filter(pl.col("RECTYPE") == "2")
    main_ids = identities.filter(pl.col("RECTYPE") != "2")
    special_pool = template.special if template.special.height else template.mainstream
    parts = [
        _copy_rows(template.mainstream, main_ids, shift),
        _copy_rows(special_pool, special_ids, shift),
    ]
    schools = pl.concat([p for p in parts if p.height], how="vertical").sort("LEA", "URN")
    la_pool = template.la_rows
    la_rows = la_pool[[j % la_pool.height for j in range(len(la_codes))]].with_columns(
        pl.Series("LEA", list(la_codes), dtype=pl.String)
    )
    return pl.concat([schools, la_rows, template.england_rows], how="vertical").select(
        template.columns
    )


def write_performance_files(
    out_dir: Path, sources: Path, scale: Scale, key_stage: str
) -> list[Path]:
    templates = load_templates(sources, key_stage)
    identities = school_identities(sources, scale.la_codes, key_stage)
    paths = []
    for index, year in enumerate(scale.years):
        template = templates[index % len(templates)]
        frame = performance_frame(template, identities, scale.la_codes, index)
        path = out_dir / f"{file_year(year)}_england_{key_stage}final.csv"
        frame.write_csv(path)
        paths.append(path)
    return paths


def write_yearly_copies(
    out_dir: Path, source: Path, scale: Scale, la_column: str, stem: str
) -> list[Path]:
    """The 2018/19 national file restricted to the scale's LAs, once per year."""
    frame = read_text_csv(source)
    frame = frame.filter(pl.col(la_column).str.strip_chars().is_in(scale.la_codes))
    paths = []
    for year in scale.years:
        path = out_dir / f"{file_year(year)}_{stem}.csv"
        frame.write_csv(path)
        paths.append(path)
    return paths


def write_sources(out_dir: Path, scale: Scale, sources: Path = EMBEDDED_SOURCES) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    national = sources / "national-2018-19"
    return [
        *write_performance_files(out_dir, sources, scale, "ks2"),
        *write_performance_files(out_dir, sources, scale, "ks4"),
        *write_yearly_copies(out_dir, national / "england_abs.csv", scale, "LA", "england_abs"),
    ]


# --------------------------------------------------------------------------- the store


def build_store(
    store: Path,
    scale: Scale,
    *,
    sources: Path = EMBEDDED_SOURCES,
    base_store: Path = EMBEDDED_STORE,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Copy the embedded store, drop what the generated files replace, ingest them."""
    started = time.perf_counter()
    if store.exists():
        shutil.rmtree(store)
    shutil.copytree(base_store, store)
    manifest = Store.open(store).manifest()
    with transaction(store, "remove") as tx:  # one commit for all of them
        for source in manifest.filter(pl.col("kind").is_in(REPLACED_KINDS))["source"].to_list():
            tx.remove(source)
    with tempfile.TemporaryDirectory(prefix="equity-bench-src-", dir=store.parent) as tmp:
        files = write_sources(Path(tmp), scale, sources)
        generated = time.perf_counter()
        log(f"  generated {len(files)} files in {generated - started:.1f} s; ingesting")
        report = ingest_paths(files, store)
        csv_bytes = sum(f.stat().st_size for f in files)
    if report.failures:
        raise RuntimeError("benchmark store ingest failed: " + report.text())
    summary = store_summary(store)
    summary.update(
        scale=scale.name,
        la_count=len(scale.la_codes),
        years=list(scale.years),
        generated_files=len(files),
        generated_csv_mb=round(csv_bytes / 1e6, 1),
        build_seconds=round(time.perf_counter() - started, 1),
        ingest_seconds=round(time.perf_counter() - generated, 1),
    )
    log(
        f"  store: {summary['result_rows']:,} result rows, {summary['schools']:,} schools, "
        f"{summary['store_mb']} MB, built in {summary['build_seconds']} s"
    )
    return summary


def answers_ahead(store: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run scripts/answers_ahead.py on the store, as an operator does after building one
    (the default view's answers kept in it: equity/answers.py); its time is reported."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "answers_ahead.py"), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0:
        raise RuntimeError("answers ahead failed: " + "\n".join(lines[-3:] or [done.stderr]))
    seconds = round(time.perf_counter() - started, 1)
    log(f"  answers ahead: {lines[-1] if lines else ''} ({seconds} s with start-up)")
    return {"seconds": seconds, "summary": lines[-1] if lines else ""}


def store_summary(store: Path) -> dict[str, Any]:
    opened = Store.open(store)
    results = opened.results()
    by_kind = results.group_by("kind").agg(pl.len().alias("rows")).sort("kind").collect()
    school_results = (
        results.filter(pl.col("entity_kind") == "school")
        .group_by("academic_year", "key_stage")
        .agg(pl.col("entity").n_unique().alias("schools"))
        .sort("academic_year", "key_stage")
        .collect()
    )
    size = sum(p.stat().st_size for p in store.rglob("*.parquet"))
    return {
        "result_rows": int(by_kind["rows"].sum()),
        "rows_by_kind": dict(by_kind.iter_rows()),
        "schools": opened.schools().height,
        "schools_by_year_stage": [list(r) for r in school_results.iter_rows()],
        "store_mb": round(size / 1e6, 1),
        "parquet_files": sum(1 for _ in store.rglob("*.parquet")),
    }
