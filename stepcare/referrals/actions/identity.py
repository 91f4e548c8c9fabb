"""Staff confirm who a referral is for: a known record they may see, or a new one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Permission, has_permission
from stepcare.patients.actions import PossibleDuplicate, create_patient
from stepcare.patients.models import Patient
from stepcare.referrals.actions.arrival import Submission, _patient_data
from stepcare.referrals.actions.common import (
    IdentityConflict,
    _audit,
    _locked,
    _risk_from_screening,
    check_can_refer,
)
from stepcare.referrals.models import (
    Referral,
)
from stepcare.referrals.transitions import Move, MoveRefused


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
