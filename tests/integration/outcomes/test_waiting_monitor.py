"""Monitoring while waiting: PHQ-9 and GAD-7 by phone; a reliable rise or item 9 is flagged."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.outcomes import actions
from stepcare.outcomes.models import MeasureResponse
from stepcare.referrals.models import Referral
from tests.factories.outcomes import gad7, phq9
from tests.factories.referrals import AllocatedReferralFactory

PWP = Role.PWP


def _waiting(service):
    return AllocatedReferralFactory(patient__team=service.team, status=Referral.Status.WAITING)


def _check(service, referral, days_ago, phq, gad, item9=0):
    actions.record_responses(
        by=service.staff[PWP],
        patient=referral.patient,
        referral=referral,
        appointment=None,
        entries={"PHQ-9": phq9(phq, item9=item9), "GAD-7": gad7(gad)},
        timepoint="waiting",
        session_number=None,
        completed_on=dt.date.today() - dt.timedelta(days=days_ago),
    )


def test_a_phone_check_is_entered_without_an_appointment_and_scored_by_the_core(service, client_for) -> None:
    referral = _waiting(service)
    url = reverse("outcomes:waiting_check", args=[referral.pk])
    assert client_for(PWP).get(url).status_code == 200
    response = client_for(PWP).post(
        url,
        {
            "m_phq9": "111111111",
            "m_gad7": "2222222",
            "completed_on": dt.date.today().isoformat(),
            "timepoint": "waiting",
        },
    )
    assert response.status_code == 302
    stored = {r.measure: r for r in MeasureResponse.objects.filter(referral=referral)}
    assert stored["PHQ-9"].total == 9 and stored["GAD-7"].total == 14
    assert stored["PHQ-9"].appointment is None and stored["PHQ-9"].timepoint == "waiting"


def test_a_reliable_rise_or_item9_while_waiting_is_flagged_for_a_call_back(service, client_for) -> None:
    steady = _waiting(service)
    _check(service, steady, 30, 12, 9)
    _check(service, steady, 2, 14, 11)  # rises of 2: not reliable
    worse = _waiting(service)
    _check(service, worse, 30, 10, 8)
    _check(service, worse, 2, 16, 12)  # PHQ-9 +6, GAD-7 +4: both reliable
    prompt = _waiting(service)
    _check(service, prompt, 2, 8, 5, item9=1)
    never = _waiting(service)

    response = client_for(PWP).get(reverse("outcomes:waiting"))
    rows = {row.referral.pk: row for row in response.context["monitor"].rows}
    assert rows[steady.pk].flags == []
    assert rows[worse.pk].flags == [
        "PHQ-9 rose from 10 to 16 (reliable change)",
        "GAD-7 rose from 8 to 12 (reliable change)",
    ]
    assert rows[prompt.pk].flags[0].startswith("PHQ-9 item 9 answered 1")
    assert rows[never.pk].last_check is None
    assert response.context["monitor"].rows[0].referral.pk == never.pk  # never checked first
    detail = client_for(PWP).get(reverse("outcomes:waiting_check", args=[worse.pk])).content.decode()
    assert 'data-testid="waiting-flags"' in detail


def test_the_waiting_monitor_query_count_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    _check(service, _waiting(service), 3, 10, 8)
    client = client_for(PWP)
    client.get(reverse("outcomes:waiting"))
    with django_assert_num_queries(8):  # one patient shown: the audit event names them itself
        client.get(reverse("outcomes:waiting"))
    for _ in range(4):
        _check(service, _waiting(service), 3, 12, 9)
    with django_assert_num_queries(9):  # several: one more insert names them all, however many
        client.get(reverse("outcomes:waiting"))
