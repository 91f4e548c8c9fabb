"""The referral moves reach the diary, and a death reaches the referrals, through signals
(ADR 0019): the lower app sends, the higher app's receiver acts in the same transaction. A
sender with nothing connected refuses rather than leave appointments booked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.patients import actions as patient_actions
from stepcare.patients.models import Patient
from stepcare.patients.signals import patient_died
from stepcare.referrals import actions, receivers
from stepcare.referrals.models import Referral
from stepcare.referrals.signals import referral_withdrawn
from stepcare.scheduling import receivers as diary_receivers
from tests.factories.referrals import ReferralFactory

pytestmark = pytest.mark.django_db


def test_the_diary_and_the_referrals_receive_the_signals() -> None:
    assert referral_withdrawn.has_listeners(Referral)
    assert patient_died.has_listeners(Patient)


def test_a_referral_is_not_ended_when_nothing_would_take_it_out_of_the_diary(service) -> None:
    referral = ReferralFactory(team=service.team)
    manager = service.staff[Role.SERVICE_MANAGER]
    assert referral_withdrawn.disconnect(sender=Referral, dispatch_uid="scheduling.withdraw_referral")
    try:
        with pytest.raises(RuntimeError, match="diary"):
            actions.mark_entered_in_error(by=manager, referral=referral, reason="A duplicate of another.")
    finally:
        referral_withdrawn.connect(
            diary_receivers.withdraw_referral_places,
            sender=Referral,
            dispatch_uid="scheduling.withdraw_referral",
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


def test_a_death_is_not_recorded_when_nothing_would_end_the_referrals(service) -> None:
    referral = ReferralFactory(team=service.team)
    assert referral.patient is not None
    clinician = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    assert patient_died.disconnect(sender=Patient, dispatch_uid="referrals.end_for_death")
    try:
        with pytest.raises(RuntimeError, match="referrals"):
            patient_actions.record_death(
                by=clinician,
                patient=referral.patient,
                date_of_death=timezone.localdate() - dt.timedelta(days=1),
            )
    finally:
        patient_died.connect(
            receivers.end_referrals_on_death, sender=Patient, dispatch_uid="referrals.end_for_death"
        )
    referral.patient.refresh_from_db()
    assert referral.patient.date_of_death is None
