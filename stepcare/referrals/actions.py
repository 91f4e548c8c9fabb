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
from stepcare.patients.actions import PossibleDuplicate, create_patient, raise_risk_flag
from stepcare.patients.models import Patient, identity_name_key
from stepcare.patients.selectors import possible_duplicates
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    DECEASED_CODES,
    NOT_ASSESSED_CODES,
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

__all__ = ["MoveRefused", "PersonHasDied", "SecondOpenReferral"]


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


def arrival_conflict(*, team: Team, submission: Submission) -> str:
    """Why a referral arriving without a member of staff (an import row) cannot simply be linked
    to the record it matches: that person has died, or already has an open referral in the
    service. Empty when there is no such conflict."""
    patient = _auto_link(team, submission.person)[0]
    if patient is None:
        return ""
    conflict = _unattended_conflict(patient, team)
    if conflict:
        return (
            f"{conflict} Not imported: if a second referral is needed, add it by hand (Add a "
            "referral) and confirm why."
        )
    return ""


def _unattended_conflict(patient: Patient, team: Team) -> str:
    """Why a referral arriving without staff is not linked to the record it matches."""
    try:
        check_can_refer(patient=patient, team=team)
    except SecondOpenReferral as exc:
        return (
            f"The details match a known patient who already has an open referral in this "
            f"service ({exc.existing.reference}), so it was not linked."
        )
    except MoveRefused:
        return "The details match the record of a person recorded as having died, so it was not linked."
    return ""


def _auto_link(team: Team, person: dict[str, Any]) -> tuple[Patient | None, str, list[Patient]]:
    """The known patient a referral is linked to without a person looking (same NHS number,
    names and date of birth, in the receiving team), the note on who it is, and the matches."""
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
    if elsewhere and not confirmed:
        return (
            None,
            (
                "A record with this NHS number, names and date of birth exists in another team. "
                "Ask that team, or use break-glass, before linking."
            ),
            matches,
        )
    if confirmed:
        return (
            confirmed[0],
            "Linked to the existing record with the same NHS number, names and date of birth.",
            matches,
        )
    if same_number:
        return (
            None,
            (
                "The NHS number belongs to a known patient, but a name or the date of birth differs: "
                "check who this is before linking."
            ),
            matches,
        )
    if matches:
        return (
            None,
            "Possible match with a known patient (same name and date of birth): check who this is.",
            matches,
        )
    return None, "", matches


@transaction.atomic
def submit_referral(
    *,
    by: User | None,
    team: Team,
    submission: Submission,
    channel: str,
    confirm_second: bool = False,
    second_reason: str = "",
) -> Referral:
    """Receive a referral from any channel and find out who it is for.

    - The same NHS number as a known patient: the referral is linked to that record.
    - The same name and date of birth, without a matching NHS number: nothing is guessed; the
      referral waits in the inbox for staff to confirm who it is.
    - Nobody like them: a new patient record is created in the receiving team.

    ``by`` is None for the public forms and the import command; ``channel`` names them.

    A referral is never lost, but it is not linked to a person who has died or who already
    has an open referral in the service without staff deciding: from staff entry that is a
    refusal (``SecondOpenReferral`` until a second one is confirmed with a reason; the new
    referral then links to the open one); from the public forms and imports the referral
    waits in the inbox, and staff confirm when they link it.
    """
    patient, identity_note, matches = _auto_link(team, submission.person)
    linked_existing = patient is not None
    second_to: Referral | None = None
    if patient is not None:
        if by is not None:
            second_to = check_can_refer(
                patient=patient, team=team, confirm_second=confirm_second, second_reason=second_reason
            )
        else:
            conflict = _unattended_conflict(patient, team)
            if conflict:
                patient, linked_existing = None, False
                identity_note = f"{conflict} Check who this is before linking."
    elif not matches:
        patient = create_patient(by=by, team=team, data=_patient_data(submission))
    if second_to is not None:
        identity_note += f" A second open referral, confirmed by {by}: {second_reason.strip()}"
    person = submission.person
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
        previous_referral=second_to,
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
        linked_existing_patient=linked_existing,
        identity_check_needed=patient is None,
        **(
            {"second_open_referral": second_reason.strip(), "second_to": second_to.reference}
            if second_to
            else {}
        ),
    )
    return referral


