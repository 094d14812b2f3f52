"""The catalogue of file kinds (equity/kinds.py): complete, and the rankings the store, the
queries and the Data page read from it are the ones they used to keep themselves."""

from __future__ import annotations

import pytest

from equity import kinds
from equity.ingest import registry


def test_every_registered_file_kind_is_catalogued_and_every_catalogued_kind_has_a_reader() -> None:
    readers = {reader.name for reader in registry.KINDS}
    assert readers == set(kinds.KINDS)


def test_a_reader_of_an_uncatalogued_kind_is_refused_at_import() -> None:
    stray = registry.KINDS[0].__class__(**{**vars(registry.KINDS[0]), "name": "new_kind"})
    with pytest.raises(RuntimeError, match="new_kind"):
        registry.catalogued((*registry.KINDS, stray))


@pytest.mark.parametrize("kind", list(kinds.KINDS.values()), ids=list(kinds.KINDS))
def test_every_kind_has_a_publisher_page_level_and_year_meaning(kind: kinds.Kind) -> None:
    assert kind.label and kind.publisher and kind.page.startswith("https://")
    assert kind.level in {kinds.SCHOOL, kinds.LA, kinds.REFERENCE}
    assert kind.year_meaning in {
        kinds.ACADEMIC_YEAR,
        kinds.JANUARY_CENSUS,
        kinds.KS4_COHORT,
        kinds.NO_YEAR,
    }
    assert (kind.year_meaning == kinds.NO_YEAR) == (kind.level == kinds.REFERENCE)
    if kind.key_rank is not None:  # the Data page names it in a sentence
        assert kind.short and kind.level == kinds.SCHOOL
    if kind.school_priority is not None:  # it describes schools
        assert kind.level == kinds.SCHOOL


def test_an_unknown_kind_still_gets_an_entry_named_by_its_id() -> None:
    assert kinds.kind("a_kind_from_the_future").label == "a_kind_from_the_future"
    assert kinds.kind("a_kind_from_the_future").level == kinds.REFERENCE
    assert kinds.kind(None).label == "unknown"


def test_whose_description_of_a_school_wins() -> None:
    """The register first, then the files that name schools as results show them."""
    assert kinds.school_priority() == {
        "gias": 1,
        "school_list": 2,
        "ks4_performance": 3,
        "ks2_performance": 3,
        "ks4_provisional": 4,
        "school_census": 5,
        "school_locations": 6,
        "ks4_destinations": 7,
    }


def test_whose_published_la_figure_wins() -> None:
    """LAIT is DfE's curated LA panel; the performance tables' LA rows come next."""
    assert kinds.published_rank() == {
        "lait_panel": 1,
        "ks4_performance": 2,
        "ks2_performance": 2,
        "national_averages": 3,
        "ks4_provisional": 4,
    }


def test_the_key_school_kinds_in_the_order_the_data_page_tells_them() -> None:
    assert kinds.key_school_kinds() == (
        "ks4_performance",
        "ks2_performance",
        "school_census",
        "gias",
    )


def test_the_results_split_by_disadvantage_per_key_stage() -> None:
    assert dict(kinds.PERFORMANCE_BY_STAGE) == {"ks2": "ks2_performance", "ks4": "ks4_performance"}
    for kind_id in kinds.PERFORMANCE:
        assert kinds.KINDS[kind_id].by_disadvantage
    assert not kinds.KINDS[kinds.KS4_PROVISIONAL].by_disadvantage
    assert kinds.KINDS[kinds.KS4_DESTINATIONS].year_meaning == kinds.KS4_COHORT


def test_levels_partition_the_catalogue() -> None:
    levels = (kinds.SCHOOL, kinds.LA, kinds.REFERENCE)
    together = [kind_id for level in levels for kind_id in kinds.of_level(level)]
    assert sorted(together) == sorted(kinds.KINDS)
    assert kinds.of_level(kinds.LA) == ("lait_panel", "national_averages", "area_themes")
