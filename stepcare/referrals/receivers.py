"""The referrals app's part in a change made elsewhere (connected in ``ReferralsConfig.ready``).

- ``patients.signals.patient_died``: the person's open referrals end (``end_referrals_for_death``),
  every referral is withdrawn from the diary, and no clinician stays allocated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.patients.actions import PatientChangeRefused
from stepcare.patients.models import Patient
from stepcare.patients.signals import patient_died
from stepcare.referrals.actions.common import _withdraw_from_diary, sync_patient_clinician
from stepcare.referrals.actions.ending import end_referrals_for_death
from stepcare.referrals.models import Allocation, Referral
from stepcare.referrals.transitions import MoveRefused


@receiver(patient_died, sender=Patient, dispatch_uid="referrals.end_for_death")
def end_referrals_on_death(
    sender: type[Patient],
    *,
    by: User,
    patient: Patient,
    date_of_death: dt.date,
    skip_id: int | None,
    **kwargs: Any,
) -> list[Referral]:
    """End the person's open referrals (but ``skip_id``), take every referral out of the diary
    (the service cancels, no message is sent) and end every allocation. Returns the referrals
    ended here."""
    try:
        ended = end_referrals_for_death(by=by, patient=patient, date_of_death=date_of_death, skip_id=skip_id)
    except MoveRefused as exc:
        raise PatientChangeRefused(str(exc)) from exc
    for referral in Referral.objects.filter(patient=patient):
        _withdraw_from_diary(
            by=by, referral=referral, reason="service_other", note="The patient has died.", notify=False
        )
    open_referrals = Referral.objects.open().filter(patient=patient)
    Allocation.objects.filter(referral__in=open_referrals, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    open_referrals.update(allocated_to=None)
    sync_patient_clinician(patient.pk)
    return ended
