"""A course's progress page: the SVG chart equals the stored scores, and the live course status
equals the core's classify_course on the same scores."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.measures import classify_course
from stepcare.outcomes import actions
from stepcare.outcomes.models import MeasureResponse
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.referrals import (
    AllocatedReferralFactory,
    ProblemDescriptorRecordFactory,
    StepChangeFactory,
)

HIT = Role.HIGH_INTENSITY_THERAPIST


@pytest.fixture
def referral(service):
    return AllocatedReferralFactory(patient__team=service.team, allocated_to=service.staff[HIT])


def _course(referral, clinician, pairs, hour: int = 10) -> list:
    """Weekly contacts with (PHQ-9, GAD-7) totals, oldest first."""
    appointments = []
    for n, (p, g) in enumerate(pairs):
        appointment = contact(
            referral=referral, clinician=clinician, days_ago=7 * (len(pairs) - n), hour=hour
        )
        scores(appointment=appointment, by=clinician, session_number=n + 1, PHQ9=phq9(p), GAD7=gad7(g))
        appointments.append(appointment)
    return appointments


def _chart_values(body: str, measure: str) -> list[float]:
    group = re.search(rf'<g data-measure="{re.escape(measure)}">(.*?)</g>', body, re.S)
    assert group, f"no {measure} panel"
    return [float(v) for v in re.findall(r'<circle class="score"[^>]*data-value="([0-9.]+)"', group.group(1))]


def _page(client, referral):
    return client.get(reverse("outcomes:progress", args=[referral.pk]))


def test_the_chart_draws_exactly_the_stored_scores_in_order(service, client_for, referral) -> None:
    clinician = service.staff[HIT]
    appointments = _course(referral, clinician, [(18, 14), (15, 12), (11, 9), (7, 5)])
    (wrong,) = scores(
        appointment=contact(referral=referral, clinician=clinician, days_ago=1), by=clinician, PHQ9=phq9(24)
    )
    actions.mark_entered_in_error(by=clinician, response=wrong, reason="Entered against the wrong patient")
    body = _page(client_for(HIT), referral).content.decode()
    for measure in ("PHQ-9", "GAD-7"):
        stored = list(
            MeasureResponse.objects.current()
            .filter(referral=referral, measure=measure)
            .in_order()
            .values_list("total", flat=True)
        )
        assert _chart_values(body, measure) == stored
    assert _chart_values(body, "PHQ-9") == [18, 15, 11, 7]  # the response entered in error is not drawn
    assert 'class="caseness"' in body and 'data-value="10"' in body  # PHQ-9 caseness line
    band = re.search(r'class="rc-band"[^>]*data-low="([0-9.]+)" data-high="([0-9.]+)"', body)
    assert band and (float(band.group(1)), float(band.group(2))) == (12, 24)  # first PHQ-9 18 ± 6
    table = body.split('data-testid="scores-table"')[1].split("</table>")[0]
    for value in ("18", "15", "11", "7", "14", "12", "9", "5"):
        assert f">{value}" in table
    assert len(appointments) == 4


def test_step_changes_are_marked_on_the_chart(service, client_for, referral) -> None:
    clinician = service.staff[HIT]
    _course(referral, clinician, [(16, 12), (15, 12), (12, 9)])
    StepChangeFactory(
        referral=referral, from_step="2", to_step="3", changed_on=dt.date.today() - dt.timedelta(days=10)
    )
    body = _page(client_for(HIT), referral).content.decode()
    assert body.count('class="step-marker"') == 2  # one line per panel
    assert "Step 2 to 3" in body


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(18, 14), (12, 10), (6, 5)], "reliable_recovery"),
        ([(12, 9), (11, 8), (10, 7)], "no_reliable_change"),
        ([(10, 8), (14, 11), (17, 13)], "reliable_deterioration"),
        ([(9, 7), (2, 1)], "reliable_improvement"),
        ([(14, 10)], "not_paired"),  # one contact: a first score, no last score yet
    ],
)
def test_the_live_status_is_the_cores_classification_of_the_same_scores(
    service, client_for, referral, pairs, expected
) -> None:
    _course(referral, service.staff[HIT], pairs)
    response = _page(client_for(HIT), referral)
    status = response.context["progress"].status
    truth = classify_course(
        problem_descriptor=None,
        first={"PHQ-9": pairs[0][0], "GAD-7": pairs[0][1]},
        last={"PHQ-9": pairs[-1][0], "GAD-7": pairs[-1][1]} if len(pairs) > 1 else {},
    )
    assert status.outcome == truth
    if expected == "not_paired":
        assert not truth.paired and 'data-testid="status-not-paired"' in response.content.decode()
    else:
        assert getattr(truth, expected) is True
    body = response.content.decode()
    if truth.reliable_deterioration:
        assert "Reliable deterioration" in body
    if truth.recovered:
        assert ">Recovered<" in body


def test_with_an_adsm_pair_the_status_uses_it_and_falls_back_to_gad7_without_one(
    service, client_for, referral
) -> None:
    clinician = service.staff[HIT]
    ProblemDescriptorRecordFactory(referral=referral, primary="F40.1", recorded_on=dt.date(2020, 1, 1))
    first = contact(referral=referral, clinician=clinician, days_ago=14)
    scores(appointment=first, by=clinician, PHQ9=phq9(14), GAD7=gad7(6), SPIN=[2] * 17)
    last = contact(referral=referral, clinician=clinician, days_ago=7)
    scores(appointment=last, by=clinician, PHQ9=phq9(6), GAD7=gad7(5))
    status = _page(client_for(HIT), referral).context["progress"].status
    assert status.outcome == classify_course(
        problem_descriptor="F40.1", first={"PHQ-9": 14, "GAD-7": 6, "SPIN": 34}, last={"PHQ-9": 6, "GAD-7": 5}
    )
    assert status.outcome.paired
    assert status.anxiety_measure == "GAD-7"  # SPIN has no last score yet
    scores(
        appointment=contact(referral=referral, clinician=clinician, days_ago=1),
        by=clinician,
        PHQ9=phq9(5),
        SPIN=[1] * 17,
    )
    status = _page(client_for(HIT), referral).context["progress"].status
    assert status.anxiety_measure == "SPIN"
    assert status.outcome == classify_course(
        problem_descriptor="F40.1",
        first={"PHQ-9": 14, "GAD-7": 6, "SPIN": 34},
        last={"PHQ-9": 5, "GAD-7": 5, "SPIN": 17},
    )


def test_the_progress_page_is_audited_and_its_query_count_pinned(
    service, client_for, referral, django_assert_num_queries
) -> None:
    _course(referral, service.staff[HIT], [(18, 14), (15, 12), (11, 9)])
    client = client_for(HIT)
    _page(client, referral)
    assert AuditEvent.objects.filter(
        action="view", patient=referral.patient, object_type="referrals.Referral"
    )
    with django_assert_num_queries(11):
        _page(client, referral)
    _course(referral, service.staff[HIT], [(10, 8), (9, 7)], hour=14)
    with django_assert_num_queries(11):
        _page(client, referral)
