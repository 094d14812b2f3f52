"""Which columns of a DfE KS2 or KS4 results file hold which measure, for which pupils.

DfE writes one column per measure and pupil group: a stem (PTRWM_EXP, ATT8SCR, P8MEA, ...)
and a group suffix (_FSM6CLA1A disadvantaged, _NOTFSM6CLA1A other in KS2 but _NFSM6CLA1A in
KS4, ...), each with the column counting that group's pupils. The lists below spell every
candidate once, upper case; `measure_columns` keeps those a file has, spelt as it spells them,
so a column a year lacks is skipped, never invented (equity/ingest/performance_tables.py).
"""

from __future__ import annotations

from typing import Final

from equity.ingest.cells import MeasureColumn

# (pupil group, column suffix as DfE writes it, cohort-count column) per key stage. Upper
# case throughout: headers are matched case-insensitively.
_KS2_GROUPS: Final = (
    ("all", "", "TELIG"),
    ("disadvantaged", "_FSM6CLA1A", "TFSM6CLA1A"),
    ("other", "_NOTFSM6CLA1A", "TNOTFSM6CLA1A"),
    ("boys", "_B", "BELIG"),
    ("girls", "_G", "GELIG"),
    ("eal", "_EAL", "TEALGRP2"),
    ("low_prior", "_L", "TKS1GROUP_L"),
    ("middle_prior", "_M", "TKS1GROUP_M"),
    ("high_prior", "_H", "TKS1GROUP_H"),
)
_KS4_GROUPS: Final = (
    ("all", "", "TPUP"),
    ("disadvantaged", "_FSM6CLA1A", "TFSM6CLA1A"),
    ("other", "_NFSM6CLA1A", "TNOTFSM6CLA1A"),
    ("boys", "_BOYS", "BPUP"),
    ("girls", "_GIRLS", "GPUP"),
    ("eal", "_EAL", "TEALGRP2"),
    ("low_prior", "_LO", "TPRIORLO"),
    ("middle_prior", "_AV", "TPRIORAV"),
    ("high_prior", "_HI", "TPRIORHI"),
)

# KS4 basics (English and maths) columns do not follow the suffix pattern.
_KS4_BASICS: Final[dict[str, tuple[str, ...]]] = {
    grade: (
        f"PTL2BASICS_{grade}",
        f"PTFSM6CLA1ABASICS_{grade}",
        f"PTNOTFSM6CLA1ABASICS_{grade}",
        f"PBL2BASICS_{grade}",
        f"PGL2BASICS_{grade}",
        f"PTL2BASICSEAL_{grade}",
        f"PTBASICSLO_{grade}",
        f"PTBASICSAV_{grade}",
        f"PTBASICSHI_{grade}",
    )
    for grade in ("94", "95")
}


def _ks2_candidates() -> list[tuple[str, str, str, str | None]]:
    """(column, measure, group, pupils column) for KS2, upper-cased."""
    out: list[tuple[str, str, str, str | None]] = []
    for group, suffix, count in _KS2_GROUPS:
        out.append((f"PTRWM_EXP{suffix}", "ks2_rwm_expected_pct", group, count))
        out.append((f"PTRWM_HIGH{suffix}", "ks2_rwm_higher_pct", group, count))
        for prefix, measure in (
            ("READPROG", "ks2_reading_progress"),
            ("WRITPROG", "ks2_writing_progress"),
            ("MATPROG", "ks2_maths_progress"),
        ):
            out.append((f"{prefix}{suffix}", measure, group, count))
        out.append((count, "pupils", group, count))
    out += [
        ("PTFSM6CLA1A", "pct_disadvantaged", "all", "TELIG"),
        ("PTEALGRP2", "pct_eal", "all", "TELIG"),
        ("PSENELEK", "pct_sen", "all", "TELIG"),
    ]
    return out


def _ks4_candidates() -> list[tuple[str, str, str, str | None]]:
    """(column, measure, group, pupils column) for KS4, upper-cased."""
    out: list[tuple[str, str, str, str | None]] = []
    for index, (group, suffix, count) in enumerate(_KS4_GROUPS):
        out.append((f"ATT8SCR{suffix}", "ks4_attainment8", group, count))
        out.append((f"P8MEA{suffix}", "ks4_progress8", group, f"P8PUP{suffix}"))
        out.append((_KS4_BASICS["94"][index], "ks4_basics_94_pct", group, count))
        out.append((_KS4_BASICS["95"][index], "ks4_basics_95_pct", group, count))
        out.append((f"EBACCAPS{suffix}", "ks4_ebacc_aps", group, count))
        out.append((count, "pupils", group, count))
    out += [
        ("KS2APS", "ks4_prior_attainment", "all", "TPUP"),
        ("PTFSM6CLA1A", "pct_disadvantaged", "all", "TPUP"),
        ("PTEALGRP2", "pct_eal", "all", "TPUP"),
        ("PSEN_ALL", "pct_sen", "all", "TPUP"),
    ]
    return out


CANDIDATES: Final[dict[str, list[tuple[str, str, str, str | None]]]] = {
    "ks2": _ks2_candidates(),
    "ks4": _ks4_candidates(),
}


def measure_columns(columns: list[str], key_stage: str) -> list[MeasureColumn]:
    """The measure columns this file has, spelt as the file spells them."""
    lookup: dict[str, str] = {}
    for column in columns:
        lookup.setdefault(column.upper(), column)
    specs = []
    for column, measure, group, pupils in CANDIDATES[key_stage]:
        actual = lookup.get(column)
        if actual is None:
            continue
        specs.append(
            MeasureColumn(
                column=actual,
                measure=measure,
                pupil_group=group,
                key_stage=key_stage,
                pupils_column=lookup.get(pupils) if pupils else None,
            )
        )
    return specs
