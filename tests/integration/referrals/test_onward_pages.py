"""Signposting and referring on say where to, from the directory or typed, and make the letter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import OnwardReferral
from tests.factories.referrals import ReferralFactory

pytestmark = pytest.mark.django_db


def test_an_organisation_not_in_the_directory_can_be_typed_and_gets_its_letter(service, client_for) -> None:
    referral = ReferralFactory(team=service.team)
    client = client_for(Role.PWP)
    response = client.post(
        reverse("referrals:signpost", args=[referral.pk]),
        {"organisation_name": "Northbrook Carers Centre", "kind": "signpost", "reason": "Carer support."},
    )
    assert response.status_code == 302
    onward = OnwardReferral.objects.get(referral=referral)
    assert onward.agency is None and onward.organisation == "Northbrook Carers Centre"
    letter = client.get(response["Location"]).content.decode()
    assert "Northbrook Carers Centre" in letter and "Carer support." in letter
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Northbrook Carers Centre" in detail
