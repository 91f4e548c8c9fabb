"""Ending a referral and what follows: signposting or referring on, discharge with the national
ending code, the endings a death brings, re-opening as a new referral, and marking one as
entered in error."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.patients.actions import (
    PatientChangeRefused,
    record_death,
)
from stepcare.patients.models import Patient
from stepcare.referrals.actions.common import (
    S,
    _audit,
    _end_allocation,
    _locked,
    _not_before_receipt,
    _not_in_future,
    _refresh_course_outcome,
    _today,
    _withdraw_from_diary,
    check_can_refer,
    new_reference,
    sync_patient_clinician,
)
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    DECEASED_CODES,
    NOT_ASSESSED_CODES,
    NOT_TAKEN_ON_CODES,
    TAKEN_ON_CODES,
    Agency,
    EndCode,
    OnwardReferral,
    Referral,
    WaitingPause,
)
from stepcare.referrals.transitions import Move, MoveRefused


@transaction.atomic
def record_onward_referral(
    *,
    by: User,
    referral: Referral,
    agency: Agency | None = None,
    organisation_name: str = "",
    kind: str,
    reason: str,
) -> OnwardReferral:
    """Signpost or refer on, saying where to: an organisation from the directory, or one
    typed when it is not listed. Each produces a letter."""
    current = _locked(referral, Move.SIGNPOST)
    organisation_name = organisation_name.strip()
    if agency is None and not organisation_name:
        raise MoveRefused("Say where to: choose the organisation from the directory, or type its name.")
    if kind not in OnwardReferral.Kind.values:
        raise MoveRefused("Say whether you are signposting or referring on.")
    if not reason.strip():
        raise MoveRefused("Write why you are signposting or referring on.")
    onward = OnwardReferral.objects.create(
        referral=current,
        agency=agency,
        organisation_name="" if agency is not None else organisation_name,
        kind=kind,
        reason=reason.strip(),
        made_by=by,
        made_on=_today(),
    )
    _audit(by, current, "signpost", kind=kind, agency=onward.organisation)
    return onward


def check_end_code(referral: Referral, end_code: str) -> None:
    """The ending code must agree with the diary and the pathway:

    - "taken on" codes (46–49, 96) need at least one attended treatment appointment, and the
      "not taken on" codes none;
    - "assessed only" codes (10, 17, 95) need an assessment (attended in the diary or
      recorded), and "not assessed" (50) none;
    - "referred elsewhere" (13) needs the onward referral recorded first.
    """
    label = EndCode(end_code).label
    if end_code in TAKEN_ON_CODES and referral.treatment_contact_count == 0:
        raise MoveRefused(
            f"“{label}” is for people who were taken on for treatment, but no treatment is recorded "
            "on this referral (no attended treatment appointment). Choose a 'not taken on' reason "
            "(10–17, 50 or 95), or record the attendance in the diary first."
        )
    if end_code in NOT_TAKEN_ON_CODES and referral.treatment_contact_count > 0:
        raise MoveRefused(
            f"Treatment started on {referral.first_treatment_date:%d/%m/%Y}, so the ending reason must "
            f"be one for people taken on for treatment (46, 47, 48, 49 or 96), not “{label}”."
        )
    if end_code in ASSESSED_ONLY_CODES and referral.assessment_date is None:
        raise MoveRefused(
            f"“{label}” is for people who were assessed, but no assessment is recorded on this "
            "referral. Record the assessment first, or choose “50 – Not assessed”."
        )
    if end_code in NOT_ASSESSED_CODES and referral.assessment_date is not None:
        raise MoveRefused(
            f"An assessment is recorded on this referral ({referral.assessment_date:%d/%m/%Y}), so "
            f"“{label}” cannot be the ending reason."
        )
    if (
        end_code == EndCode.REFERRED_ELSEWHERE
        and not referral.onward_referrals.filter(kind=OnwardReferral.Kind.REFERRAL).exists()
    ):
        raise MoveRefused(
            "Record where the person was referred on to (Signpost or refer on) before ending the "
            "referral as “13 – Referred elsewhere”."
        )


@transaction.atomic
def end_referral(
    *, by: User, referral: Referral, end_code: str, discharge_date: dt.date, summary: str
) -> Referral:
    """Discharge: the national ending reason, the date and a summary."""
    current = _locked(referral, Move.END)
    if end_code not in EndCode.values:
        raise MoveRefused("Choose an ending reason from the list.")
    check_end_code(current, end_code)
    _not_before_receipt(current, discharge_date, "discharge date")
    _not_in_future(discharge_date, "discharge date")
    if current.first_treatment_date and discharge_date < current.first_treatment_date:
        raise MoveRefused(
            f"The discharge date is before treatment started ({current.first_treatment_date:%d/%m/%Y})."
        )
    if current.last_treatment_date and discharge_date < current.last_treatment_date:
        raise MoveRefused(
            f"The discharge date is before the last attended treatment appointment "
            f"({current.last_treatment_date:%d/%m/%Y})."
        )
    if not summary.strip():
        raise MoveRefused("Write a discharge summary.")
    WaitingPause.objects.filter(referral=current, end_date__isnull=True).update(end_date=discharge_date)
    if end_code in DECEASED_CODES and current.patient is not None and current.patient.date_of_death is None:
        try:
            record_death(
                by=by,
                patient=current.patient,
                date_of_death=discharge_date,
                source=f"Recorded when referral {current.reference} was ended ({EndCode(end_code).label}).",
                ending_referral_id=current.pk,
            )
        except PatientChangeRefused as exc:
            raise MoveRefused(str(exc)) from exc
    else:
        _withdraw_from_diary(
            by=by,
            referral=current,
            reason="course_ended",
            note=f"Referral ended ({EndCode(end_code).label}).",
            notify=True,
        )
    _end_allocation(current)
    current.status = S.ENDED
    current.end_code = end_code
    current.discharge_date = discharge_date
    current.discharge_summary = summary.strip()
    current.ended_by = by
    current.save()
    sync_patient_clinician(current.patient_id)
    _audit(by, current, "end", end_code=end_code, discharge_date=discharge_date.isoformat())
    _refresh_course_outcome(current)
    return current


def end_referrals_for_death(
    *, by: User, patient: Patient, date_of_death: dt.date, skip_id: int | None = None
) -> list[Referral]:
    """The person has died: each of their open referrals (but ``skip_id``) ends on the date of
    death (or the day it was received, if later) with the code that agrees with the diary:
    49 when treatment was attended, 17 when they were assessed, 50 when never seen. Refused
    when an attended appointment is dated after the death: the date or the attendance is wrong."""
    ended = []
    referrals = Referral.objects.open().select_for_update().filter(patient=patient)
    if skip_id is not None:
        referrals = referrals.exclude(pk=skip_id)
    for referral in referrals.order_by("id"):
        for seen, what in (
            (referral.last_treatment_date, "treatment appointment"),
            (referral.assessment_date, "assessment"),
        ):
            if seen is not None and seen > date_of_death:
                raise MoveRefused(
                    f"Referral {referral.reference} has an attended {what} on {seen:%d/%m/%Y}, after "
                    f"the date of death given ({date_of_death:%d/%m/%Y}). Check the date, or correct "
                    "the attendance first."
                )
        if referral.treatment_contact_count:
            code = EndCode.DECEASED_TAKEN_ON
        elif referral.assessment_date is not None:
            code = EndCode.DECEASED_NOT_TAKEN_ON
        else:
            code = EndCode.NOT_ASSESSED
        discharge = max(date_of_death, referral.received_on)
        for pause in WaitingPause.objects.filter(referral=referral, end_date__isnull=True):
            pause.end_date = max(discharge, pause.start_date)
            pause.save(update_fields=["end_date"])
        _end_allocation(referral)
        referral.status = S.ENDED
        referral.end_code = code
        referral.discharge_date = discharge
        referral.discharge_summary = (
            f"The person died on {date_of_death:%d/%m/%Y}. Ended when the death was recorded."
        )
        referral.ended_by = by
        referral.save()
        _audit(by, referral, "end", end_code=code, discharge_date=discharge.isoformat(), deceased=True)
        _refresh_course_outcome(referral)
        ended.append(referral)
    return ended


@transaction.atomic
def reopen(
    *, by: User, referral: Referral, reason: str, confirm_second: bool = False, second_reason: str = ""
) -> Referral:
    """An ended referral is never changed back: the person is re-referred as a new referral
    linked to the old one.

    Never after the person's death. At most one open referral per person per service, unless
    staff confirm a second one and say why.
    """
    current = _locked(referral, Move.REOPEN)
    if not reason.strip():
        raise MoveRefused("Write why the person is being seen again.")
    assert current.patient is not None
    patient = Patient.objects.select_for_update().get(pk=current.patient.pk)
    if patient.date_of_death is not None:
        raise MoveRefused(
            f"{patient.display_name} died on {patient.date_of_death:%d/%m/%Y}: "
            "the referral cannot be re-opened."
        )
    other_open = check_can_refer(
        patient=patient, team=current.team, confirm_second=confirm_second, second_reason=second_reason
    )
    new = Referral(
        reference=new_reference(),
        team=current.team,
        patient=current.patient,
        previous_referral=current,
        source=current.source,
        received_on=_today(),
        presenting_difficulties=reason.strip(),
        preferred_contact=current.preferred_contact,
        preferred_language=current.preferred_language,
        interpreter_required=current.interpreter_required,
        gp_practice_code=current.gp_practice_code,
        gp_practice_name=current.gp_practice_name,
        consent_given=current.consent_given,
        submitted_details=current.submitted_details,
    )
    new.save()
    _audit(
        by,
        new,
        "reopen",
        previous=current.reference,
        **({"second_open_referral": second_reason.strip()} if other_open is not None else {}),
    )
    return new


@transaction.atomic
def mark_entered_in_error(*, by: User, referral: Referral, reason: str) -> Referral:
    """Nothing is deleted: the referral stays, marked, and drops out of lists and counts."""
    current = _locked(referral, Move.MARK_ENTERED_IN_ERROR)
    if len(reason.strip()) < 10:
        raise MoveRefused("Write why this referral was entered in error (at least 10 characters).")
    current.status_before_error = current.status
    current.status = S.ENTERED_IN_ERROR
    current.error_reason = reason.strip()
    current.error_marked_by = by
    current.error_marked_at = timezone.now()
    _withdraw_from_diary(
        by=by, referral=current, reason="booked_in_error", note="Referral entered in error.", notify=True
    )
    _end_allocation(current)
    current.save()
    sync_patient_clinician(current.patient_id)
    _audit(by, current, "entered_in_error", reason=current.error_reason)
    return current
