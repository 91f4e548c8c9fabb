"""Every write about supervision, MDT meetings, CPD and countersignature: one transaction
each, with its audit event (one per patient a write is about)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import (
    Permission,
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.supervision import selectors
from stepcare.supervision.models import (
    CaseAction,
    CaseDiscussion,
    Countersignature,
    CpdEntry,
    DiscussionCorrection,
    MdtMeeting,
    SupervisionSession,
)


class SupervisionRefused(Exception):
    """The write cannot be made as asked; the message says why, in a clinician's words."""


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner: User
    due_on: dt.date


@dataclass(frozen=True)
class CaseInput:
    patient: Patient
    referral: Referral | None
    reason: str
    decision: str
    actions: Sequence[ActionInput] = ()


def _not_future(day: dt.date, what: str) -> None:
    if day > timezone.localdate():
        raise SupervisionRefused(f"The date of the {what} cannot be in the future.")


def _check_referral(patient: Patient, referral: Referral | None) -> None:
    if referral is not None and referral.patient_id != patient.pk:
        raise SupervisionRefused("That referral belongs to another patient.")


def _add_actions(by: User, discussion: CaseDiscussion, actions: Iterable[ActionInput]) -> list[CaseAction]:
    made = []
    for a in actions:
        if not a.description.strip():
            continue
        made.append(
            CaseAction.objects.create(
                discussion=discussion,
                description=a.description.strip(),
                owner=a.owner,
                due_on=a.due_on,
                created_by=by,
            )
        )
    return made


@transaction.atomic
def record_supervision(
    *,
    by: User,
    supervisee: User,
    held_on: dt.date,
    duration_minutes: int,
    notes: str,
    cases: Sequence[CaseInput],
) -> SupervisionSession:
    """Record a supervision session with the cases discussed, each decision and its actions.

    Each case is written into the patient's record (their timeline shows it)."""
    team_id = selectors.supervising_team(by, supervisee)
    if team_id is None:
        raise SupervisionRefused("You do not supervise in any of this clinician's teams.")
    _not_future(held_on, "supervision")
    if not 5 <= duration_minutes <= 480:
        raise SupervisionRefused("Supervision lasts between 5 minutes and 8 hours.")
    supervised = team_ids_with_permission(by, Permission.SUPERVISE)
    for case in cases:
        _check_referral(case.patient, case.referral)
        if case.patient.team_id not in supervised:
            raise SupervisionRefused("One of the patients is not in a team you supervise.")
    session = SupervisionSession.objects.create(
        team_id=team_id,
        supervisor=by,
        supervisee=supervisee,
        held_on=held_on,
        duration_minutes=duration_minutes,
        notes=notes.strip(),
        recorded_by=by,
    )
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        obj=session,
        detail={"supervisee": supervisee.pk, "cases": len(cases)},
    )
    now = timezone.now()
    for case in cases:
        decision = case.decision.strip()
        discussion = CaseDiscussion.objects.create(
            supervision=session,
            patient=case.patient,
            referral=case.referral,
            reason=case.reason.strip()[:500],
            decision=decision,
            decided_by=by if decision else None,
            decided_at=now if decision else None,
            added_by=by,
        )
        made = _add_actions(by, discussion, case.actions)
        record(
            by=by,
            action=AuditEvent.Action.CREATE,
            patient=case.patient,
            obj=discussion,
            detail={"supervision": session.pk, "actions": len(made)},
        )
    return session


@transaction.atomic
def complete_action(*, by: User, action: CaseAction) -> CaseAction:
    current = CaseAction.objects.select_for_update().select_related("discussion__patient").get(pk=action.pk)
    if current.done_at is not None:
        raise SupervisionRefused("This action is already marked done.")
    current.done_at = timezone.now()
    current.done_by = by
    current.save(update_fields=["done_at", "done_by"])
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=current.discussion.patient,
        obj=current,
        detail={"done": True},
    )
    return current


# MDT meetings -----------------------------------------------------------------------------------


@transaction.atomic
def create_meeting(
    *,
    by: User,
    team: Team,
    held_on: dt.date,
    title: str,
    attendees: Iterable[User],
    external_attendees: str = "",
) -> MdtMeeting:
    if team.pk not in teams_seen_whole(by, Permission.VIEW_CLINICAL_RECORD):
        raise SupervisionRefused("You can only set up meetings for your own teams.")
    people = list(attendees)
    members = selectors.team_member_ids(team.pk)
    if any(p.pk not in members for p in people):
        raise SupervisionRefused(
            "Attendees from Stepcare must be members of the team; name others as external."
        )
    meeting = MdtMeeting.objects.create(
        team=team,
        held_on=held_on,
        title=title.strip() or "MDT meeting",
        external_attendees=external_attendees.strip(),
        created_by=by,
    )
    meeting.attendees.set(people)
    record(by=by, action=AuditEvent.Action.CREATE, obj=meeting, detail={"team": team.pk})
    return meeting


@transaction.atomic
def add_to_agenda(
    *, by: User, meeting: MdtMeeting, patient: Patient, referral: Referral | None = None, reason: str = ""
) -> CaseDiscussion:
    if patient.team_id != meeting.team_id:
        raise SupervisionRefused("Only the team's own patients can be discussed at its MDT meeting.")
    _check_referral(patient, referral)
    if referral is None:
        referral = Referral.objects.filter(patient=patient).order_by("-received_on", "-id").first()
    try:
        with transaction.atomic():
            item = CaseDiscussion.objects.create(
                meeting=meeting, patient=patient, referral=referral, reason=reason.strip()[:500], added_by=by
            )
    except IntegrityError:
        raise SupervisionRefused(f"{patient.display_name} is already on this meeting's agenda.") from None
    record(by=by, action=AuditEvent.Action.CREATE, patient=patient, obj=item, detail={"meeting": meeting.pk})
    return item


