"""The definitions the Data page shows, read from the code that implements them."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from equity.analysis import definitions
from equity.ingest.lait import LAIT_CODES
from equity.schema import MEASURES, PUPIL_GROUP_LABELS, STATUS_CODES, Status
from equity.store import Store


def test_measures_table_lists_every_measure_with_its_polarity() -> None:
    table = definitions.measures_table()
    assert table["id"].to_list() == list(MEASURES)
    absence = table.filter(pl.col("id") == "absence_overall_pct").row(0, named=True)
    assert absence["polarity"] == "lower is better"
    att8 = table.filter(pl.col("id") == "ks4_attainment8").row(0, named=True)
    assert att8["polarity"] == "higher is better" and att8["unit"] == "score"


def test_pupil_groups_table_is_the_schema_labels() -> None:
    table = definitions.pupil_groups_table()
    assert dict(table.select("id", "group").iter_rows()) == PUPIL_GROUP_LABELS


def test_status_table_lists_every_dfe_code_under_its_status() -> None:
    table = definitions.status_table()
    assert table.height == len(Status)
    codes = dict(table.select("status", "codes_in_dfe_files").iter_rows())
    assert codes["suppressed"] == "'SUPP', 'C', 'X', 'LOW', 'SP'"
    assert codes["missing"] == "(blank cell)"
    listed = " ".join(codes.values())
    for code in STATUS_CODES:
        assert (f"'{code}'" if code else "(blank cell)") in listed
    assert table.filter(pl.col("meaning") == "").is_empty()


def test_segregation_definitions_are_the_metrics_formulas() -> None:
    items = definitions.segregation_definitions()
    assert len(items) == 3
    assert items[0].startswith("Gorard's segregation index GS = 0.5 * sum |F_i/F - T_i/T|")
    assert items[1].startswith("Dissimilarity D = 0.5 * sum |F_i/F - N_i/N|")
    assert items[2].startswith("Isolation = sum (F_i/F) * (F_i/T_i)")


def test_gap_definitions_give_both_conventions_and_the_sign() -> None:
    text = definitions.gap_definitions()
    assert text.summary.startswith("Disadvantage gaps")
    assert [w.split(":")[0] for w in text.ways] == [
        "Within the area",
        "Against other pupils nationally",
    ]
    assert any("positive when disadvantaged pupils trail" in r for r in text.rules)


def test_series_breaks_are_read_from_the_markdown(tmp_path: Path) -> None:
    md = tmp_path / "breaks.md"
    md.write_text(
        "# Title\n\nIntro line one.\nIntro line two.\n\n"
        "| year | stage | what changed |\n|---|---|---|\n"
        "| 2019/20 | KS2 | tests cancelled |\n| 2017/18 | KS4 | capped (check) |\n\n"
        "After the table.\n",
        encoding="utf-8",
    )
    breaks = definitions.series_breaks(md)
    assert breaks.table.columns == ["year", "stage", "what_changed"]
    assert breaks.table.rows() == [
        ("2019/20", "KS2", "tests cancelled"),
        ("2017/18", "KS4", "capped (check)"),
    ]
    assert breaks.notes == ("Intro line one. Intro line two.", "After the table.")
    assert breaks.unconfirmed == 1


def test_shipped_series_breaks_parse() -> None:
    breaks = definitions.series_breaks()
    assert breaks.table.height == 13
    assert breaks.table.row(0) == (
        "2015/16",
        "KS2",
        'new curriculum tests, scaled scores, "expected standard"; not comparable with '
        "earlier levels",
        "start KS2 series here",
    )
    assert breaks.unconfirmed == 1
    assert breaks.notes[0].startswith("Facts gathered from DfE")


def test_lait_measures_carry_the_dictionarys_description_and_link(embedded: Store) -> None:
    table = definitions.lait_measures(embedded)
    assert table["lait_code"].to_list() == [c.code for c in LAIT_CODES]
    att8 = table.filter(pl.col("lait_code") == "DAP_KS4_ATT8").row(0, named=True)
    assert att8["measure"] == MEASURES["ks4_attainment8"].label
    assert att8["pupil_group"] == "Disadvantaged pupils"
    assert att8["polarity"] == "high"
    assert att8["description"] and att8["source_url"].startswith("https://")
    assert table["description"].null_count() == 0


def test_lait_measures_without_a_dictionary_still_list_the_codes(tiny: Store) -> None:
    table = definitions.lait_measures(tiny)
    assert table.height == len(LAIT_CODES)
    assert table["description"].null_count() == len(LAIT_CODES)
