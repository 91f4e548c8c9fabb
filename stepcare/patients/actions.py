"""Every change to a patient's record. Each runs in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils import timezone

from stepcare.accounts.access import has_permission
from stepcare.accounts.models import Team, User
from stepcare.accounts.roles import Permission, Role
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import DEMOGRAPHIC_FIELDS, EmploymentSupport, Patient, RiskFlag
from stepcare.patients.selectors import possible_duplicates
from stepcare.patients.signals import patient_died


class PossibleDuplicate(Exception):
    """A record that may be the same person exists; the user must look before going on."""

    def __init__(self, matches: list[Patient], *, blocking: bool) -> None:
        self.matches = matches
        self.blocking = blocking
        super().__init__(
            "A patient with this NHS number already exists."
            if blocking
            else "A patient with the same name and date of birth already exists."
        )


class ConcurrentEdit(Exception):
    """Someone else saved the record after this edit began; nothing was overwritten."""


class PatientChangeRefused(Exception):
    """The change cannot be made; the message says why."""


@transaction.atomic
def create_patient(
    *, by: User | None, team: Team, data: dict[str, Any], confirmed_not_duplicate: bool = False
) -> Patient:
    """Create a patient after checking for possible duplicates.

    The same NHS number always blocks; the same name and date of birth blocks until the user
    confirms, having looked, that this is a different person. ``by`` is None only for
    referrals that arrive without a member of staff (public forms, imports).
    """
    matches = list(
        possible_duplicates(
            nhs_number=data.get("nhs_number"),
            family_name=data["family_name"],
            given_name=data["given_name"],
            date_of_birth=data["date_of_birth"],
        )
    )
    same_number = [p for p in matches if data.get("nhs_number") and p.nhs_number == data["nhs_number"]]
    if same_number:
        raise PossibleDuplicate(same_number, blocking=True)
    if matches and not confirmed_not_duplicate:
        raise PossibleDuplicate(matches, blocking=False)
    patient = Patient(team=team, **{k: v for k, v in data.items() if k in DEMOGRAPHIC_FIELDS})
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:  # a concurrent create with the same NHS number
        raise PossibleDuplicate(
            list(Patient.objects.filter(nhs_number=data.get("nhs_number"))), blocking=True
        ) from exc
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=patient,
        obj=patient,
        detail={"possible_duplicates_confirmed": [p.pk for p in matches]} if matches else {},
    )
    return patient


@transaction.atomic
def update_patient(*, by: User, patient: Patient, data: dict[str, Any], expected_version: int) -> Patient:
    """Change demographics, refusing if the record changed since the form was opened."""
    changed = {k: v for k, v in data.items() if k in DEMOGRAPHIC_FIELDS and getattr(patient, k) != v}
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if current.version != expected_version:
        raise ConcurrentEdit(
            "Someone else changed this record while you were editing it. "
            "Nothing you typed has been saved over their change: review the record and edit again."
        )
    if changed.get("nhs_number"):
        clash = Patient.objects.filter(nhs_number=changed["nhs_number"]).exclude(pk=patient.pk)
        if clash.exists():
            raise PossibleDuplicate(list(clash), blocking=True)
    if not changed:
        return current
    for field, value in changed.items():
        setattr(current, field, value)
    current.version += 1
    current.save()
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=current,
        obj=current,
        detail={"fields": sorted(changed)},
    )
    _record_contact_consent(by, current, changed)
    return current


def _record_contact_consent(by: User, patient: Patient, changed: dict[str, Any]) -> None:
    """A contact flag changed on the form is the patient's consent decision for that channel:
    it is recorded in the clinical record's consent history (same transaction)."""
    flags = {k: v for k, v in changed.items() if k in ("may_phone", "may_text", "may_email", "may_post")}
    if flags:
        from stepcare.records.actions import record_contact_preferences  # records builds on patients

        record_contact_preferences(by=by, patient=patient, changed=flags)


@transaction.atomic
def raise_risk_flag(*, by: User, patient: Patient, summary: str) -> RiskFlag:
    if not summary.strip():
        raise PatientChangeRefused("Write a short summary of the risk concern.")
    flag = RiskFlag.objects.create(patient=patient, summary=summary.strip(), raised_by=by)
    record(by=by, action=AuditEvent.Action.CREATE, patient=patient, obj=flag)
    return flag


