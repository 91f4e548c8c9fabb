"""Fetching another team's referral through the one helper (``fetch_for_user``): every
refusal is a 403 with no identifiers on the page and writes one access_denied audit event
whose own patient column names the person the referral is about."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

pytestmark = pytest.mark.django_db
ADMIN = Role.ADMINISTRATOR


def _refusals(user):
    return AuditEvent.objects.filter(user=user, action=AuditEvent.Action.ACCESS_DENIED)


def test_every_refused_fetch_of_another_teams_referral_is_audited(service, client_for):
    client = client_for(ADMIN)
    admin = service.staff[ADMIN]
    patient = PatientFactory(team=service.other_team, family_name="Zebedee")
    referral = ReferralFactory(team=service.other_team, patient=patient)
    urls = [
        reverse("referrals:detail", args=[referral.pk]),
        reverse("referrals:identity", args=[referral.pk]),
        reverse("referrals:screen", args=[referral.pk]),
        reverse("referrals:signpost", args=[referral.pk]),
        reverse("referrals:letter", args=[referral.pk, 1]),
        reverse("referrals:reopen", args=[referral.pk]),
        reverse("referrals:entered_in_error", args=[referral.pk]),
    ]
    for n, url in enumerate(urls, start=1):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode().upper()
        assert "ZEBEDEE" not in body and referral.reference.upper() not in body, url
        assert _refusals(admin).count() == n, url
    for row in _refusals(admin):
        assert row.patient_id == patient.pk
        assert row.object_type == "referrals.Referral" and row.object_id == str(referral.pk)
        assert "permission" in row.detail


def test_a_missing_referral_is_a_404_and_no_refusal(service, client_for):
    response = client_for(ADMIN).get(reverse("referrals:detail", args=[999999]))
    assert response.status_code == 404
    assert not _refusals(service.staff[ADMIN]).exists()