@transaction.atomic
def record_decision(
    *,
    by: User,
    discussion: CaseDiscussion,
    confirm_patient: int,
    decision: str,
    actions: Sequence[ActionInput] = (),
) -> CaseDiscussion:
    """Record the decision about one patient on an MDT agenda. `confirm_patient` is the patient
    id the form was written for: a decision posted against another agenda row is refused."""
    current = CaseDiscussion.objects.select_for_update().select_related("patient").get(pk=discussion.pk)
    if current.patient_id != confirm_patient:
        raise SupervisionRefused("This decision was written for a different patient: nothing was saved.")
    _not_in_error(current)
    if current.decided_at is not None:
        raise SupervisionRefused(
            "A decision is already recorded for this patient at this meeting; it is not changed. "
            "Bring the patient to another meeting to record a new one."
        )
    if not decision.strip():
        raise SupervisionRefused("Write the decision.")
    current.decision = decision.strip()
    current.decided_by = by
    current.decided_at = timezone.now()
    current.save(update_fields=["decision", "decided_by", "decided_at"])
    made = _add_actions(by, current, actions)
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=current.patient,
        obj=current,
        detail={"decision": True, "actions": len(made)},
    )
    return current


# More actions, and corrections ------------------------------------------------------------------


def _not_in_error(discussion: CaseDiscussion) -> None:
    if DiscussionCorrection.objects.filter(
        discussion_id=discussion.pk, kind=DiscussionCorrection.Kind.ENTERED_IN_ERROR
    ).exists():
        raise SupervisionRefused("This discussion was marked entered in error: nothing more can be added.")


@transaction.atomic
def add_case_actions(
    *, by: User, discussion: CaseDiscussion, actions: Sequence[ActionInput]
) -> list[CaseAction]:
    """Add actions to a recorded discussion (one audit event naming the patient)."""
    current = CaseDiscussion.objects.select_for_update().select_related("patient").get(pk=discussion.pk)
    _not_in_error(current)
    if not any(a.description.strip() for a in actions):
        raise SupervisionRefused("Describe at least one action.")
    made = _add_actions(by, current, actions)
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=current.patient,
        obj=current,
        detail={"actions_added": [a.pk for a in made]},
    )
    return made


@transaction.atomic
def correct_discussion(
    *, by: User, discussion: CaseDiscussion, kind: str, reason: str, text: str = ""
) -> DiscussionCorrection:
    """Correct a recorded discussion beside it, never in place: an addendum (to a recorded
    decision) or "entered in error" with the reason. Audited against the patient."""
    current = CaseDiscussion.objects.select_for_update().select_related("patient").get(pk=discussion.pk)
    reason, text = reason.strip(), text.strip()
    if kind not in DiscussionCorrection.Kind.values:
        raise SupervisionRefused("Choose an addendum or entered in error.")
    if not reason:
        raise SupervisionRefused("Give the reason for the correction.")
    _not_in_error(current)
    if kind == DiscussionCorrection.Kind.ADDENDUM:
        if not current.decision:
            raise SupervisionRefused("There is no decision to add to yet: record the decision first.")
        if not text:
            raise SupervisionRefused("Write the addendum.")
    else:
        text = ""
    correction = DiscussionCorrection.objects.create(
        discussion=current, kind=kind, text=text, reason=reason[:500], recorded_by=by
    )
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=current.patient,
        obj=correction,
        detail={"discussion": current.pk, "kind": kind},
    )
    return correction


# CPD ---------------------------------------------------------------------------------------------


@transaction.atomic
def add_cpd_entry(
    *, by: User, kind: str, on: dt.date, activity: str, hours: Decimal, reflection: str = ""
) -> CpdEntry:
    _not_future(on, "activity")
    if not Decimal("0") < hours <= Decimal("100"):
        raise SupervisionRefused("Hours must be more than 0 and at most 100.")
    if not activity.strip():
        raise SupervisionRefused("Describe the activity.")
    entry = CpdEntry.objects.create(
        user=by, kind=kind, on=on, activity=activity.strip(), hours=hours, reflection=reflection.strip()
    )
    record(by=by, action=AuditEvent.Action.CREATE, obj=entry, detail={"kind": kind})
    return entry


# Countersignature -------------------------------------------------------------------------------


@transaction.atomic
def countersign(*, by: User, document: Any, comment: str = "") -> Countersignature:
    """Countersign a trainee's signed document: a new row beside it; the document is untouched."""
    if not document.is_signed:
        raise SupervisionRefused("Only a signed document can be countersigned.")
    if not selectors.needs_countersignature(document):
        raise SupervisionRefused("This document does not need a countersignature.")
    if document.author_id == by.pk:
        raise SupervisionRefused("A document cannot be countersigned by its own author.")
    if not selectors.may_countersign(by, document):
        raise SupervisionRefused("Only the trainee's named supervisor can countersign their work.")
    content_type = ContentType.objects.get_for_model(type(document))
    try:
        with transaction.atomic():
            signature = Countersignature.objects.create(
                content_type=content_type,
                object_id=document.pk,
                patient_id=document.patient_id,
                author_id=document.author_id,
                countersigned_by=by,
                comment=comment.strip(),
            )
    except IntegrityError:
        raise SupervisionRefused("This document is already countersigned.") from None
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=document.patient,
        obj=signature,
        detail={"kind": document.KIND, "document_id": document.pk, "countersigned": True},
    )
    return signature


def check_may_record_for(by: User, patient: Patient) -> bool:
    return has_permission(by, Permission.SUPERVISE, obj=patient)
