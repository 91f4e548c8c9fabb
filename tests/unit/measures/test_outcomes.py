"""Course outcomes by the national rules: the anxiety measure of the pair, caseness, recovery,
reliable change, pairing, the summary rates and their denominators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepcare.measures import (
    CourseError,
    CourseOutcome,
    CourseSummary,
    classify_course,
)

# (problem descriptor, its ADSM, a total below caseness, the cut-off, the reliable change)
ADSMS = [
    ("F40.1", "SPIN", 18, 19, 10),
    ("F41.0", "PDSS", 7, 8, 5),
    ("F42", "OCI-R", 20, 21, 14),
    ("F43.1", "PCL-5", 31, 32, 10),
    ("F43.1", "IES-R", 32, 33, 9),
    ("F45.2", "HAI", 17, 18, 4),
]


def course(
    descriptor: str | None = "F32.1",
    phq9: tuple[float | None, float | None] = (5, 5),
    gad7: tuple[float | None, float | None] = (5, 5),
    **others: tuple[float | None, float | None],
) -> CourseOutcome:
    first: dict[str, float | None] = {"PHQ-9": phq9[0], "GAD-7": gad7[0]}
    last: dict[str, float | None] = {"PHQ-9": phq9[1], "GAD-7": gad7[1]}
    for code, (start, end) in others.items():
        first[code.replace("_", "-")] = start
        last[code.replace("_", "-")] = end
    return classify_course(problem_descriptor=descriptor, first=first, last=last)


def adsm_course(
    descriptor: str, code: str, scores: tuple[float, float], phq9: tuple[int, int] = (5, 5)
) -> CourseOutcome:
    return classify_course(
        problem_descriptor=descriptor,
        first={"PHQ-9": phq9[0], "GAD-7": 0, code: scores[0]},
        last={"PHQ-9": phq9[1], "GAD-7": 0, code: scores[1]},
    )


# --- which anxiety measure is paired -------------------------------------------------------


@pytest.mark.parametrize(("descriptor", "code", "below", "cut", "rci"), ADSMS)
def test_the_adsm_matching_the_descriptor_is_the_anxiety_measure_when_it_has_both_scores(
    descriptor: str, code: str, below: int, cut: int, rci: int
) -> None:
    assert adsm_course(descriptor, code, (below, below)).anxiety_measure == code


def test_the_mobility_inventory_is_the_anxiety_measure_for_agoraphobia() -> None:
    assert adsm_course("F40.0", "MI", (2.0, 2.0)).anxiety_measure == "MI"


@pytest.mark.parametrize(
    "descriptor", ["F40.1", "F401", "f40.1", "f401", " F40.1 ", "F40.10", "F401 - Social phobias"]
)
def test_descriptors_are_recognised_however_they_are_written(descriptor: str) -> None:
    assert adsm_course(descriptor, "SPIN", (10, 10)).anxiety_measure == "SPIN"


@pytest.mark.parametrize("descriptor", ["F42", "F42.0", "F42.1", "F422", "f42.9"])
def test_every_ocd_subcategory_pairs_with_oci_r(descriptor: str) -> None:
    assert adsm_course(descriptor, "OCI-R", (10, 10)).anxiety_measure == "OCI-R"


def test_a_ptsd_subcode_pairs_with_the_ptsd_measure() -> None:
    assert adsm_course("F43.10", "PCL-5", (10, 10)).anxiety_measure == "PCL-5"


def test_pcl5_is_preferred_to_ies_r_when_both_are_paired() -> None:
    outcome = course("F43.1", PCL_5=(40, 20), IES_R=(40, 20))
    assert outcome.anxiety_measure == "PCL-5"


def test_ies_r_is_used_for_ptsd_when_pcl5_lacks_a_last_score() -> None:
    outcome = course("F43.1", PCL_5=(40, None), IES_R=(40, 20))
    assert outcome.anxiety_measure == "IES-R"


@pytest.mark.parametrize("missing", ["first", "last"])
def test_gad7_is_the_back_up_when_the_adsm_lacks_a_score(missing: str) -> None:
    scores = (None, 30) if missing == "first" else (30, None)
    outcome = course("F40.1", gad7=(12, 4), SPIN=scores)
    assert outcome.anxiety_measure == "GAD-7"
    assert outcome.paired is True


def test_an_adsm_that_does_not_match_the_descriptor_is_not_used() -> None:
    outcome = course("F32.1", phq9=(5, 5), gad7=(5, 5), SPIN=(60, 10))
    assert outcome.anxiety_measure == "GAD-7"
    assert outcome.reliable_improvement is False


@pytest.mark.parametrize("descriptor", ["F41.1", "F41.2", "F32.1", "F33", "F40.2", "", None, "83482000"])
def test_descriptors_without_an_adsm_pair_with_gad7(descriptor: str | None) -> None:
    assert course(descriptor, SPIN=(30, 10), PDSS=(20, 2)).anxiety_measure == "GAD-7"


def test_panic_is_f41_0_and_not_every_f41_code() -> None:
    assert course("F41.1", PDSS=(20, 2)).anxiety_measure == "GAD-7"
    assert course("F41.0", PDSS=(20, 2)).anxiety_measure == "PDSS"


# --- caseness, recovery and reliable change ------------------------------------------------


def test_phq9_at_its_cut_off_alone_puts_a_course_at_caseness() -> None:
    assert course(phq9=(10, 10), gad7=(0, 0)).at_caseness is True
    assert course(phq9=(9, 9), gad7=(0, 0)).at_caseness is False


def test_gad7_at_its_cut_off_alone_puts_a_course_at_caseness() -> None:
    assert course(phq9=(0, 0), gad7=(8, 8)).at_caseness is True
    assert course(phq9=(0, 0), gad7=(7, 7)).at_caseness is False


@pytest.mark.parametrize(("descriptor", "code", "below", "cut", "rci"), ADSMS)
def test_the_adsm_cut_off_decides_caseness_in_place_of_gad7(
    descriptor: str, code: str, below: int, cut: int, rci: int
) -> None:
    assert adsm_course(descriptor, code, (cut, cut)).at_caseness is True
    assert adsm_course(descriptor, code, (below, below)).at_caseness is False


def test_the_mobility_inventory_is_at_caseness_only_above_2_3() -> None:
    assert adsm_course("F40.0", "MI", (2.3, 2.3)).at_caseness is False
    assert adsm_course("F40.0", "MI", (2.31, 2.31)).at_caseness is True


def test_a_gad7_at_caseness_does_not_count_when_the_adsm_is_the_pair() -> None:
    outcome = classify_course(
        problem_descriptor="F40.1",
        first={"PHQ-9": 5, "GAD-7": 15, "SPIN": 10},
        last={"PHQ-9": 5, "GAD-7": 15, "SPIN": 10},
    )
    assert outcome.at_caseness is False


def test_a_course_at_caseness_recovers_when_both_last_scores_are_below_caseness() -> None:
    assert course(phq9=(15, 9), gad7=(12, 7)).recovered is True


def test_a_course_does_not_recover_while_the_last_phq9_is_at_caseness() -> None:
    assert course(phq9=(15, 10), gad7=(12, 2)).recovered is False


def test_a_course_does_not_recover_while_the_last_anxiety_score_is_at_caseness() -> None:
    assert course(phq9=(15, 2), gad7=(12, 8)).recovered is False


def test_a_course_that_started_below_caseness_cannot_recover() -> None:
    outcome = course(phq9=(9, 0), gad7=(7, 0))
    assert outcome.recovered is False
    assert outcome.reliable_improvement is True


def test_a_mobility_inventory_last_mean_of_exactly_2_3_is_below_caseness() -> None:
    assert adsm_course("F40.0", "MI", (3.5, 2.3)).recovered is True


@pytest.mark.parametrize(("measure", "rci"), [("phq9", 6), ("gad7", 4)])
def test_a_fall_of_the_reliable_change_value_is_reliable_improvement(measure: str, rci: int) -> None:
    scores = {"phq9": (5, 5), "gad7": (5, 5), measure: (15, 15 - rci)}
    outcome = course(**scores)  # type: ignore[arg-type]
    assert outcome.reliable_improvement is True
    assert outcome.no_reliable_change is False


@pytest.mark.parametrize(("measure", "rci"), [("phq9", 6), ("gad7", 4)])
def test_a_fall_one_short_of_the_reliable_change_value_is_no_reliable_change(measure: str, rci: int) -> None:
    scores = {"phq9": (5, 5), "gad7": (5, 5), measure: (15, 15 - rci + 1)}
    outcome = course(**scores)  # type: ignore[arg-type]
    assert outcome.reliable_improvement is False
    assert outcome.no_reliable_change is True


@pytest.mark.parametrize(("measure", "rci"), [("phq9", 6), ("gad7", 4)])
def test_a_rise_of_the_reliable_change_value_is_reliable_deterioration(measure: str, rci: int) -> None:
    scores = {"phq9": (5, 5), "gad7": (5, 5), measure: (5, 5 + rci)}
    assert course(**scores).reliable_deterioration is True  # type: ignore[arg-type]


@pytest.mark.parametrize(("measure", "rci"), [("phq9", 6), ("gad7", 4)])
def test_a_rise_one_short_of_the_reliable_change_value_is_not_deterioration(measure: str, rci: int) -> None:
    scores = {"phq9": (5, 5), "gad7": (5, 5), measure: (5, 5 + rci - 1)}
    outcome = course(**scores)  # type: ignore[arg-type]
    assert outcome.reliable_deterioration is False
    assert outcome.no_reliable_change is True


@pytest.mark.parametrize(("descriptor", "code", "below", "cut", "rci"), ADSMS)
def test_the_adsm_reliable_change_value_is_used_on_both_sides(
    descriptor: str, code: str, below: int, cut: int, rci: int
) -> None:
    start = 20
    assert adsm_course(descriptor, code, (start, start - rci)).reliable_improvement is True
    assert adsm_course(descriptor, code, (start, start - rci + 1)).no_reliable_change is True
    assert adsm_course(descriptor, code, (start, start + rci)).reliable_deterioration is True
    assert adsm_course(descriptor, code, (start, start + rci - 1)).no_reliable_change is True


def test_a_mobility_inventory_fall_of_0_73_written_as_decimals_is_reliable() -> None:
    # 3.03 - 2.3 is 0.7299999... in binary floating point; it must still count.
    assert adsm_course("F40.0", "MI", (3.03, 2.3)).reliable_improvement is True
    assert adsm_course("F40.0", "MI", (3.02, 2.3)).reliable_improvement is False


def test_opposite_reliable_changes_on_the_two_measures_are_no_reliable_change() -> None:
    outcome = course(phq9=(20, 10), gad7=(5, 15))
    assert outcome.reliable_improvement is False
    assert outcome.reliable_deterioration is False
    assert outcome.no_reliable_change is True


def test_reliable_recovery_needs_both_recovery_and_reliable_improvement() -> None:
    assert course(phq9=(15, 5), gad7=(12, 2)).reliable_recovery is True
    recovered_not_reliably = course(phq9=(10, 9), gad7=(8, 7))
    assert recovered_not_reliably.recovered is True
    assert recovered_not_reliably.reliable_recovery is False


# --- pairing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phq9", "gad7"),
    [
        ((None, 5), (10, 5)),
        ((15, None), (10, 5)),
        ((15, 5), (None, 5)),
        ((15, 5), (10, None)),
        ((None, None), (None, None)),
    ],
)
def test_a_course_missing_any_score_of_the_pair_is_not_paired_and_sets_no_flag(
    phq9: tuple[int | None, int | None], gad7: tuple[int | None, int | None]
) -> None:
    outcome = course(phq9=phq9, gad7=gad7)
    assert outcome.paired is False
    assert not any(
        (
            outcome.at_caseness,
            outcome.recovered,
            outcome.reliable_improvement,
            outcome.reliable_deterioration,
            outcome.reliable_recovery,
            outcome.no_reliable_change,
        )
    )


def test_an_adsm_pair_with_phq9_but_no_gad7_is_paired() -> None:
    outcome = course("F40.1", phq9=(15, 5), gad7=(None, None), SPIN=(40, 10))
    assert outcome.paired is True
    assert outcome.anxiety_measure == "SPIN"


def test_missing_codes_are_missing_scores() -> None:
    outcome = classify_course(problem_descriptor="F32", first={"PHQ-9": 12}, last={})
    assert outcome.paired is False
    assert outcome.anxiety_measure == "GAD-7"


# --- invalid input -------------------------------------------------------------------------


def test_an_unknown_measure_in_the_scores_is_refused() -> None:
    with pytest.raises(CourseError, match=r"first scores: unknown measure 'BDI'"):
        classify_course(problem_descriptor="F32", first={"BDI": 3}, last={})


@pytest.mark.parametrize(
    ("code", "value"), [("PHQ-9", 28), ("PHQ-9", -1), ("GAD-7", 22), ("SPIN", 69), ("MI", 0.5), ("MI", 5.1)]
)
def test_a_total_outside_its_measure_range_is_refused(code: str, value: float) -> None:
    with pytest.raises(CourseError, match=rf"last {code} score: expected .* from"):
        classify_course(problem_descriptor="F32", first={}, last={code: value})


@pytest.mark.parametrize("value", [9.5, float("nan"), "9", True])
def test_a_summed_total_that_is_not_a_whole_number_is_refused(value: object) -> None:
    with pytest.raises(CourseError, match=r"first PHQ-9 score: expected a whole number from 0 to 27"):
        classify_course(problem_descriptor="F32", first={"PHQ-9": value}, last={})  # type: ignore[dict-item]


# --- summary and rates ---------------------------------------------------------------------


def test_the_summary_uses_the_national_denominators() -> None:
    summary = CourseSummary()
    summary.add(course(phq9=(15, 5), gad7=(12, 2)))  # at caseness, recovered, reliably
    summary.add(course(phq9=(15, 12), gad7=(12, 12)))  # at caseness, no change
    summary.add(course(phq9=(5, 15), gad7=(4, 4)))  # not at caseness, deteriorated
    summary.add(course(phq9=(9, 0), gad7=(7, 0)))  # not at caseness, improved
    summary.add(course(phq9=(None, 5), gad7=(12, 2)))  # not paired
    counts = summary.as_dict()
    assert counts["rows"] == 5
    assert counts["paired"] == 4
    assert counts["not_paired"] == 1
    assert counts["at_caseness"] == 2
    assert counts["not_at_caseness"] == 2
    assert counts["recovery_rate"] == 1 / 2  # over paired - not at caseness
    assert counts["reliable_recovery_rate"] == 1 / 2
    assert counts["reliable_improvement_rate"] == 2 / 4  # over all paired
    assert counts["reliable_deterioration_rate"] == 1 / 4


def test_rates_with_an_empty_denominator_are_none() -> None:
    summary = CourseSummary()
    summary.add(course(phq9=(None, None)))
    assert summary.recovery_rate is None
    assert summary.reliable_improvement_rate is None
    assert summary.reliable_deterioration_rate is None
    assert summary.reliable_recovery_rate is None


def test_recovery_rates_are_none_when_no_paired_course_was_at_caseness() -> None:
    summary = CourseSummary()
    summary.add(course(phq9=(2, 2), gad7=(2, 2)))
    assert summary.recovery_rate is None
    assert summary.reliable_improvement_rate == 0.0


def test_the_summary_lists_counts_then_the_four_rates_in_a_fixed_order() -> None:
    assert list(CourseSummary().as_dict()) == [
        "rows",
        "paired",
        "not_paired",
        "at_caseness",
        "not_at_caseness",
        "recovered",
        "reliable_improvement",
        "reliable_deterioration",
        "reliable_recovery",
        "no_reliable_change",
        "recovery_rate",
        "reliable_improvement_rate",
        "reliable_deterioration_rate",
        "reliable_recovery_rate",
    ]


# --- properties ----------------------------------------------------------------------------

maybe_phq9 = st.one_of(st.none(), st.integers(0, 27))
maybe_gad7 = st.one_of(st.none(), st.integers(0, 21))
maybe_spin = st.one_of(st.none(), st.integers(0, 68))
maybe_mi = st.one_of(st.none(), st.floats(1.0, 5.0, allow_nan=False).map(lambda v: round(v, 2)))
descriptors = st.sampled_from(["F40.1", "f401", "F40.0", "F32.1", "F41.1", "", "F42"])


@given(
    descriptors, maybe_phq9, maybe_phq9, maybe_gad7, maybe_gad7, maybe_spin, maybe_spin, maybe_mi, maybe_mi
)
def test_classification_invariants_hold_for_any_course(
    descriptor: str,
    phq_first: int | None,
    phq_last: int | None,
    gad_first: int | None,
    gad_last: int | None,
    spin_first: int | None,
    spin_last: int | None,
    mi_first: float | None,
    mi_last: float | None,
) -> None:
    outcome = classify_course(
        problem_descriptor=descriptor,
        first={"PHQ-9": phq_first, "GAD-7": gad_first, "SPIN": spin_first, "MI": mi_first},
        last={"PHQ-9": phq_last, "GAD-7": gad_last, "SPIN": spin_last, "MI": mi_last},
    )
    flags = (
        outcome.at_caseness,
        outcome.recovered,
        outcome.reliable_improvement,
        outcome.reliable_deterioration,
        outcome.reliable_recovery,
        outcome.no_reliable_change,
    )
    if outcome.reliable_recovery:
        assert outcome.recovered and outcome.reliable_improvement
    if outcome.recovered:
        assert outcome.at_caseness
    assert not (outcome.reliable_improvement and outcome.reliable_deterioration)
    if outcome.paired:
        changes = (outcome.reliable_improvement, outcome.reliable_deterioration, outcome.no_reliable_change)
        assert sum(changes) == 1
    else:
        assert not any(flags)
    code = descriptor.upper().replace(".", "")
    pair: tuple[float | None, float | None]
    if code.startswith("F401") and spin_first is not None and spin_last is not None:
        expected, pair = "SPIN", (spin_first, spin_last)
    elif code.startswith("F400") and mi_first is not None and mi_last is not None:
        expected, pair = "MI", (mi_first, mi_last)
    else:
        expected, pair = "GAD-7", (gad_first, gad_last)
    assert outcome.anxiety_measure == expected
    assert outcome.paired == (None not in (phq_first, phq_last, *pair))


@given(st.integers(0, 27), st.integers(0, 27), st.integers(0, 21), st.integers(0, 21))
def test_phq9_and_gad7_courses_follow_the_written_rules(
    phq_first: int, phq_last: int, gad_first: int, gad_last: int
) -> None:
    outcome = course(phq9=(phq_first, phq_last), gad7=(gad_first, gad_last))
    at_caseness = phq_first >= 10 or gad_first >= 8
    fall = phq_first - phq_last >= 6 or gad_first - gad_last >= 4
    rise = phq_last - phq_first >= 6 or gad_last - gad_first >= 4
    assert outcome.at_caseness == at_caseness
    assert outcome.recovered == (at_caseness and phq_last < 10 and gad_last < 8)
    assert outcome.reliable_improvement == (fall and not rise)
    assert outcome.reliable_deterioration == (rise and not fall)


@given(st.lists(st.tuples(maybe_phq9, maybe_phq9, maybe_gad7, maybe_gad7), max_size=30))
def test_summary_rates_are_fractions_over_their_denominators(
    courses: list[tuple[int | None, int | None, int | None, int | None]],
) -> None:
    summary = CourseSummary()
    for phq_first, phq_last, gad_first, gad_last in courses:
        summary.add(course(phq9=(phq_first, phq_last), gad7=(gad_first, gad_last)))
    assert summary.rows == len(courses)
    assert summary.paired + summary.not_paired == summary.rows
    for rate in (
        summary.recovery_rate,
        summary.reliable_recovery_rate,
        summary.reliable_improvement_rate,
        summary.reliable_deterioration_rate,
    ):
        assert rate is None or 0.0 <= rate <= 1.0
    assert (summary.recovery_rate is None) == (summary.at_caseness == 0)
    assert (summary.reliable_improvement_rate is None) == (summary.paired == 0)
