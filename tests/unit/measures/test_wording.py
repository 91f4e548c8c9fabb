"""A service's licensed item wording, loaded from its own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stepcare.measures import DEFAULT_REGISTRY, ConfigError, apply_wording, load_wording, score

SPIN_TEXTS = [f"Licensed SPIN statement {n}" for n in range(1, 18)]


def test_licensed_wording_is_attached_to_the_items_with_its_source() -> None:
    data = {
        "source": "Licence 2025-017",
        "measures": {
            "spin": {
                "instructions": "Please answer every item.",
                "items": SPIN_TEXTS,
                "response_options": [{"value": 0, "label": "Not at all"}, {"value": 4, "label": "Extremely"}],
            }
        },
    }
    spin = apply_wording(DEFAULT_REGISTRY, data).get("SPIN")
    assert [item.text for item in spin.items] == SPIN_TEXTS
    assert spin.instructions == "Please answer every item."
    assert [(o.value, o.label) for o in spin.response_options] == [(0, "Not at all"), (4, "Extremely")]
    assert spin.wording_source == "Licence 2025-017"
    assert DEFAULT_REGISTRY.get("SPIN").items[0].text is None


def test_wording_changes_nothing_about_scoring() -> None:
    registry = apply_wording(DEFAULT_REGISTRY, {"source": "x", "measures": {"SPIN": {"items": SPIN_TEXTS}}})
    answers: list[int | None] = [2] * 17
    assert score("SPIN", answers, registry=registry) == score("SPIN", answers)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"measures": {"SPIN": {"items": SPIN_TEXTS}}}, r"SPIN\.source: missing"),
        (
            {"source": "x", "measures": {"SPIN": {"items": SPIN_TEXTS[:-1]}}},
            r"SPIN\.items: expected a list of 17 item texts",
        ),
        (
            {"source": "x", "measures": {"SPIN": {"items": [*SPIN_TEXTS[:-1], ""]}}},
            r"SPIN\.items: item 17: expected non-empty text",
        ),
        (
            {"source": "x", "measures": {"HAI": {"response_options": [{"value": 4, "label": "d"}]}}},
            r"HAI\.response_options\[0\]\.value: expected a whole number from 0 to 3, got 4",
        ),
        (
            {
                "source": "x",
                "measures": {
                    "HAI": {"response_options": [{"value": 1, "label": "a"}, {"value": 1, "label": "b"}]}
                },
            },
            r"HAI\.response_options\[1\]\.value: 1 is listed twice",
        ),
        ({"source": "x", "measures": {"SPIN": {"wording": []}}}, r"SPIN: unknown field 'wording'"),
        ({"source": "x", "measures": {"BDI": {}}}, r"unknown measure 'BDI'"),
    ],
)
def test_bad_wording_files_are_refused_naming_the_measure_and_field(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_wording(DEFAULT_REGISTRY, data)


def test_a_wording_file_is_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "wording.json"
    path.write_text(json.dumps({"source": "x", "measures": {"PDSS": {"items": [f"q{n}" for n in range(7)]}}}))
    assert load_wording(path).get("PDSS").items[6].text == "q6"
