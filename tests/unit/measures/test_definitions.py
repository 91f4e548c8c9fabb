"""The measure definitions as data: ranges, thresholds and their sources, licences, codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stepcare.measures import DEFAULT_REGISTRY, Scoring, normalise_code, normalise_descriptor

ROOT = Path(__file__).resolve().parents[3]

# (code, items, item min, item max, total min, total max), from the issue and DOMAIN.md §1.
RANGES = [
    ("PHQ-9", 9, 0, 3, 0, 27),
    ("GAD-7", 7, 0, 3, 0, 21),
    ("WSAS", 5, 0, 8, 0, 40),
    ("PHOBIA", 3, 0, 8, 0, 24),
    ("SPIN", 17, 0, 4, 0, 68),
    ("PDSS", 7, 0, 4, 0, 28),
    ("MI", 27, 1, 5, 1.0, 5.0),
    ("OCI-R", 18, 0, 4, 0, 72),
    ("IES-R", 22, 0, 4, 0, 88),
    ("PCL-5", 20, 0, 4, 0, 80),
    ("HAI", 18, 0, 3, 0, 54),
]


def test_the_registry_holds_the_eleven_canonical_measures_in_order() -> None:
    assert DEFAULT_REGISTRY.codes == (
        "PHQ-9",
        "GAD-7",
        "WSAS",
        "PHOBIA",
        "SPIN",
        "PDSS",
        "MI",
        "OCI-R",
        "PCL-5",
        "IES-R",
        "HAI",
    )


@pytest.mark.parametrize(("code", "items", "item_min", "item_max", "total_min", "total_max"), RANGES)
def test_each_measure_has_the_published_item_and_total_ranges(
    code: str, items: int, item_min: int, item_max: int, total_min: float, total_max: float
) -> None:
    measure = DEFAULT_REGISTRY.get(code)
    assert len(measure.items) == items
    assert (measure.item_min, measure.item_max) == (item_min, item_max)
    assert (measure.total_min, measure.total_max) == (total_min, total_max)
    assert [item.number for item in measure.items] == list(range(1, items + 1))


def test_only_the_mobility_inventory_is_a_mean_score() -> None:
    means = [m.code for m in DEFAULT_REGISTRY if m.scoring is Scoring.MEAN]
    assert means == ["MI"]


def test_the_mobility_inventory_caseness_is_strictly_above_2_3() -> None:
    cutoff = DEFAULT_REGISTRY.get("MI").caseness
    assert cutoff is not None
    assert (cutoff.comparator.value, cutoff.value) == (">", 2.3)


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7"])
def test_phq9_and_gad7_thresholds_are_national_rules(code: str) -> None:
    measure = DEFAULT_REGISTRY.get(code)
    assert measure.caseness is not None and measure.caseness.national
    assert measure.reliable_change is not None and measure.reliable_change.national


@pytest.mark.parametrize("code", ["SPIN", "PDSS", "MI", "OCI-R", "IES-R", "PCL-5", "HAI"])
def test_adsm_thresholds_are_configuration_marked_unverified(code: str) -> None:
    measure = DEFAULT_REGISTRY.get(code)
    assert measure.caseness is not None and measure.reliable_change is not None
    assert not measure.caseness.national and not measure.reliable_change.national
    assert "UNVERIFIED" in measure.caseness.source
    assert "UNVERIFIED" in measure.reliable_change.source


def test_wsas_has_no_caseness_and_no_reliable_change_for_kpis() -> None:
    wsas = DEFAULT_REGISTRY.get("WSAS")
    assert wsas.caseness is None
    assert wsas.reliable_change is None
    assert wsas.items[0].key == "work" and wsas.items[0].allows_not_applicable
    assert not any(item.allows_not_applicable for item in wsas.items[1:])


def test_every_threshold_says_where_it_came_from() -> None:
    for measure in DEFAULT_REGISTRY:
        for threshold in (measure.severity, measure.caseness, measure.reliable_change):
            assert threshold is None or threshold.source.strip(), measure.code


def test_item_wording_ships_only_for_instruments_free_to_use() -> None:
    with_text = {m.code for m in DEFAULT_REGISTRY if any(item.text for item in m.items)}
    free = {m.code for m in DEFAULT_REGISTRY if m.licence.wording_free}
    assert with_text == free == {"PHQ-9", "GAD-7", "WSAS", "PHOBIA", "PCL-5"}


def test_licensed_measures_have_neutral_labels_and_no_response_wording() -> None:
    for measure in DEFAULT_REGISTRY:
        if not measure.licence.wording_free:
            assert [item.label for item in measure.items] == [
                f"Item {n}" for n in range(1, len(measure.items) + 1)
            ]
            assert measure.response_options == ()
            assert measure.instructions is None


def test_only_phq9_and_gad7_carry_snomed_codes_we_are_sure_of() -> None:
    codes = {m.code: m.snomed_code for m in DEFAULT_REGISTRY if m.snomed_code}
    assert codes == {"PHQ-9": "720433000", "GAD-7": "445455005"}


def test_only_phq9_item9_raises_a_prompt() -> None:
    flagged = [(m.code, item.number) for m in DEFAULT_REGISTRY for item in m.items if item.flag]
    assert flagged == [("PHQ-9", 9)]


@pytest.mark.parametrize(
    ("text", "key"), [("PHQ-9", "PHQ9"), ("phq9", "PHQ9"), ("oci-r", "OCIR"), (" Pcl-5 ", "PCL5")]
)
def test_measure_codes_normalise_to_letters_and_digits(text: str, key: str) -> None:
    assert normalise_code(text) == key


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("F40.1", "F401"),
        ("f401", "F401"),
        ("F42", "F42"),
        ("F43.10", "F4310"),
        ("F401 - Social phobias", "F401"),
        ("  f45.2", "F452"),
        ("83482000", ""),
        ("", ""),
        (None, ""),
        ("depression", ""),
    ],
)
def test_problem_descriptors_normalise_to_a_bare_icd10_code(text: str | None, code: str) -> None:
    assert normalise_descriptor(text) == code


def test_the_clinical_core_imports_nothing_from_django() -> None:
    check = (
        "import sys, stepcare.measures.cli; print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