@transaction.atomic
def clear_risk_flag(*, by: User, flag: RiskFlag, reason: str) -> RiskFlag:
    """A clinician reviews a risk concern and records that it is no longer current, saying why.
    The concern stays in the record; the reason is kept on it and in the audit event."""
    reason = reason.strip()
    if not reason:
        raise PatientChangeRefused("Write why the risk concern is no longer current.")
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.cleared_at is not None:
        raise PatientChangeRefused("This risk concern has already been reviewed and cleared.")
    flag.cleared_by = by
    flag.cleared_at = timezone.now()
    flag.cleared_reason = reason
    flag.save(update_fields=["cleared_by", "cleared_at", "cleared_reason"])
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=flag.patient,
        obj=flag,
        detail={"cleared": True, "reason": reason},
    )
    return flag


@transaction.atomic
def record_death(
    *,
    by: User,
    patient: Patient,
    date_of_death: dt.date,
    source: str = "",
    ending_referral_id: int | None = None,
) -> Patient:
    """The person has died: every contact stops. Their appointments still to come are
    cancelled by the service (no message is sent), they leave every group, no clinician stays
    allocated, and each open referral is ended with the ending code that fits what happened on
    it (49 after treatment, 17 after an assessment, 50 when never seen). ``ending_referral_id``
    is the referral being ended with 17 or 49 that records this death: it is ended by its own
    action. Refused (``PatientChangeRefused``) when the date is in the future, before birth,
    before an attended appointment, or the death is already recorded.

    The referrals and the diary build on patients: their part is done by the receiver of
    ``patients.signals.patient_died``, in this transaction."""
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if date_of_death > timezone.localdate():
        raise PatientChangeRefused("The date of death cannot be in the future.")
    if date_of_death < current.date_of_birth:
        raise PatientChangeRefused(
            f"The date of death cannot be before the date of birth ({current.date_of_birth:%d/%m/%Y})."
        )
    if current.date_of_death is not None:
        raise PatientChangeRefused(
            f"{current.display_name}'s death is already recorded ({current.date_of_death:%d/%m/%Y})."
        )
    source = source.strip()[:200]
    current.date_of_death = date_of_death
    current.death_source = source
    current.version += 1
    current.save(update_fields=["date_of_death", "death_source", "version", "updated_at"])
    if not patient_died.has_listeners(Patient):
        raise RuntimeError(
            "Nothing ends the referrals of a person who died: is stepcare.referrals installed?"
        )
    responses = patient_died.send(
        Patient, by=by, patient=current, date_of_death=date_of_death, skip_id=ending_referral_id
    )
    ended: list[Any] = [referral for _receiver, result in responses for referral in cast("list[Any]", result)]
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=current,
        obj=current,
        detail={
            "date_of_death": date_of_death.isoformat(),
            "source": source,
            "referrals_ended": [r.reference for r in ended],
        },
    )
    patient.date_of_death = date_of_death
    patient.death_source = source
    return current


class EmploymentSupportRefused(Exception):
    pass


@transaction.atomic
def refer_for_employment_support(*, by: User, patient: Patient, adviser: User) -> EmploymentSupport:
    """A clinician refers the patient to an employment adviser of the patient's team; from now
    on that adviser sees the patient (and only such patients)."""
    if not has_permission(by, Permission.WRITE_CLINICAL_NOTES, obj=patient) or not has_permission(
        by, Permission.CLEAR_RISK_FLAG, obj=patient
    ):
        raise EmploymentSupportRefused(
            "Only a clinician of the patient's team can refer to employment support."
        )
    if (patient.team_id, Role.EMPLOYMENT_ADVISER.value) not in adviser.active_memberships():
        raise EmploymentSupportRefused("Choose an employment adviser of the patient's team.")
    support, _ = EmploymentSupport.objects.get_or_create(
        patient=patient, adviser=adviser, ended_at__isnull=True, defaults={"referred_by": by}
    )
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=patient,
        obj=support,
        detail={"employment_support": True, "adviser": adviser.username},
    )
    return support


@transaction.atomic
def end_employment_support(*, by: User, patient: Patient, adviser: User) -> int:
    ended = EmploymentSupport.objects.filter(patient=patient, adviser=adviser, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=patient,
        detail={"employment_support_ended": True, "adviser": adviser.username},
    )
    return ended
