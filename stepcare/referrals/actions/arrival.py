"""Referrals in, from any channel: who the referral is for (linked without a person looking
only when the details agree), a new record when nobody is like them, and imports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from stepcare.accounts.models import Team, User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.actions import create_patient
from stepcare.patients.models import Patient, identity_name_key
from stepcare.patients.selectors import possible_duplicates
from stepcare.referrals.actions.common import (
    SecondOpenReferral,
    _audit,
    check_can_refer,
    new_reference,
)
from stepcare.referrals.models import (
    PreferredContact,
    Referral,
)
from stepcare.referrals.transitions import MoveRefused

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
    referral = _new_referral(team, submission, patient, identity_note=identity_note, second_to=second_to)
    _save_with_a_unique_reference(referral)
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


def _new_referral(
    team: Team,
    submission: Submission,
    patient: Patient | None,
    *,
    identity_note: str,
    second_to: Referral | None,
) -> Referral:
    """The referral as submitted (not saved), with the person's details kept as given."""
    return Referral(
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
            for k, v in submission.person.items()
            if v not in (None, "")
        },
        identity_note=identity_note,
        previous_referral=second_to,
    )


def _save_with_a_unique_reference(referral: Referral) -> None:
    """Save, drawing a new reference if the one drawn is taken (a few tries)."""
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
