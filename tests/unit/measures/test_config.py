"""Service configuration: overriding unverified thresholds with a recorded source, refusing
national rules, and clear errors for malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stepcare.measures import (
    CONFIG_ENV_VAR,
    DEFAULT_REGISTRY,
    ConfigError,
    apply_overrides,
    classify_course,
    load_config,
    registry_from_environment,
    score,
)
from tests.unit.measures.helpers import answers_summing_to


def overrides(**measures: object) -> dict[str, object]:
    return {"measures": {code.replace("_", "-"): fields for code, fields in measures.items()}}


def test_an_override_changes_the_cut_off_and_records_its_source() -> None:
    registry = apply_overrides(
        DEFAULT_REGISTRY, overrides(SPIN={"caseness": {"value": 21, "source": "Manual v7 p.12"}})
    )
    cutoff = registry.get("SPIN").caseness
    assert cutoff is not None
    assert (cutoff.value, cutoff.source, cutoff.national) == (21, "Manual v7 p.12", False)
    assert score("SPIN", answers_summing_to("SPIN", 20), registry=registry).caseness is False
    assert score("SPIN", answers_summing_to("SPIN", 21), registry=registry).caseness is True


def test_applying_overrides_leaves_the_original_registry_unchanged() -> None:
    apply_overrides(DEFAULT_REGISTRY, overrides(PDSS={"reliable_change": {"value": 7, "source": "x"}}))
    rci = DEFAULT_REGISTRY.get("PDSS").reliable_change
    assert rci is not None and rci.value == 5


def test_an_overridden_reliable_change_value_is_used_to_classify_courses() -> None:
    registry = apply_overrides(
        DEFAULT_REGISTRY, overrides(SPIN={"reliable_change": {"value": 15, "source": "x"}})
    )
    first, last = {"PHQ-9": 5, "SPIN": 40}, {"PHQ-9": 5, "SPIN": 28}  # SPIN falls by 12
    default = classify_course(problem_descriptor="F40.1", first=first, last=last)
    overridden = classify_course(problem_descriptor="F40.1", first=first, last=last, registry=registry)
    assert default.reliable_improvement is True
    assert overridden.reliable_improvement is False


def test_the_comparator_of_a_cut_off_can_be_changed() -> None:
    registry = apply_overrides(
        DEFAULT_REGISTRY, overrides(MI={"caseness": {"value": 2.5, "comparator": ">=", "source": "x"}})
    )
    cutoff = registry.get("MI").caseness
    assert cutoff is not None and cutoff.comparator.value == ">=" and cutoff.met_by(2.5)


def test_wsas_bands_can_be_replaced_when_they_cover_the_whole_range() -> None:
    bands = [{"label": "low", "min": 0, "max": 14}, {"label": "high", "min": 15, "max": 40}]
    registry = apply_overrides(
        DEFAULT_REGISTRY, overrides(WSAS={"severity_bands": {"bands": bands, "source": "x"}})
    )
    assert score("WSAS", [3, 3, 3, 3, 2], registry=registry).severity == "low"
    assert score("WSAS", [3, 3, 3, 3, 3], registry=registry).severity == "high"


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"label": "a", "min": 1, "max": 40}], r"bands\[0\]\.min: expected 0"),
        (
            [{"label": "a", "min": 0, "max": 9}, {"label": "b", "min": 11, "max": 40}],
            r"bands\[1\]\.min: expected 10",
        ),
        ([{"label": "a", "min": 0, "max": 30}], r"last band must end at the highest total, 40"),
        ([{"label": "", "min": 0, "max": 40}], r"bands\[0\]\.label: expected non-empty text"),
        ([{"label": "a", "min": 0, "max": 40.5}], r"bands\[0\]\.max: expected a whole number"),
        ([], r"bands: expected a non-empty list"),
    ],
)
def test_bands_with_gaps_overlaps_or_bad_values_are_refused(bands: list[object], message: str) -> None:
    with pytest.raises(ConfigError, match=rf"WSAS\.severity_bands.*{message}"):
        apply_overrides(DEFAULT_REGISTRY, overrides(WSAS={"severity_bands": {"bands": bands, "source": "x"}}))


@pytest.mark.parametrize(
    ("field", "entry"),
    [
        ("caseness", {"value": 9, "source": "local"}),
        ("reliable_change", {"value": 5, "source": "local"}),
        ("severity_bands", {"bands": [{"label": "a", "min": 0, "max": 27}], "source": "local"}),
    ],
)
def test_a_national_rule_cannot_be_overridden(field: str, entry: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=rf"PHQ-9\.{field}: this is a national .* cannot override it"):
        apply_overrides(DEFAULT_REGISTRY, overrides(PHQ_9={field: entry}))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (overrides(SPIN={"caseness": {"value": 19}}), r"SPIN\.caseness\.source: missing"),
        (overrides(SPIN={"caseness": {"value": 19, "source": "  "}}), r"SPIN\.caseness\.source: missing"),
        (overrides(SPIN={"caseness": {"source": "x"}}), r"SPIN\.caseness\.value: missing"),
        (
            overrides(SPIN={"caseness": {"value": "19", "source": "x"}}),
            r"SPIN\.caseness\.value: expected a number from 0 to 68, got '19'",
        ),
        (
            overrides(SPIN={"caseness": {"value": 70, "source": "x"}}),
            r"SPIN\.caseness\.value: expected a number from 0 to 68, got 70",
        ),
        (overrides(SPIN={"caseness": {"value": True, "source": "x"}}), r"SPIN\.caseness\.value"),
        (
            overrides(SPIN={"caseness": {"value": 19, "comparator": "=>", "source": "x"}}),
            r"SPIN\.caseness\.comparator: expected '>=' or '>'",
        ),
        (overrides(SPIN={"cutoff": {"value": 19, "source": "x"}}), r"SPIN: unknown field 'cutoff'"),
        (
            overrides(SPIN={"reliable_change": {"value": 0, "source": "x"}}),
            r"SPIN\.reliable_change\.value: expected a number above 0",
        ),
        (
            overrides(MI={"reliable_change": {"value": 5, "source": "x"}}),
            r"MI\.reliable_change\.value: expected a number from 0 to 4.0",
        ),
        (overrides(WSAS={"caseness": {"value": 10, "source": "x"}}), r"WSAS has no caseness cut-off"),
        (
            overrides(PHOBIA={"caseness": {"value": 9, "source": "x"}}),
            r"PHOBIA\.caseness\.value: expected a number from 0 to 8",
        ),
        (overrides(SPIN=[1]), r"SPIN: expected a JSON object, got a list"),
        ({"measures": {"BDI": {}}}, r"unknown measure 'BDI'"),
        ({"measure": {}}, r"unknown field 'measure'"),
        ([], r"expected a JSON object, got a list"),
    ],
)
def test_bad_configuration_is_refused_naming_the_measure_and_field(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_overrides(DEFAULT_REGISTRY, data, origin="service.json")


def test_the_phobia_item_cut_off_can_be_overridden() -> None:
    registry = apply_overrides(DEFAULT_REGISTRY, overrides(PHOBIA={"caseness": {"value": 5, "source": "x"}}))
    assert score("PHOBIA", [4, 0, 0], registry=registry).caseness is False


def test_a_configuration_file_is_loaded_and_named_in_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(overrides(HAI={"caseness": {"value": 20, "source": "x"}})))
    cutoff = load_config(good).get("HAI").caseness
    assert cutoff is not None and cutoff.value == 20
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match=r"broken\.json: configuration file is not valid JSON \(line 1"):
        load_config(broken)
    with pytest.raises(ConfigError, match=r"missing\.json: cannot read configuration file"):
        load_config(tmp_path / "missing.json")


def test_the_environment_variable_names_the_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "env.json"
    path.write_text(json.dumps(overrides(PDSS={"caseness": {"value": 10, "source": "x"}})))
    from_env = registry_from_environment(environ={CONFIG_ENV_VAR: str(path)})
    cutoff = from_env.get("PDSS").caseness
    assert cutoff is not None and cutoff.value == 10
    assert registry_from_environment(environ={}) is DEFAULT_REGISTRY
