"""Which columns of a KS2/KS4 results file hold which measure (performance_measures.py)."""

from __future__ import annotations

from equity.ingest.cells import MeasureColumn
from equity.ingest.performance_measures import CANDIDATES, measure_columns


def test_columns_are_found_whatever_their_case_and_keep_the_files_spelling() -> None:
    found = measure_columns(["URN", "ptrwm_exp_FSM6CLA1A", "TFSM6CLA1A", "Other"], "ks2")
    assert found == [
        MeasureColumn("ptrwm_exp_FSM6CLA1A", "ks2_rwm_expected_pct", "disadvantaged", "ks2",
                      "TFSM6CLA1A"),
        MeasureColumn("TFSM6CLA1A", "pupils", "disadvantaged", "ks2", "TFSM6CLA1A"),
    ]  # fmt: skip


def test_a_column_the_file_lacks_is_skipped_and_its_count_left_empty() -> None:
    # KS4's "other" suffix is _NFSM6CLA1A (KS2's is _NOTFSM6CLA1A); its count column is absent.
    (found,) = measure_columns(["ATT8SCR_NFSM6CLA1A", "ATT8SCR_NOTFSM6CLA1A"], "ks4")
    assert found == MeasureColumn("ATT8SCR_NFSM6CLA1A", "ks4_attainment8", "other", "ks4", None)


def test_progress8_counts_its_own_pupils() -> None:
    p8 = [c for c in CANDIDATES["ks4"] if c[1] == "ks4_progress8"]
    assert ("P8MEA_FSM6CLA1A", "ks4_progress8", "disadvantaged", "P8PUP_FSM6CLA1A") in p8
    assert len(p8) == 9  # one per pupil group
