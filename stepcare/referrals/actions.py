"""Every change to a referral. Each checks the move against ``transitions``, runs in one
transaction and writes its audit event in that transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import Permission, has_permission
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.actions import PossibleDuplicate, create_patient
from stepcare.patients.models import Patient, identity_name_key
from stepcare.patients.selectors import possible_duplicates
from stepcare.referrals.models import (
    NOT_TAKEN_ON_CODES,
    TAKEN_ON_CODES,
    Agency,
    Allocation,
    EndCode,
    OnwardReferral,
    PreferredContact,
    ProblemDescriptorRecord,
    Referral,
    Step,
    StepChange,
    SuitabilityDecision,
    WaitingPause,
)
from stepcare.referrals.transitions import Move, MoveRefused, check_move

__all__ = ["MoveRefused"]

Outcome = SuitabilityDecision.Outcome
S = Referral.Status

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out on the phone

# Fields of the person as submitted that go onto a new patient record.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "phone_mobile",
    "email",
    "address",
    "postcode",
)

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


# Referrals in --------------------------------------------------------------------------------


@dataclass
class Submission:
    """A referral as it arrives, from any channel."""

    person: dict[str, Any]
    source: str
    received_on: dt.date
    presenting_difficulties: str = ""
    urgency: str = "routine"
    preferred_contact: str = PreferredContact.PHONE
    preferred_language: str = "en"
    interpreter_required: bool = False
    gp_practice_code: str = ""
    gp_practice_name: str = ""
    secondary_care_involvement: bool = False
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_contact: str = ""
    consent_given: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _patient_data(sub: Submission) -> dict[str, Any]:
    data = {k: sub.person.get(k) for k in PERSON_FIELDS if sub.person.get(k) not in (None, "")}
    data.update(
        preferred_language=sub.preferred_language,
        interpreter_required=sub.interpreter_required,
        gp_practice_code=sub.gp_practice_code,
        gp_practice_name=sub.gp_practice_name,
        may_text=sub.preferred_contact == PreferredContact.TEXT and bool(sub.person.get("phone_mobile")),
        may_email=sub.preferred_contact == PreferredContact.EMAIL and bool(sub.person.get("email")),
    )
    return data


@transaction.atomic
def submit_referral(*, by: User | None, team: Team, submission: Submission, channel: str) -> Referral:
    """Receive a referral from any channel and find out who it is for.

    - The same NHS number as a known patient: the referral is linked to that record.
    - The same name and date of birth, without a matching NHS number: nothing is guessed; the
      referral waits in the inbox for staff to confirm who it is.
    - Nobody like them: a new patient record is created in the receiving team.

    ``by`` is None for the public forms and the import command; ``channel`` names them.
    """
    person = submission.person
    matches = list(
        possible_duplicates(
            nhs_number=person.get("nhs_number"),
            family_name=person["family_name"],
            given_name=person["given_name"],
            date_of_birth=person["date_of_birth"],
        )
    )
    nhs = person.get("nhs_number")
    same_number = [p for p in matches if nhs and p.nhs_number == nhs]
    # A typed NHS number alone never attaches a referral to a record: anyone can type
    # someone else's number on a public form. Surname, given name (twins share a surname and
    # a birth date) and date of birth must agree too.
    confirmed = [
        p
        for p in same_number
        if p.date_of_birth == person["date_of_birth"]
        and identity_name_key(p.family_name) == identity_name_key(person["family_name"])
        and identity_name_key(p.given_name) == identity_name_key(person.get("given_name", ""))
    ]
    # Only a record of the receiving team is linked without a person looking: linking shows
    # the record's banner to the team that received the referral.
    elsewhere = [p for p in confirmed if p.team_id != team.pk]
    confirmed = [p for p in confirmed if p.team_id == team.pk]
    patient: Patient | None = None
    identity_note = ""
    if elsewhere and not confirmed:
        identity_note = (
            "A record with this NHS number, names and date of birth exists in another team. "
            "Ask that team, or use break-glass, before linking."
        )
    elif confirmed:
        patient = confirmed[0]
        identity_note = "Linked to the existing record with the same NHS number, names and date of birth."
    elif same_number:
        identity_note = (
            "The NHS number belongs to a known patient, but a name or the date of birth differs: "
            "check who this is before linking."
        )
    elif matches:
        identity_note = (
            "Possible match with a known patient (same name and date of birth): check who this is."
        )
    else:
        patient = create_patient(by=by, team=team, data=_patient_data(submission))
    referral = Referral(
        reference=new_reference(),
        team=team,
        patient=patient,
        source=submission.source,
        received_on=submission.received_on,
        presenting_difficulties=submission.presenting_difficulties,
        urgency=submission.urgency,
        preferred_contact=submission.preferred_contact,
        preferred_language=submission.preferred_language,
        interpreter_required=submission.interpreter_required,
        gp_practice_code=submission.gp_practice_code,
        gp_practice_name=submission.gp_practice_name,
        secondary_care_involvement=submission.secondary_care_involvement,
        referrer_name=submission.referrer_name,
        referrer_organisation=submission.referrer_organisation,
        referrer_contact=submission.referrer_contact,
        consent_given=submission.consent_given,
        submitted_details={
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in person.items()
            if v not in (None, "")
        },
        identity_note=identity_note,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                referral.save()
            break
        except IntegrityError:
            if Referral.objects.filter(reference=referral.reference).exists():
                referral.reference = new_reference()
                continue
            raise
    _audit(
        by,
        referral,
        "create",
        username=channel,
        channel=channel,
        linked_existing_patient=bool(confirmed),
        identity_check_needed=patient is None,
    )
    return referral


class IdentityConflict(MoveRefused):
    """The referral's NHS number belongs to a record that is not this person's, or not ours."""


@transaction.atomic
def link_patient(*, by: User, referral: Referral, patient: Patient) -> Referral:
    """Staff confirm that the referral is for this known patient.

    Only a record the member of staff may see (their team's, or one opened by break-glass)
    can be linked: linking shows that record's banner on the referral.
    """
    current = _locked(referral, Move.LINK_PATIENT)
    if not has_permission(by, Permission.VIEW_PATIENT, obj=patient):
        raise MoveRefused(
            "You cannot link this referral to a record you may not see. Ask the record's team, "
            "or use break-glass if you need the record now."
        )
    current.patient = patient
    current.identity_note = f"Linked to the existing record by {by}."
    current.save(update_fields=["patient", "identity_note", "updated_at"])
    _audit(by, current, "link_patient", patient_id=patient.pk)
    return current


@transaction.atomic
def create_patient_for_referral(
    *, by: User, referral: Referral, without_nhs_number: bool = False
) -> Referral:
    """Staff have checked the possible matches: this is a different person. Create a record.

    When the referral's NHS number already belongs to a record, no second record with that
    number is ever made: ``IdentityConflict`` explains the safe ways on. One of them is
    ``without_nhs_number``: the number given was wrong, so the new record is made without it
    (and the note says so) until the right number is confirmed.
    """
    current = _locked(referral, Move.LINK_PATIENT)
    details = dict(current.submitted_details)
    details["date_of_birth"] = dt.date.fromisoformat(str(details["date_of_birth"]))
    dropped = ""
    if without_nhs_number and details.get("nhs_number"):
        dropped = str(details.pop("nhs_number"))
    sub = Submission(
        person=details,
        source=current.source,
        received_on=current.received_on,
        preferred_contact=current.preferred_contact,
        preferred_language=current.preferred_language,
        interpreter_required=current.interpreter_required,
        gp_practice_code=current.gp_practice_code,
        gp_practice_name=current.gp_practice_name,
    )
    try:
        patient = create_patient(
            by=by, team=current.team, data=_patient_data(sub), confirmed_not_duplicate=True
        )
    except PossibleDuplicate as exc:
        raise IdentityConflict(
            "The NHS number on this referral already belongs to another patient record, so a "
            "second record with it cannot be made. If this is the same person, choose that "
            "record (if it belongs to another team, ask that team or use break-glass). If the "
            "NHS number on the referral is wrong, check it with the referrer, or create the "
            "new record without the NHS number."
        ) from exc
    current.patient = patient
    current.identity_note = f"Checked by {by}: a different person from the possible matches; new record."
    if dropped:
        current.identity_note += (
            " The NHS number given with the referral belongs to another record and was not copied."
        )
    current.save(update_fields=["patient", "identity_note", "updated_at"])
    _audit(
        by,
        current,
        "create_patient_for_referral",
        patient_id=patient.pk,
        nhs_number_not_copied=bool(dropped),
    )
    return current


# Triage and decision ------------------------------------------------------------------------


@transaction.atomic
def screen(*, by: User, referral: Referral, notes: str, acute_risk: bool, secondary_care: bool) -> Referral:
    current = _locked(referral, Move.SCREEN)
    current.status = S.SCREENED
    current.screened_at = timezone.now()
    current.screened_by = by
    current.screening_notes = notes.strip()
    current.acute_risk_identified = acute_risk
    current.secondary_care_involvement = secondary_care
    current.save()
    _audit(by, current, "screen", acute_risk=acute_risk, secondary_care=secondary_care)
    return current


@transaction.atomic
def record_assessment(*, by: User, referral: Referral, assessment_date: dt.date) -> Referral:
    """Record the date of the assessment (by hand until the diary records it)."""
    current = _locked(referral, Move.RECORD_ASSESSMENT)
    _not_before_receipt(current, assessment_date, "assessment date")
    _not_in_future(assessment_date, "assessment date")
    current.assessment_date = assessment_date
    current.status = S.ASSESSED
    current.save()
    _audit(by, current, "record_assessment", assessment_date=assessment_date.isoformat())
    return current


@transaction.atomic
def decide(
    *, by: User, referral: Referral, outcome: str, reason: str, rules_shown: list[dict[str, Any]]
) -> SuitabilityDecision:
    """A clinician's suitability decision. Accepting puts the person on the waiting list for
    the step; any other outcome ends the referral with the matching ending code."""
    reason = reason.strip()
    if not reason:
        raise MoveRefused("Write the reason for the decision.")
    accept = outcome in {Outcome.ACCEPT_STEP_2, Outcome.ACCEPT_STEP_3}
    current = _locked(referral, Move.ACCEPT if accept else Move.DECIDE_NOT_TO_TAKE_ON)
    decision = SuitabilityDecision.objects.create(
        referral=current, outcome=outcome, reason=reason, rules_shown=rules_shown, decided_by=by
    )
    if accept:
        to_step = Step.STEP_2 if outcome == Outcome.ACCEPT_STEP_2 else Step.STEP_3
        StepChange.objects.create(
            referral=current,
            from_step="",
            to_step=to_step,
            handover_summary=reason,
            changed_by=by,
            changed_on=_today(),
        )
        current.step = to_step
        current.status = S.WAITING
    else:
        if outcome == Outcome.NOT_SUITABLE:
            code = EndCode.NOT_SUITABLE if current.assessment_date else EndCode.NOT_ASSESSED
        else:
            code = END_CODE_FOR_OUTCOME[Outcome(outcome)]
        current.status = S.ENDED
        current.end_code = code
        current.discharge_date = _today()
        current.discharge_summary = f"{Outcome(outcome).label}. {reason}"
        current.ended_by = by
    current.save()
    _audit(by, current, "decide", outcome=outcome, end_code=current.end_code)
    return decision


@transaction.atomic
def record_problem_descriptor(
    *, by: User, referral: Referral, primary: str, secondary: str = "", recorded_on: dt.date, note: str = ""
) -> ProblemDescriptorRecord:
    """Record or change the provisional problem descriptor; earlier ones stay as history."""
    current = _locked(referral, Move.RECORD_PROBLEM)
    if secondary and secondary == primary:
        raise MoveRefused("The secondary problem descriptor must differ from the primary one.")
    _not_in_future(recorded_on, "date recorded")
    descriptor = ProblemDescriptorRecord.objects.create(
        referral=current,
        primary=primary,
        secondary=secondary,
        recorded_on=recorded_on,
        note=note.strip(),
        recorded_by=by,
    )
    _audit(by, current, "record_problem", primary=primary, secondary=secondary)
    return descriptor


# Waiting --------------------------------------------------------------------------------------


@transaction.atomic
def pause_wait(*, by: User, referral: Referral, start_date: dt.date, reason: str) -> WaitingPause:
    """A patient-initiated break: the waiting-time clock stops until the pause ends."""
    current = _locked(referral, Move.PAUSE_WAIT)
    if current.first_treatment_date:
        raise MoveRefused("Treatment has started, so the waiting-time clock has already stopped.")
    if current.pauses.filter(end_date__isnull=True).exists():
        raise MoveRefused("The wait is already paused. End that pause before starting another.")
    _not_before_receipt(current, start_date, "pause start date")
    last_end = current.pauses.order_by("-end_date").values_list("end_date", flat=True).first()
    if last_end and start_date < last_end:
        raise MoveRefused(f"A pause cannot start before the last one ended ({last_end:%d/%m/%Y}).")
    if not reason.strip():
        raise MoveRefused("Write why the person asked to pause their wait.")
    pause = WaitingPause.objects.create(
        referral=current, start_date=start_date, reason=reason.strip(), recorded_by=by
    )
    _audit(by, current, "pause_wait", start_date=start_date.isoformat())
    return pause


@transaction.atomic
def resume_wait(*, by: User, referral: Referral, end_date: dt.date) -> WaitingPause:
    current = _locked(referral, Move.RESUME_WAIT)
    pause = current.pauses.filter(end_date__isnull=True).first()
    if pause is None:
        raise MoveRefused("The wait is not paused.")
    if end_date < pause.start_date:
        raise MoveRefused(f"The pause cannot end before it started ({pause.start_date:%d/%m/%Y}).")
    _not_in_future(end_date, "pause end date")
    pause.end_date = end_date
    pause.save(update_fields=["end_date"])
    _audit(by, current, "resume_wait", end_date=end_date.isoformat())
    return pause


@transaction.atomic
def allocate(*, by: User, referral: Referral, therapist: User) -> Referral:
    """Allocate (or re-allocate) the referral to a therapist."""
    current = _locked(referral, Move.ALLOCATE)
    if current.allocated_to_id == therapist.pk:
        raise MoveRefused(f"This referral is already allocated to {therapist}.")
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    Allocation.objects.create(referral=current, therapist=therapist, allocated_by=by)
    current.allocated_to = therapist
    if current.status == S.WAITING:
        current.status = S.ALLOCATED
    current.save()
    assert current.patient is not None
    if current.patient.allocated_clinician_id != therapist.pk:
        Patient.objects.filter(pk=current.patient.pk).update(allocated_clinician=therapist)
    _audit(by, current, "allocate", therapist_id=therapist.pk)
    return current


@transaction.atomic
def record_first_treatment(*, by: User, referral: Referral, treatment_date: dt.date) -> Referral:
    """The first attended treatment appointment: ends the waiting-time clock.

    The diary calls this when it records the first attended treatment appointment; until
    then staff record the date by hand. A referral stepped back onto a waiting list keeps
    its first treatment date.
    """
    current = _locked(referral, Move.START_TREATMENT)
    if current.first_treatment_date is None:
        _not_before_receipt(current, treatment_date, "first treatment date")
        _not_in_future(treatment_date, "first treatment date")
        open_pause = current.pauses.filter(end_date__isnull=True).first()
        if open_pause is not None:
            open_pause.end_date = max(treatment_date, open_pause.start_date)
            open_pause.save(update_fields=["end_date"])
        current.first_treatment_date = treatment_date
    current.status = S.IN_TREATMENT
    current.save()
    _audit(by, current, "start_treatment", first_treatment_date=str(current.first_treatment_date))
    return current


@transaction.atomic
def change_step(*, by: User, referral: Referral, to_step: str, handover_summary: str) -> StepChange:
    """Step up (PWP to high intensity) or down, with a handover. The person joins the waiting
    list for the new step; the current allocation ends."""
    current = _locked(referral, Move.STEP)
    if to_step == current.step:
        raise MoveRefused(f"The person is already at {Step(to_step).label.lower()}.")
    if not handover_summary.strip():
        raise MoveRefused("Write a handover summary for the clinician who takes over.")
    change = StepChange.objects.create(
        referral=current,
        from_step=current.step,
        to_step=to_step,
        handover_summary=handover_summary.strip(),
        changed_by=by,
        changed_on=_today(),
    )
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    current.step = to_step
    current.allocated_to = None
    current.status = S.WAITING
    current.save()
    _audit(by, current, "step", from_step=change.from_step, to_step=to_step)
    return change


# Signposting and ending ----------------------------------------------------------------------


@transaction.atomic
def record_onward_referral(
    *, by: User, referral: Referral, agency: Agency, kind: str, reason: str
) -> OnwardReferral:
    current = _locked(referral, Move.SIGNPOST)
    if not reason.strip():
        raise MoveRefused("Write why you are signposting or referring on.")
    onward = OnwardReferral.objects.create(
        referral=current, agency=agency, kind=kind, reason=reason.strip(), made_by=by, made_on=_today()
    )
    _audit(by, current, "signpost", kind=kind, agency=agency.name)
    return onward


def check_end_code(referral: Referral, end_code: str) -> None:
    """Ending codes for people taken on need treatment to have started, and the others not."""
    label = EndCode(end_code).label
    if end_code in TAKEN_ON_CODES and referral.first_treatment_date is None:
        raise MoveRefused(
            f"“{label}” is for people who were taken on for treatment, but no treatment is "
            "recorded on this referral. Choose a 'not taken on' reason (10–17, 50 or 95), or "
            "record the first treatment date first."
        )
    if end_code in NOT_TAKEN_ON_CODES and referral.first_treatment_date is not None:
        raise MoveRefused(
            f"Treatment started on {referral.first_treatment_date:%d/%m/%Y}, so the ending reason must "
            f"be one for people taken on for treatment (46, 47, 48, 49 or 96), not “{label}”."
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
    if not summary.strip():
        raise MoveRefused("Write a discharge summary.")
    WaitingPause.objects.filter(referral=current, end_date__isnull=True).update(end_date=discharge_date)
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    current.status = S.ENDED
    current.end_code = end_code
    current.discharge_date = discharge_date
    current.discharge_summary = summary.strip()
    current.ended_by = by
    current.save()
    _audit(by, current, "end", end_code=end_code, discharge_date=discharge_date.isoformat())
    return current


@transaction.atomic
def reopen(*, by: User, referral: Referral, reason: str) -> Referral:
    """An ended referral is never changed back: the person is re-referred as a new referral
    linked to the old one."""
    current = _locked(referral, Move.REOPEN)
    if not reason.strip():
        raise MoveRefused("Write why the person is being seen again.")
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
    _audit(by, new, "reopen", previous=current.reference)
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
    current.save()
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    _audit(by, current, "entered_in_error", reason=current.error_reason)
    return current


# Import ----------------------------------------------------------------------------------------


@transaction.atomic
def import_referrals(
    *, by: User | None, team: Team, submissions: list[Submission], channel: str = "import"
) -> list[Referral]:
    """Create every referral, or none: one failure rolls back the whole import."""
    created = [submit_referral(by=by, team=team, submission=s, channel=channel) for s in submissions]
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        username=channel,
        detail={"import": True, "referrals": len(created), "team": team.pk},
    )
    return created
