"""Scoring one questionnaire: totals, every band boundary, every caseness cut-off, prompts and
every kind of invalid answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepcare.measures import (
    DEFAULT_REGISTRY,
    ScoringError,
    UnknownMeasureError,
    parse_answers,
    score,
)
from tests.unit.measures.helpers import answers_summing_to

# (measure, total, expected severity): the two sides of every band boundary, and both ends.
BAND_BOUNDARIES = [
    ("PHQ-9", 0, "minimal"),
    ("PHQ-9", 4, "minimal"),
    ("PHQ-9", 5, "mild"),
    ("PHQ-9", 9, "mild"),
    ("PHQ-9", 10, "moderate"),
    ("PHQ-9", 14, "moderate"),
    ("PHQ-9", 15, "moderately severe"),
    ("PHQ-9", 19, "moderately severe"),
    ("PHQ-9", 20, "severe"),
    ("PHQ-9", 27, "severe"),
    ("GAD-7", 0, "minimal"),
    ("GAD-7", 4, "minimal"),
    ("GAD-7", 5, "mild"),
    ("GAD-7", 9, "mild"),
    ("GAD-7", 10, "moderate"),
    ("GAD-7", 14, "moderate"),
    ("GAD-7", 15, "severe"),
    ("GAD-7", 21, "severe"),
    ("WSAS", 0, "subclinical"),
    ("WSAS", 9, "subclinical"),
    ("WSAS", 10, "significant impairment"),
    ("WSAS", 20, "significant impairment"),
    ("WSAS", 21, "moderately severe or worse"),
    ("WSAS", 40, "moderately severe or worse"),
]

# (measure, highest total below caseness, lowest total at caseness), as the issue states them.
CASENESS_BOUNDARIES = [
    ("PHQ-9", 9, 10),
    ("GAD-7", 7, 8),
    ("SPIN", 18, 19),
    ("PDSS", 7, 8),
    ("OCI-R", 20, 21),
    ("IES-R", 32, 33),
    ("PCL-5", 31, 32),
    ("HAI", 17, 18),
]


@pytest.mark.parametrize(("code", "total", "severity"), BAND_BOUNDARIES)
def test_a_total_at_a_band_boundary_falls_in_the_right_band(code: str, total: int, severity: str) -> None:
    result = score(code, answers_summing_to(code, total))
    assert result.total == total
    assert result.severity == severity


@pytest.mark.parametrize(("code", "below", "at"), CASENESS_BOUNDARIES)
def test_a_total_one_below_the_cut_off_is_not_at_caseness(code: str, below: int, at: int) -> None:
    assert score(code, answers_summing_to(code, below)).caseness is False


@pytest.mark.parametrize(("code", "below", "at"), CASENESS_BOUNDARIES)
def test_a_total_at_the_cut_off_is_at_caseness(code: str, below: int, at: int) -> None:
    assert score(code, answers_summing_to(code, at)).caseness is True


@pytest.mark.parametrize("code", ["SPIN", "PDSS", "MI", "OCI-R", "IES-R", "PCL-5", "HAI", "PHOBIA"])
def test_measures_without_severity_bands_report_no_severity(code: str) -> None:
    measure = DEFAULT_REGISTRY.get(code)
    answers = [measure.item_max] * len(measure.items)
    assert score(code, answers).severity is None


def test_the_example_phq9_from_the_issue_scores_13_moderate_at_caseness_with_item9() -> None:
    result = score("PHQ-9", [0, 1, 2, 3, 0, 1, 2, 3, 1])
    assert (result.measure, result.total, result.severity) == ("PHQ-9", 13, "moderate")
    assert result.caseness is True
    assert result.flags == ("item9",)


def test_phq9_item9_at_zero_raises_no_flag() -> None:
    assert score("PHQ-9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).flags == ()


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_zero_raises_the_item9_prompt_without_changing_the_total(item9: int) -> None:
    result = score("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, item9])
    assert result.flags == ("item9",)
    assert result.total == item9


def test_a_score_result_never_carries_a_risk_score_or_label() -> None:
    fields = set(score("PHQ-9", [3] * 9).__dataclass_fields__)
    assert not {name for name in fields if "risk" in name}


def test_the_json_form_of_a_score_has_exactly_five_keys_in_order() -> None:
    result = score("GAD-7", [1, 1, 1, 1, 1, 1, 1])
    assert list(result.as_dict()) == ["measure", "total", "severity", "caseness", "flags"]


def test_the_mobility_inventory_is_scored_as_the_mean_of_its_27_items() -> None:
    result = score("MI", [1] * 13 + [3] * 14)
    assert result.total == pytest.approx((13 + 42) / 27)
    assert isinstance(result.total, float)


def test_a_mobility_inventory_mean_just_below_2_3_is_not_at_caseness() -> None:
    answers = answers_summing_to("MI", 62)  # mean 2.296
    assert score("MI", answers).caseness is False


def test_a_mobility_inventory_mean_just_above_2_3_is_at_caseness() -> None:
    answers = answers_summing_to("MI", 63)  # mean 2.333
    assert score("MI", answers).caseness is True


def test_the_mobility_inventory_lowest_answers_give_a_mean_of_one() -> None:
    assert score("MI", [1] * 27).total == 1.0


@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_phobia_scale_item_of_4_suggests_caseness(position: int) -> None:
    answers: list[int | None] = [0, 0, 0]
    answers[position] = 4
    result = score("PHOBIA", answers)
    assert result.caseness is True
    assert result.caseness_items == (("social", "agoraphobia", "specific")[position],)


def test_phobia_scale_items_all_at_3_do_not_suggest_caseness_even_with_a_total_of_9() -> None:
    result = score("PHOBIA", [3, 3, 3])
    assert result.total == 9
    assert result.caseness is False


def test_wsas_item1_not_applicable_is_kept_apart_from_zero() -> None:
    not_applicable = score("WSAS", [None, 2, 2, 2, 2])
    zero = score("WSAS", [0, 2, 2, 2, 2])
    assert not_applicable.item1_not_applicable is True
    assert zero.item1_not_applicable is False
    assert not_applicable.answers[0] is None
    assert zero.answers[0] == 0


def test_wsas_reports_the_total_without_item1() -> None:
    result = score("WSAS", [8, 1, 2, 3, 4])
    assert result.total == 18
    assert result.total_excluding_item1 == 10


def test_wsas_with_item1_not_applicable_totals_the_other_four_items() -> None:
    result = score("WSAS", [None, 1, 2, 3, 4])
    assert result.total == 10
    assert result.total_excluding_item1 == 10
    assert result.severity == "significant impairment"


def test_wsas_has_no_caseness() -> None:
    assert score("WSAS", [8, 8, 8, 8, 8]).caseness is None


@pytest.mark.parametrize("code", ["phq-9", "Phq9", "PHQ9", "gad7", "oci-r", "ocir", "pcl5", "ies-r", "hai"])
def test_measure_codes_are_accepted_in_any_case_and_without_the_hyphen(code: str) -> None:
    measure = DEFAULT_REGISTRY.get(code)
    assert score(code, [0] * len(measure.items)).measure == measure.code


def test_an_unknown_measure_is_refused_with_the_known_codes() -> None:
    with pytest.raises(UnknownMeasureError, match=r"unknown measure 'BDI-II'.*PHQ-9.*HAI"):
        score("BDI-II", [0])


@pytest.mark.parametrize("answers", [[0] * 8, [0] * 10, []])
def test_the_wrong_number_of_answers_is_refused(answers: list[int | None]) -> None:
    with pytest.raises(ScoringError, match=rf"PHQ-9: expected 9 answers .*got {len(answers)}"):
        score("PHQ-9", answers)


@pytest.mark.parametrize(
    ("code", "value", "position"),
    [("PHQ-9", 4, 8), ("PHQ-9", -1, 0), ("GAD-7", 4, 3), ("WSAS", 9, 2), ("MI", 0, 5), ("MI", 6, 0)],
)
def test_an_answer_out_of_range_is_refused_naming_the_item(code: str, value: int, position: int) -> None:
    measure = DEFAULT_REGISTRY.get(code)
    answers: list[int | None] = [measure.item_min] * len(measure.items)
    answers[position] = value
    with pytest.raises(ScoringError, match=rf"{code} item {position + 1}\b.*from {measure.item_min} to"):
        score(code, answers)


@pytest.mark.parametrize("value", [1.5, "1", True])
def test_an_answer_that_is_not_a_whole_number_is_refused(value: object) -> None:
    answers: list[object] = [0] * 7
    answers[2] = value
    with pytest.raises(ScoringError, match=r"GAD-7 item 3: expected a whole number"):
        score("GAD-7", answers)  # type: ignore[arg-type]


def test_an_incomplete_questionnaire_is_not_scored_or_prorated() -> None:
    with pytest.raises(ScoringError, match=r"PHQ-9 item 4: no answer.*not scored \(no prorating\)"):
        score("PHQ-9", [1, 1, 1, None, 1, 1, 1, 1, 1])


@pytest.mark.parametrize("position", [1, 2, 3, 4])
def test_only_wsas_item1_may_be_not_applicable(position: int) -> None:
    answers: list[int | None] = [0, 0, 0, 0, 0]
    answers[position] = None
    with pytest.raises(ScoringError, match=rf"WSAS item {position + 1}\b.*no answer"):
        score("WSAS", answers)


def test_typed_answers_accept_na_in_any_case_for_wsas_item1() -> None:
    assert parse_answers("WSAS", ["NA", "1", "2", "3", "4"]) == [None, 1, 2, 3, 4]
    assert parse_answers("wsas", ["n/a", "0", "0", "0", "0"])[0] is None


def test_typed_na_is_refused_for_any_other_item() -> None:
    with pytest.raises(ScoringError, match=r"PHQ-9 item 1: 'not applicable' is not allowed"):
        parse_answers("PHQ-9", ["na", *["0"] * 8])


@pytest.mark.parametrize("text", ["x", "1.0", "", "one", "2a"])
def test_typed_answers_that_are_not_whole_numbers_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(
        ScoringError, match=rf"GAD-7 item 1: expected a whole number from 0 to 3, got '{text}'"
    ):
        parse_answers("GAD-7", [text, *["0"] * 6])


@given(st.data())
def test_every_complete_questionnaire_scores_within_its_total_range(data: st.DataObject) -> None:
    measure = data.draw(st.sampled_from(DEFAULT_REGISTRY.measures))
    item = st.integers(measure.item_min, measure.item_max)
    answers = data.draw(st.lists(item, min_size=len(measure.items), max_size=len(measure.items)))
    result = score(measure.code, answers)
    assert measure.total_min <= result.total <= measure.total_max
    if measure.severity is not None:
        assert result.severity is not None
    assert (result.caseness is None) == (measure.caseness is None)


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_a_phq9_total_is_the_sum_of_its_answers(answers: list[int]) -> None:
    result = score("PHQ-9", list(answers))
    assert result.total == sum(answers)
    assert result.caseness == (sum(answers) >= 10)
    assert ("item9" in result.flags) == (answers[8] > 0)


@given(st.lists(st.integers(-5, 10), min_size=7, max_size=7))
def test_gad7_answers_outside_0_to_3_are_always_refused(answers: list[int]) -> None:
    if all(0 <= value <= 3 for value in answers):
        assert score("GAD-7", list(answers)).total == sum(answers)
    else:
        with pytest.raises(ScoringError):
            score("GAD-7", list(answers))
