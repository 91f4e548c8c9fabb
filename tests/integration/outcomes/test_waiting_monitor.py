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
    # The page's keys (ordered by each one's latest score from the scores' index), then its
    # referrals with their patients and teams: one query more than one wide sorted query, which
    # grouped every waiting referral's whole row (26 ms at the large demo's 1,983; now 8).
    with django_assert_num_queries(9):  # one patient shown: the audit event names them itself
        client.get(reverse("outcomes:waiting"))
    for _ in range(4):
        _check(service, _waiting(service), 3, 12, 9)
    with django_assert_num_queries(10):  # several: one more insert names them all, however many
        client.get(reverse("outcomes:waiting"))


def test_the_longest_since_a_check_come_first_and_the_page_goes_on(service, client_for) -> None:
    """Never checked first (longest waiting first), then the oldest latest check; a score entered
    in error is not a check; the second page goes on where the first stopped."""
    from stepcare.outcomes.selectors.waiting import waiting_monitor

    today = dt.date.today()
    never_old = AllocatedReferralFactory(
        patient__team=service.team, status=Referral.Status.WAITING, received_on=today - dt.timedelta(days=90)
    )
    never_new = AllocatedReferralFactory(
        patient__team=service.team, status=Referral.Status.WAITING, received_on=today - dt.timedelta(days=10)
    )
    checked_long_ago, checked_lately, corrected = _waiting(service), _waiting(service), _waiting(service)
    _check(service, checked_long_ago, 40, 10, 8)
    _check(service, checked_long_ago, 30, 10, 8)
    _check(service, checked_lately, 3, 10, 8)
    _check(service, corrected, 50, 10, 8)
    _check(service, corrected, 2, 10, 8)
    for wrong in MeasureResponse.objects.filter(
        referral=corrected, completed_on=today - dt.timedelta(days=2)
    ):
        actions.mark_entered_in_error(by=service.staff[PWP], response=wrong, reason="Wrong person.")
    expected = [never_old, never_new, corrected, checked_long_ago, checked_lately]
    first = waiting_monitor(team_ids=[service.team.pk], per_page=3)
    second = waiting_monitor(team_ids=[service.team.pk], per_page=3, page_number=2)
    assert [row.referral for row in first.rows + second.rows] == expected
    assert [row.last_check for row in first.rows] == [None, None, today - dt.timedelta(days=50)]
    assert first.page.paginator.count == 5 and first.page.has_next() and not second.page.has_next()
