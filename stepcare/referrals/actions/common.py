"""What every referral move shares: the refusals, the audit event, the locked row, date
checks, the one-open-referral-per-service rule, and keeping the banner's clinician, the
course outcome and the diary in step with the referral."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.actions import raise_risk_flag
from stepcare.patients.models import Patient
from stepcare.referrals.models import (
    Allocation,
    EndCode,
    Referral,
    SuitabilityDecision,
)
from stepcare.referrals.signals import referral_withdrawn
from stepcare.referrals.transitions import Move, MoveRefused, check_move
from stepcare.reporting.course import refresh_course_outcome


class SecondOpenReferral(MoveRefused):
    """The person already has an open referral in this service: staff must confirm a second
    one, with a reason."""

    def __init__(self, message: str, *, existing: Referral) -> None:
        super().__init__(message)
        self.existing = existing


class PersonHasDied(MoveRefused):
    """Nothing new is opened for a person recorded as having died."""

    def __init__(self, message: str, *, patient: Patient) -> None:
        super().__init__(message)
        self.patient = patient


class IdentityConflict(MoveRefused):
    """The referral's NHS number belongs to a record that is not this person's, or not ours."""


Outcome = SuitabilityDecision.Outcome
S = Referral.Status

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out on the phone

# The ending code a decision not to take someone on gives the referral.
END_CODE_FOR_OUTCOME = {
    Outcome.SIGNPOST: EndCode.SIGNPOSTED,
    Outcome.REFER_ELSEWHERE: EndCode.REFERRED_ELSEWHERE,
    Outcome.DECLINED: EndCode.DECLINED,
}


def new_reference() -> str:
    """A reference the person can read out on the phone, e.g. SC-7KQ4-MX2P."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"SC-{chars[:4]}-{chars[4:]}"


def _audit(by: User | None, referral: Referral, move: str, username: str = "", **detail: Any) -> None:
    record(
        by=by,
        action=AuditEvent.Action.UPDATE if move not in {"create", "reopen"} else AuditEvent.Action.CREATE,
        patient=referral.patient,
        obj=referral,
        detail={"move": move, "reference": referral.reference, **detail},
        username=username,
    )


def _locked(referral: Referral, move: Move) -> Referral:
    """The referral's current row, locked for this transaction, checked against ``move``."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    check_move(current, move)
    return current


def _today() -> dt.date:
    return timezone.localdate()


def _not_in_future(day: dt.date, what: str) -> None:
    if day > _today():
        raise MoveRefused(f"The {what} cannot be in the future.")


def _not_before_receipt(referral: Referral, day: dt.date, what: str) -> None:
    if day < referral.received_on:
        raise MoveRefused(
            f"The {what} ({day:%d/%m/%Y}) is before the referral was received "
            f"({referral.received_on:%d/%m/%Y}). Check the date."
        )


def open_referral_in_service(
    patient: Patient, team: Team, *, exclude_pk: int | None = None
) -> Referral | None:
    """The person's open referral in ``team``'s service (the newest), if any."""
    qs = Referral.objects.open().filter(patient=patient, team__service_id=team.service_id)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-received_on", "-id").first()


def check_can_refer(
    *,
    patient: Patient,
    team: Team,
    confirm_second: bool = False,
    second_reason: str = "",
    exclude_pk: int | None = None,
) -> Referral | None:
    """May a new referral for ``patient`` be opened in ``team``'s service?

    Never after the person's death. At most one open referral per person per service unless
    staff confirm a second one and say why (``SecondOpenReferral`` names the open one). Returns
    the open referral the new one is a second to (it links to it), or None.
    """
    if patient.date_of_death is not None:
        raise PersonHasDied(
            f"{patient.display_name} died on {patient.date_of_death:%d/%m/%Y}: no referral can be "
            "opened for them.",
            patient=patient,
        )
    other_open = open_referral_in_service(patient, team, exclude_pk=exclude_pk)
    if other_open is None:
        return None
    if not confirm_second:
        raise SecondOpenReferral(
            f"{patient.display_name} already has an open referral in this service "
            f"({other_open.reference}, {other_open.get_status_display().lower()}). Use that one, "
            "or confirm that a second open referral is needed and say why.",
            existing=other_open,
        )
    if not second_reason.strip():
        raise MoveRefused("Say why a second open referral is needed for this person.")
    return other_open


def _risk_from_screening(by: User, referral: Referral) -> None:
    """Acute risk noted at screening becomes a risk concern on the person's record: it shows
    on the banner until a clinician reviews and clears it."""
    if not (referral.acute_risk_identified and referral.patient_id):
        return
    assert referral.patient is not None
    notes = f" {referral.screening_notes}" if referral.screening_notes else ""
    raise_risk_flag(
        by=by,
        patient=referral.patient,
        summary=f"Acute risk noted at screening of referral {referral.reference}.{notes}"[:2000],
    )


def _end_allocation(referral: Referral) -> None:
    Allocation.objects.filter(referral=referral, ended_at__isnull=True).update(ended_at=timezone.now())
    referral.allocated_to = None


def sync_patient_clinician(patient_id: int | None) -> None:
    """The patient's clinician (shown on the banner) is the one allocated to their open
    referral, or nobody."""
    if patient_id is None:
        return
    clinician_id = (
        Referral.objects.open()
        .filter(patient_id=patient_id, allocated_to__isnull=False)
        .order_by("-received_on", "-id")
        .values_list("allocated_to_id", flat=True)
        .first()
    )
    Patient.objects.filter(pk=patient_id).exclude(allocated_clinician_id=clinician_id).update(
        allocated_clinician_id=clinician_id
    )


def _refresh_course_outcome(referral: Referral) -> None:
    """The course outcome kept on the referral (stepcare.reporting.course), in this transaction."""
    refresh_course_outcome(referral)


def _withdraw_from_diary(*, by: User, referral: Referral, reason: str, note: str, notify: bool) -> None:
    """Cancel the referral's appointments still to come (the service cancels, with the
    reason), take it off group lists, and so off every reminder job. The diary does it, in this
    transaction, as the receiver of ``referral_withdrawn`` (the diary builds on referrals)."""
    if not referral_withdrawn.has_listeners(Referral):
        raise RuntimeError("Nothing withdraws a referral from the diary: is stepcare.scheduling installed?")
    referral_withdrawn.send(Referral, by=by, referral=referral, reason=reason, note=note, notify=notify)
