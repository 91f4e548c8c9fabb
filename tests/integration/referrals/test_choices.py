"""Choices in words, and only those that fit the referral as it stands."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral
from tests.factories.referrals import ReferralFactory

S = Referral.Status


def test_before_treatment_only_the_not_taken_on_ending_reasons_are_offered_in_words(
    service, client_for
) -> None:
    referral = ReferralFactory(team=service.team, status=S.SCREENED)
    body = (
        client_for(Role.HIGH_INTENSITY_THERAPIST)
        .get(reverse("referrals:end", args=[referral.pk]))
        .content.decode()
    )
    assert "Signposted (11)" in body and "Not assessed (50)" in body
    assert "Mutually agreed completion of treatment" not in body
    assert ">46 –" not in body  # words first, the code after


def test_the_step_page_offers_only_the_other_step(service, client_for) -> None:
    referral = ReferralFactory(
        team=service.team,
        status=S.IN_TREATMENT,
        step="2",
        first_treatment_date=timezone.localdate() - dt.timedelta(days=3),
        received_on=timezone.localdate() - dt.timedelta(days=30),
    )
    form = (
        client_for(Role.HIGH_INTENSITY_THERAPIST)
        .get(reverse("referrals:step", args=[referral.pk]))
        .context["form"]
    )
    assert [value for value, _label in form.fields["to_step"].choices] == ["3"]


def test_an_ended_referral_shows_its_ending_reason_in_words_with_the_code_after(service, client_for) -> None:
    referral = ReferralFactory(
        team=service.team,
        status=S.ENDED,
        end_code="11",
        discharge_date=timezone.localdate(),
        received_on=timezone.localdate() - dt.timedelta(days=30),
    )
    client = client_for(Role.ADMINISTRATOR)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Signposted" in body and "(ENDCODE 11)" in body and "11 – Signposted" not in body
    listing = client.get(reverse("referrals:patient_referrals", args=[referral.patient_id])).content.decode()
    assert "Signposted" in listing and "11 – Signposted" not in listing
