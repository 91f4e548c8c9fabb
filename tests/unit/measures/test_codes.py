"""Each measure's SNOMED CT concept (the dataset's CodedAssToolType) and LOINC code, with the
source of both: shown by ``stepcare measures list --json``, overridable by a service with a source."""

from __future__ import annotations

import json

import pytest

from stepcare.measures import DEFAULT_REGISTRY
from stepcare.measures.cli import main
from stepcare.measures.config import apply_overrides
from stepcare.measures.errors import ConfigError


def test_measures_list_json_shows_snomed_loinc_and_their_source(capsys) -> None:
    assert main(["list", "--json"]) == 0
    measures = {m["code"]: m for m in json.loads(capsys.readouterr().out)}
    assert (measures["PHQ-9"]["snomed"], measures["PHQ-9"]["loinc"]) == ("720433000", "44261-6")
    assert (measures["GAD-7"]["snomed"], measures["GAD-7"]["loinc"]) == ("445455005", "70274-6")
    for measure in measures.values():
        assert "snomed" in measure and "loinc" in measure and measure["codes_source"]
    # Unknown codes are left null, and the source says so.
    assert measures["WSAS"]["snomed"] is None and measures["WSAS"]["loinc"] is None
    assert "no SNOMED CT or LOINC code" in measures["WSAS"]["codes_source"]


def test_a_service_sets_a_code_with_its_source() -> None:
    registry = apply_overrides(
        DEFAULT_REGISTRY,
        {"measures": {"WSAS": {"codes": {"snomed": "123456789", "source": "Governance decision 2026-11"}}}},
    )
    wsas = registry.get("WSAS")
    assert (wsas.snomed_code, wsas.loinc_code, wsas.codes_source) == (
        "123456789",
        None,
        "Governance decision 2026-11",
    )


@pytest.mark.parametrize(
    "codes",
    [
        {"snomed": "123"},
        {"snomed": 123, "source": "x"},
        {"snomed": "", "source": "x"},
        {"icd": "F32", "source": "x"},
    ],
)
def test_a_code_without_a_source_or_of_the_wrong_shape_is_refused(codes) -> None:
    with pytest.raises(ConfigError):
        apply_overrides(DEFAULT_REGISTRY, {"measures": {"WSAS": {"codes": codes}}})
