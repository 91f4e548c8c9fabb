"""What the diary records on the referral: the attended treatment appointments (the national
dataset's treatment fields) and the assessment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from stepcare.accounts.models import User
from stepcare.referrals.actions.common import (
    S,
    _audit,
    _not_before_receipt,
)
from stepcare.referrals.models import (
    NOT_ASSESSED_CODES,
    NOT_TAKEN_ON_CODES,
    TAKEN_ON_CODES,
    EndCode,
    Referral,
)
from stepcare.referrals.transitions import MoveRefused


@dataclass(frozen=True)
class TreatmentContacts:
    """The treatment fields the national dataset derives (IDS101), from attended dates."""

    first: dt.date | None
    second: dt.date | None
    last: dt.date | None
    count: int

    @classmethod
    def from_dates(cls, dates: list[dt.date]) -> TreatmentContacts:
        days = sorted(dates)
        return cls(
            first=days[0] if days else None,
            second=days[1] if len(days) > 1 else None,
            last=days[-1] if days else None,
            count=len(days),
        )

    @classmethod
    def of(cls, referral: Referral) -> TreatmentContacts:
        return cls(
            referral.first_treatment_date,
            referral.second_treatment_date,
            referral.last_treatment_date,
            referral.treatment_contact_count,
        )


def _check_contacts_agree(referral: Referral, contacts: TreatmentContacts) -> None:
    """Attendance may not contradict what is already recorded on the referral."""
    if contacts.first is not None and contacts.first < referral.received_on:
        raise MoveRefused(
            f"This appointment ({contacts.first:%d/%m/%Y}) is before the referral was received "
            f"({referral.received_on:%d/%m/%Y}), so it cannot count as treatment for it. "
            "Check the appointment's date or which referral it belongs to."
        )
    if referral.status != S.ENDED:
        return
    label = EndCode(referral.end_code).label
    if referral.end_code in TAKEN_ON_CODES and contacts.count == 0:
        raise MoveRefused(
            f"This referral was ended as “{label}”, which needs at least one attended treatment "
            "appointment; this change would leave it with none."
        )
    if referral.end_code in NOT_TAKEN_ON_CODES and contacts.count > 0:
        raise MoveRefused(
            f"This referral was ended as “{label}” (not taken on for treatment), so no treatment "
            "appointment can be recorded as attended on it."
        )
    if referral.discharge_date and contacts.last and contacts.last > referral.discharge_date:
        raise MoveRefused(
            f"This referral was discharged on {referral.discharge_date:%d/%m/%Y}; an attended treatment "
            "appointment after that date cannot be recorded on it."
        )


@transaction.atomic
def update_treatment_contacts(
    *, by: User, referral: Referral, attended_dates: list[dt.date], newly_attended: bool
) -> Referral:
    """Recompute the referral's treatment fields from its attended treatment appointments.

    The diary calls this whenever attendance is recorded or corrected, in the same transaction,
    with the dates (Europe/London) of every attended treatment appointment of the referral.
    The first date ends the waiting-time clock: a referral waiting for treatment moves into
    treatment when an attendance is recorded, and one whose only attended treatment is
    corrected to "did not attend" goes back to waiting. A referral stepped back onto a
    waiting list keeps its dates.
    """
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    before = TreatmentContacts.of(current)
    contacts = TreatmentContacts.from_dates(attended_dates)
    _check_contacts_agree(current, contacts)
    status_before = current.status
    if contacts.first is not None and before.first is None:
        open_pause = current.pauses.filter(end_date__isnull=True).first()
        if open_pause is not None:
            open_pause.end_date = max(contacts.first, open_pause.start_date)
            open_pause.save(update_fields=["end_date"])
    if contacts.count and newly_attended and current.status in (S.WAITING, S.ALLOCATED):
        current.status = S.IN_TREATMENT
    if not contacts.count and current.status == S.IN_TREATMENT:
        current.status = S.ALLOCATED if current.allocated_to_id else S.WAITING
    if contacts == before and current.status == status_before:
        return current
    current.first_treatment_date = contacts.first
    current.second_treatment_date = contacts.second
    current.last_treatment_date = contacts.last
    current.treatment_contact_count = contacts.count
    current.save()
    _audit(
        by,
        current,
        "treatment_contacts",
        first_treatment_date=str(contacts.first or ""),
        treatment_contact_count=contacts.count,
        status=current.status,
    )
    return current


@transaction.atomic
def assessment_attended(
    *, by: User, referral: Referral, assessment_date: dt.date, assessor: User
) -> Referral:
    """An attended assessment appointment: the assessment (date, by whom) is recorded on the
    referral and a referral in triage moves on to "assessed". The earliest assessment counts."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.status == S.ENTERED_IN_ERROR:
        return current
    if current.status == S.ENDED and current.end_code in NOT_ASSESSED_CODES:
        raise MoveRefused(
            f"This referral was ended as “{EndCode(current.end_code).label}”, so no assessment can be "
            "recorded as attended on it."
        )
    changed = False
    if current.assessment_date is None or assessment_date < current.assessment_date:
        _not_before_receipt(current, assessment_date, "assessment appointment")
        current.assessment_date = assessment_date
        current.assessed_by = assessor
        changed = True
    if current.status in (S.RECEIVED, S.SCREENED) and current.patient_id is not None:
        current.status = S.ASSESSED
        changed = True
    if changed:
        current.save()
        _audit(by, current, "assessment_attended", assessment_date=assessment_date.isoformat())
    return current
