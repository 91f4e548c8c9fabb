"""The booking form starts with the clinician allocated to the patient's open referral."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from tests.factories.referrals import AllocatedReferralFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _selected_clinician(body: str) -> str:
    select = re.search(r'<select name="clinician".*?</select>', body, re.S)
    assert select is not None
    chosen = re.search(r'<option value="(\d+)"[^>]*selected', select.group(0))
    assert chosen is not None
    return chosen.group(1)


def test_the_booking_form_defaults_to_the_allocated_clinician(service, client_for) -> None:
    pwp = service.staff[Role.PWP]
    referral = AllocatedReferralFactory(patient__team=service.team, step="2", allocated_to=pwp)
    body = (
        client_for(Role.ADMINISTRATOR)
        .get(reverse("scheduling:book", args=[referral.patient_id]))
        .content.decode()
    )
    assert _selected_clinician(body) == str(pwp.pk)


def test_without_an_allocation_the_booking_form_never_defaults_to_an_employment_adviser(
    service, client_for
) -> None:
    referral = ReferralFactory(team=service.team)
    body = (
        client_for(Role.ADMINISTRATOR)
        .get(reverse("scheduling:book", args=[referral.patient_id]))
        .content.decode()
    )
    assert _selected_clinician(body) != str(service.staff[Role.EMPLOYMENT_ADVISER].pk)
