"""What is due at a contact, and how typed answers are read (validation by the core)."""

from __future__ import annotations

import datetime as dt

import pytest

from stepcare.measures import DEFAULT_REGISTRY, ScoringError, score
from stepcare.outcomes.charts import Point, Series, progress_chart_svg, sparkline_svg
from stepcare.outcomes.due import Score, course_status, measures_due
from stepcare.outcomes.forms import answers_from_text

R = DEFAULT_REGISTRY


def _codes(**kwargs) -> list[str]:
    base = {"descriptor": None, "timepoint": "treatment", "session_number": 3}
    base.update(kwargs)
    return [
        d.measure.code
        for d in measures_due(wsas_points="every_contact", phobia_points="never", registry=R, **base)
    ]


def test_ptsd_makes_pcl5_due_with_gad7_as_the_back_up() -> None:
    assert _codes(descriptor="F43.1") == ["PHQ-9", "PCL-5", "GAD-7", "WSAS"]


def test_a_subcode_matches_its_category_and_an_unknown_descriptor_falls_back_to_gad7() -> None:
    assert _codes(descriptor="F42.1")[1] == "OCI-R"
    assert _codes(descriptor="83482000")[1] == "GAD-7"


def test_typed_answers_accept_digits_spaces_commas_and_not_applicable() -> None:
    assert answers_from_text("PHQ-9", "012301231", R) == [0, 1, 2, 3, 0, 1, 2, 3, 1]
    assert answers_from_text("PHQ-9", "0,1,2,3,0,1,2,3,1", R) == [0, 1, 2, 3, 0, 1, 2, 3, 1]
    assert answers_from_text("WSAS", "n8000", R) == [None, 8, 0, 0, 0]
    assert answers_from_text("WSAS", "na 8 0 0 0", R) == [None, 8, 0, 0, 0]


@pytest.mark.parametrize("text", ["01230123", "0123012345", "01230123x", "0123012a1", "444444444"])
def test_wrong_typed_answers_are_refused_by_the_core(text: str) -> None:
    with pytest.raises(ScoringError):
        answers_from_text("PHQ-9", text, R)


def test_a_measure_scored_once_has_no_last_score_so_the_course_is_not_paired() -> None:
    once = course_status(
        descriptor=None, scores=[Score("PHQ-9", 15, True, None), Score("GAD-7", 12, True, None)], registry=R
    )
    assert not once.outcome.paired and once.currently_at_caseness is True


def test_the_chart_puts_each_stored_total_on_its_point_and_the_sparkline_lists_the_values() -> None:
    totals = [score("PHQ-9", a).total for a in ([3] * 9, [2] * 9, [1] * 9)]
    svg = progress_chart_svg(
        title="Test <chart>",
        series=[Series(R.get("PHQ-9"), tuple(Point(i, t) for i, t in enumerate(totals)))],
        contact_dates=[dt.date(2026, 1, d) for d in (5, 12, 19)],
    )
    assert [f'data-value="{t}"' in svg for t in totals] == [True, True, True]
    assert "Test &lt;chart&gt;" in svg  # text is escaped
    assert 'data-values="27 18 9"' in sparkline_svg(totals, low=0, high=27, label="PHQ-9")


def test_a_stored_response_shows_not_applicable_apart_from_zero_and_its_total_as_written() -> None:
    from stepcare.outcomes.models import MeasureResponse

    wsas = MeasureResponse(measure="WSAS", answers=[None, 0, 3, 4, 5], total=12.0)
    mi = MeasureResponse(measure="MI", answers=[2] * 27, total=2.407407)
    assert (wsas.answers_text, wsas.total_text) == ("n/a 0 3 4 5", "12")
    assert mi.total_text == "2.41"