class IdentityConflict(MoveRefused):
    """The referral's NHS number belongs to a record that is not this person's, or not ours."""


@transaction.atomic
def link_patient(
    *, by: User, referral: Referral, patient: Patient, confirm_second: bool = False, second_reason: str = ""
) -> Referral:
    """Staff confirm that the referral is for this known patient.

    Only a record the member of staff may see (their team's, or one opened by break-glass)
    can be linked: linking shows that record's banner on the referral. Never to a person who
    has died; to a person with another open referral in the service only when staff confirm a
    second one with a reason (the referral then links to the open one).
    """
    current = _locked(referral, Move.LINK_PATIENT)
    if not has_permission(by, Permission.VIEW_PATIENT, obj=patient):
        raise MoveRefused(
            "You cannot link this referral to a record you may not see. Ask the record's team, "
            "or use break-glass if you need the record now."
        )
    second_to = check_can_refer(
        patient=Patient.objects.select_for_update().get(pk=patient.pk),
        team=current.team,
        confirm_second=confirm_second,
        second_reason=second_reason,
        exclude_pk=current.pk,
    )
    current.patient = patient
    current.identity_note = f"Linked to the existing record by {by}."
    fields = ["patient", "identity_note", "updated_at"]
    if second_to is not None:
        current.identity_note += f" A second open referral, confirmed: {second_reason.strip()}"
        if current.previous_referral_id is None:
            current.previous_referral = second_to
            fields.append("previous_referral")
    current.save(update_fields=fields)
    _audit(
        by,
        current,
        "link_patient",
        patient_id=patient.pk,
        **(
            {"second_open_referral": second_reason.strip(), "second_to": second_to.reference}
            if second_to
            else {}
        ),
    )
    _risk_from_screening(by, current)
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
    _risk_from_screening(by, current)
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
    _risk_from_screening(by, current)
    return current


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


@transaction.atomic
def record_assessment(*, by: User, referral: Referral, assessment_date: dt.date) -> Referral:
    """Record the date of the assessment (by hand until the diary records it)."""
    current = _locked(referral, Move.RECORD_ASSESSMENT)
    _not_before_receipt(current, assessment_date, "assessment date")
    _not_in_future(assessment_date, "assessment date")
    current.assessment_date = assessment_date
    current.assessed_by = by
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
        check_end_code(current, code)
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
    _refresh_course_outcome(current)
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
    _not_in_future(start_date, "pause start date")
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
    from stepcare.referrals.selectors import allocatable_users

    if not allocatable_users(team=current.team, step=current.step).filter(pk=therapist.pk).exists():
        needs = (
            "a high-intensity therapist (or a trainee with a named supervisor)"
            if current.step == Step.STEP_3
            else "a psychological wellbeing practitioner"
        )
        raise MoveRefused(
            f"{therapist} cannot be allocated this referral: at {Step(current.step).label.lower()} it "
            f"needs {needs} in {current.team}."
        )
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    Allocation.objects.create(referral=current, therapist=therapist, allocated_by=by)
    current.allocated_to = therapist
    if current.status == S.WAITING:
        current.status = S.ALLOCATED
    current.save()
    sync_patient_clinician(current.patient_id)
    _audit(by, current, "allocate", therapist_id=therapist.pk)
    return current


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
    sync_patient_clinician(current.patient_id)
    _audit(by, current, "step", from_step=change.from_step, to_step=to_step)
    return change


# Signposting and ending ----------------------------------------------------------------------


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


def _withdraw_from_diary(*, by: User, referral: Referral, reason: str, note: str, notify: bool) -> None:
    """Cancel the referral's appointments still to come (the service cancels, with the
    reason), take it off group lists, and so off every reminder job."""
    from stepcare.scheduling import actions as scheduling_actions

    scheduling_actions.withdraw_referral(by=by, referral=referral, reason=reason, note=note, notify=notify)


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
        from stepcare.patients.actions import PatientChangeRefused, record_death

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


def _refresh_course_outcome(referral: Referral) -> None:
    """The course outcome kept on the referral (stepcare.reporting.course), in this transaction."""
    from stepcare.reporting.course import refresh_course_outcome

    refresh_course_outcome(referral)


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
