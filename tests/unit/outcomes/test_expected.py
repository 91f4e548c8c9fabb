"""Expected-response curves and the not-on-track prompt."""

from __future__ import annotations

from stepcare.outcomes.expected import (
    DEFAULT_CURVE,
    MIN_COURSES,
    curve_from_courses,
    not_on_track,
)


def test_not_on_track_needs_three_scores_since_intake() -> None:
    assert not_on_track([15, 16, 17], DEFAULT_CURVE) is False
    assert not_on_track([15, 16, 17, 18], DEFAULT_CURVE) is True


def test_a_course_falling_as_expected_is_on_track_and_a_flat_one_is_not() -> None:
    assert not_on_track([20, 18, 16, 15, 13, 12, 11], DEFAULT_CURVE) is False
    assert not_on_track([20, 20, 19, 20, 19, 19, 19], DEFAULT_CURVE) is True  # 19 > 20 x 0.90 at point 6


def test_the_edge_is_not_on_track_only_above_it() -> None:
    assert not_on_track([20, 20, 20, 20], DEFAULT_CURVE) is False  # 20 = 20 x 1.00 at point 3
    assert not_on_track([20, 20, 20, 21], DEFAULT_CURVE) is True


def test_the_default_is_used_until_the_service_has_enough_finished_courses() -> None:
    few = [[20, 15, 10, 8]] * (MIN_COURSES - 1)
    assert curve_from_courses(few) is DEFAULT_CURVE
    assert "UNVERIFIED" in DEFAULT_CURVE.source


def test_the_services_own_curve_is_the_percentile_of_its_courses() -> None:
    courses = [[20, 20 - i % 5, 16 - i % 5, 14 - i % 5] for i in range(100)]
    curve = curve_from_courses(courses, service_name="Northbrook")
    assert curve.courses == 100 and "Northbrook's own finished courses (100)" in curve.source
    assert curve.upper[3] == 0.65  # 75th percentile of (14 - i % 5) / 20: 0.5 to 0.7, 20 of each
    assert curve.upper[6] == DEFAULT_CURVE.upper[6]  # too few courses reached it: the default stays


def test_the_anxiety_measures_have_their_own_default_and_configured_curves() -> None:
    from stepcare.outcomes.expected import DEFAULT_CURVE, default_curve_for

    assert default_curve_for("PHQ-9") is DEFAULT_CURVE
    gad = default_curve_for("GAD-7")
    assert gad.upper == DEFAULT_CURVE.upper and "GAD-7" in gad.source and "UNVERIFIED" in gad.source
    configured = default_curve_for("SPIN", {"SPIN": {"upper": {"2": 0.9}, "source": "checked 2026"}})
    assert configured.upper == {2: 0.9} and configured.source == "checked 2026"
    own = curve_from_courses([[20, 20 - i % 5, 19, 18] for i in range(60)], default=gad, measure="GAD-7")
    assert own.courses == 60 and "GAD-7 score / intake" in own.source
