"""LAIT panel, data dictionary and LA code lookup: real files and tiny hand-made ones."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from equity.ingest import lait, lait_dictionary
from equity.ingest.base import FileKind, IngestError, IngestResult
from equity.schema import AREAS_SCHEMA, REJECTED_SCHEMA, RESULTS_SCHEMA


@pytest.fixture(scope="module")
def panel(sources: Path) -> IngestResult:
    return lait.read_panel(sources / "lait" / "bds_long_0.parquet")


@pytest.fixture(scope="module")
def dictionary(sources: Path) -> pl.DataFrame:
    return lait_dictionary.read_dictionary(sources / "lait" / "lait_data_dictionary.csv").extra[
        "measure_dictionary"
    ]


def _value(results: pl.DataFrame, entity: str, year: str, measure: str, group: str) -> float:
    row = results.filter(
        (pl.col("entity") == entity)
        & (pl.col("academic_year") == year)
        & (pl.col("measure") == measure)
        & (pl.col("pupil_group") == group)
    )
    assert row.height == 1, row
    return float(row["value"][0])


def _kind(name: str) -> FileKind:
    return next(k for k in (*lait.KINDS, *lait_dictionary.KINDS) if k.name == name)


# --------------------------------------------------------------------------- real panel


def test_panel_published_facts(panel: IngestResult) -> None:
    r = panel.results
    # DfE KS4 2015/16 (LAIT Years 2016): disadvantaged pupils' Attainment 8.
    assert _value(r, "352", "2015/16", "ks4_attainment8", "disadvantaged") == 42.4
    assert _value(r, "970", "2015/16", "ks4_attainment8", "disadvantaged") == 41.2
    assert _value(r, "970", "2015/16", "ks4_attainment8", "other") == 53.5
    assert _value(r, "970", "2018/19", "ks2_rwm_expected_pct", "disadvantaged") == 51
    assert _value(r, "970", "2018/19", "ks2_rwm_expected_pct", "all") == 65
    assert _value(r, "970", "2018/19", "ks4_progress8", "disadvantaged") == -0.45
    # January 2019 census (Years 2019 = 2018/19): DfE published 15.8% primary FSM.
    assert _value(r, "970", "2018/19", "pct_fsm_primary", "all") == 15.8
    assert _value(r, "970", "2018/19", "pct_fsm6_primary", "all") == 22.97


def test_panel_schema_and_accounting(panel: IngestResult) -> None:
    panel.check_accounting()
    assert panel.results.schema == pl.Schema(RESULTS_SCHEMA)
    assert panel.areas.schema == pl.Schema(AREAS_SCHEMA)
    assert panel.rejected.schema == pl.Schema(REJECTED_SCHEMA)
    assert panel.rejected.height == 0
    assert panel.rows_read == panel.results.height == 54_570  # mapped codes only
    assert any("641,070 rows in the file" in note for note in panel.notes)
    assert panel.results["published"].all()
    assert set(panel.results["source"]) == {"bds_long_0.parquet"}


def test_panel_maps_every_code(panel: IngestResult) -> None:
    pairs = panel.results.select("measure", "pupil_group").unique()
    assert pairs.height == len(lait.LAIT_CODES)
    for group in ("disadvantaged", "other", "fsm", "not_fsm", "all"):
        for measure in ("ks2_rwm_expected_pct", "ks4_attainment8", "ks4_progress8"):
            assert (
                pairs.filter(
                    (pl.col("measure") == measure) & (pl.col("pupil_group") == group)
                ).height
                == 1
            )
    census = panel.results.filter(pl.col("key_stage") == "census")
    assert set(census["measure"]) == {
        "pct_fsm_primary",
        "pct_fsm_secondary",
        "pct_fsm6_primary",
        "pct_fsm6_secondary",
    }


def test_panel_dash_is_not_published_never_zero(panel: IngestResult) -> None:
    dashes = panel.results.filter(pl.col("original") == "-")
    assert dashes.height > 10_000
    assert (dashes["status"] == "not_published").all()
    assert dashes["value"].null_count() == dashes.height
    # No KS2 tests in 2019/20 or 2020/21.
    ks2 = panel.results.filter(
        (pl.col("measure") == "ks2_rwm_expected_pct")
        & pl.col("academic_year").is_in(["2019/20", "2020/21"])
    )
    assert (ks2["status"] == "not_published").all()
    numbers = panel.results.filter(pl.col("status") == "value")
    assert numbers["value"].null_count() == 0


def test_panel_years_are_academic_years(panel: IngestResult) -> None:
    years = panel.academic_years
    assert years[0] == "2015/16" and years[-1] == "2024/25"
    assert len(years) == 10


def test_panel_areas(panel: IngestResult) -> None:
    areas = panel.areas
    assert areas.height == 170
    kinds = dict(areas.group_by("kind").len().iter_rows())
    assert kinds == {"la": 158, "region": 11, "england": 1}
    by_code = {row["la_code"]: row for row in areas.iter_rows(named=True)}
    # LA codes reach 943, so "9xx" is not a region: Cornwall is an LA.
    assert by_code["908"]["kind"] == "la"
    assert by_code["943"]["name"] == "Westmorland and Furness"
    assert by_code["970"]["kind"] == "england"
    assert by_code["981"] == {
        "la_code": "981",
        "ons_code": None,
        "name": "North West",
        "kind": "region",
        "region": None,
    }
    assert by_code["358"]["region"] == "North West"
    assert by_code["316"]["region"] == "London"  # LAIT says "Inner London"
    assert by_code["372"]["region"] == "Yorkshire and the Humber"  # LAIT: "... The Humber"
    region_names = set(areas.filter(pl.col("kind") == "region")["name"])
    assert set(areas.filter(pl.col("kind") == "la")["region"]) <= region_names


def test_panel_is_fast(sources: Path) -> None:
    start = time.perf_counter()
    lait.read_panel(sources / "lait" / "bds_long_0.parquet")
    assert time.perf_counter() - start < 1.0


def test_precision_matches_dictionary_and_loses_nothing(
    sources: Path, dictionary: pl.DataFrame
) -> None:
    dps = dict(dictionary.select("lait_code", "decimals").iter_rows())
    year_types = dict(dictionary.select("lait_code", "year_type").iter_rows())
    raw = (
        pl.scan_parquet(sources / "lait" / "bds_long_0.parquet")
        .filter(pl.col("Short Desc").is_in([c.code for c in lait.LAIT_CODES]))
        .select("Short Desc", pl.col("Values").cast(pl.Float64, strict=False).alias("v"))
        .collect()
    )
    for code in lait.LAIT_CODES:
        if dps[code.code] is not None:
            assert dps[code.code] == code.decimals, code.code
        values = raw.filter(pl.col("Short Desc") == code.code)["v"].drop_nulls()
        loss = (values.round(code.decimals) - values).abs()
        assert (loss < 1e-6).all(), f"{code.code} rounds away published digits"
        assert year_types[code.code] in {"Academic Year", "Annual - January"}, code.code
    census_codes = {"PriFSM", "SecFSM", "Ever6_FSM_Prim", "Ever6_FSM_Sec"}
    assert {year_types[c] for c in census_codes} == {"Annual - January"}


# --------------------------------------------------------------------------- tiny panel


def test_tiny_parquet_matches_its_readable_source(test_data: Path) -> None:
    csv = pl.read_csv(test_data / "lait" / "bds_long_tiny.csv", infer_schema=False)
    parquet = pl.read_parquet(test_data / "lait" / "bds_long_tiny.parquet")
    assert parquet.drop("LA Number").equals(csv.drop("LA Number"))
    assert parquet["LA Number"].to_list() == [float(x) for x in csv["LA Number"]]


def test_tiny_panel(test_data: Path) -> None:
    path = test_data / "lait" / "bds_long_tiny.parquet"
    assert _kind("lait_panel").detect(path, list(pl.read_parquet_schema(path)))
    result = lait.read_panel(path)
    result.check_accounting()
    assert (result.rows_read, result.rows_stored) == (11, 8)  # the RTA row is out of scope
    assert dict(result.rejected.select("row", "reason").iter_rows()) == {
        7: "Years '2016-17' is not the calendar year LAIT uses for this measure",
        8: "LA Number '12.5' is not a 3-digit DfE LA code",
        11: "LA Number 975 is neither an LA (below 970), England (970) nor a region (980-990)",
    }
    r = result.results
    assert _value(r, "352", "2015/16", "ks4_attainment8", "disadvantaged") == 42.4
    assert _value(r, "987", "2018/19", "ks4_progress8", "disadvantaged") == 0.07
    assert _value(r, "981", "2018/19", "pct_fsm6_secondary", "all") == 30.12
    # Half away from zero, as DfE rounds (half-to-even would give 0.12).
    assert _value(r, "358", "2018/19", "ks2_reading_progress", "fsm") == 0.13
    row = r.filter(pl.col("original") == "7.0000000000000007E-2").row(0, named=True)
    assert row["entity_kind"] == "region" and row["la_code"] == "987"
    dash = r.filter(pl.col("original") == "-").row(0, named=True)
    assert dash["status"] == "not_published" and dash["value"] is None
    assert dash["academic_year"] == "2019/20"
    assert r.filter(pl.col("entity") == "908")["entity_kind"].to_list() == ["la"]
    areas = {row["la_code"]: row for row in result.areas.iter_rows(named=True)}
    assert areas["987"]["region"] == "London"
    assert areas["316"]["region"] == "London"


def test_panel_detection_and_errors(tmp_path: Path, test_data: Path) -> None:
    other = tmp_path / "other.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(other)
    kind = _kind("lait_panel")
    assert not kind.detect(other, ["a"])
    assert not kind.detect(other, [])
    assert not kind.detect(test_data / "lait" / "bds_long_tiny.csv", list(lait.PANEL_COLUMNS))
    with pytest.raises(IngestError, match="missing columns"):
        lait.read_panel(other)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    assert not kind.detect(broken, [])
    with pytest.raises(IngestError, match=r"broken\.parquet"):
        lait.read_panel(broken)


# --------------------------------------------------------------------------- dictionary


def test_mapped_ids_are_canonical() -> None:
    from equity.ingest import gias, trafford
    from equity.schema import MEASURES, KeyStage, PupilGroup

    for code in lait.LAIT_CODES:
        assert code.measure in MEASURES, code
        assert code.pupil_group in {g.value for g in PupilGroup}, code
        assert code.key_stage in {k.value for k in KeyStage}, code
    for _, measure in trafford.THEME_INDICATORS:
        assert measure in MEASURES
    assert {"pct_fsm", "pupils"} <= set(MEASURES)
    assert gias.KINDS and trafford.KINDS
