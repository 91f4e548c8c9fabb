"""The wait from the first to the second attended treatment appointment (flagged over 28 and
over 90 days) shows on the referral and on the waiting list, and while the second has not
happened the days since the first keep counting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals import actions
from stepcare.referrals.models import Referral
from tests.factories.referrals import ReferralFactory
from tests.factories.scheduling import attend

pytestmark = pytest.mark.django_db


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _accepted(service, *, received_days_ago: int) -> Referral:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = ReferralFactory(team=service.team, received_on=_days_ago(received_days_ago))
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    actions.decide(by=hit, referral=referral, outcome="accept_3", reason="CBT.", rules_shown=[])
    actions.allocate(by=service.staff[Role.SERVICE_MANAGER], referral=referral, therapist=hit)
    referral.refresh_from_db()
    return referral


def test_the_referral_counts_days_since_the_first_treatment_until_the_second(service, client_for) -> None:
    referral = _accepted(service, received_days_ago=150)
    attend(referral, on=_days_ago(100))
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'data-testid="waiting-for-second"' in body and "100 days, no second treatment yet" in body
    assert "Over 90 days" in body
    attend(referral, on=_days_ago(3))
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'data-testid="waiting-for-second"' not in body
    assert 'data-testid="first-to-second"' in body and "97 days" in body and "Over 90 days" in body


def test_the_waiting_list_shows_the_first_to_second_wait_of_a_stepped_person(service, client_for) -> None:
    referral = _accepted(service, received_days_ago=90)
    attend(referral, on=_days_ago(40))
    actions.change_step(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        to_step="2",
        handover_summary="Step down for guided self-help.",
    )
    client = client_for(Role.ADMINISTRATOR)
    body = client.get(reverse("referrals:waiting_list")).content.decode()
    assert 'data-testid="list-waiting-for-second"' in body
    assert "40 days since the first treatment, no second yet" in body and "Over 28 days" in body
    # The second session moves them into treatment (off the list); the referral keeps the wait.
    attend(referral, on=_days_ago(5), clinician=service.staff[Role.PWP])
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TREATMENT
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'data-testid="first-to-second"' in body and "35 days" in body and "Over 28 days" in body
