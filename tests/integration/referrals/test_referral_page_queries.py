"""The referral page: every history it shows, in at most fifteen queries however long they are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.patients.models import RiskFlag
from stepcare.referrals import actions
from stepcare.referrals.models import Referral
from tests.factories.patients import RiskFlagFactory
from tests.factories.referrals import (
    AllocatedReferralFactory,
    AllocationFactory,
    OnwardReferralFactory,
    ProblemDescriptorRecordFactory,
    StepChangeFactory,
    SuitabilityDecisionFactory,
    WaitingPauseFactory,
)

pytestmark = pytest.mark.django_db

# The session, user and device (3), the referral with the patient's latest risk concern (1),
# the people it names (1: screened, allocated, ended, marked in error, read together rather
# than joined, which PostgreSQL took longer to plan than to run), its six histories (6), the
# user's roles (1), the audit event (1).
REFERRAL_PAGE_QUERIES = 13


def _referral_with_every_history(service, rows: int) -> Referral:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = AllocatedReferralFactory(
        patient__team=service.team,
        allocated_to=hit,
        received_on=timezone.localdate() - dt.timedelta(days=60),
    )
    for n in range(rows):
        WaitingPauseFactory(
            referral=referral,
            start_date=referral.received_on + dt.timedelta(days=2 * n),
            end_date=referral.received_on + dt.timedelta(days=2 * n + 1),
        )
        SuitabilityDecisionFactory(referral=referral)
        ProblemDescriptorRecordFactory(referral=referral)
        StepChangeFactory(referral=referral)
        ended = None if n == rows - 1 else timezone.now() - dt.timedelta(days=rows - n)
        AllocationFactory(referral=referral, ended_at=ended)  # one current allocation at most
        OnwardReferralFactory(referral=referral)
        RiskFlagFactory(patient=referral.patient)
    return referral


@pytest.mark.parametrize("rows", [1, 4])
def test_the_referral_page_runs_at_most_fifteen_queries_whatever_its_history(
    service, client_for, django_assert_num_queries, rows
) -> None:
    referral = _referral_with_every_history(service, rows)
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    url = reverse("referrals:detail", args=[referral.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(REFERRAL_PAGE_QUERIES):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("Wait paused") == rows and body.count("Allocated to") >= rows
    assert "Risk concerns recorded" in body


def test_the_banner_shows_the_date_of_the_latest_current_risk_concern(service, client_for) -> None:
    referral = _referral_with_every_history(service, 0)
    now = timezone.now()
    for days, cleared in ((40, None), (3, None), (1, now)):  # the newest is cleared: not current
        flag = RiskFlagFactory(patient=referral.patient, cleared_at=cleared)
        RiskFlag.objects.filter(pk=flag.pk).update(raised_at=now - dt.timedelta(days=days))
    body = client_for(Role.HIGH_INTENSITY_THERAPIST).get(reverse("referrals:detail", args=[referral.pk]))
    latest = timezone.localtime(now - dt.timedelta(days=3)).date()
    assert f"clinician judgement, {latest.day} {latest:%b %Y}" in body.content.decode()


def test_an_ended_referral_still_links_to_the_referral_it_was_reopened_as(service, client_for) -> None:
    referral = _referral_with_every_history(service, 0)
    actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        end_code="14",
        discharge_date=timezone.localdate(),
        summary="Declined.",
    )
    new = actions.reopen(by=service.staff[Role.ADMINISTRATOR], referral=referral, reason="Low mood again.")
    body = (
        client_for(Role.ADMINISTRATOR).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    )
    assert "Re-opened as" in body and new.reference in body
