"""Reads for supervision, MDT meetings, CPD portfolios and countersignature; each with a
bounded number of queries whatever the size of the service."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Permission, Role, team_ids_with_permission, teams_seen_whole
from stepcare.patients.models import Patient
from stepcare.supervision.models import (
    CaseAction,
    CaseDiscussion,
    Countersignature,
    CpdEntry,
    DiscussionCorrection,
    MdtMeeting,
    SupervisionSession,
)

COUNTERSIGNED_KINDS = ("session-note", "assessment")
AGENDA_SEARCH_LIMIT = 20
PENDING_LIMIT = 50
# Record supervision offers every course of the pack up to this many (the caseload is sorted by
# name); beyond it the form says how many were left out.
PACK_RECORD_CAP = 200


# Who supervises whom -----------------------------------------------------------------------------


def supervising_team(supervisor: User, supervisee: User) -> int | None:
    """A team in which `supervisor` supervises and `supervisee` works, or None."""
    if supervisor.pk == supervisee.pk:
        return None
    teams = team_ids_with_permission(supervisor, Permission.SUPERVISE)
    theirs = sorted({t for t, _role in supervisee.active_memberships() if t in teams})
    return theirs[0] if theirs else None


def is_trainee(user: User) -> bool:
    return any(role == Role.TRAINEE_HIGH_INTENSITY_THERAPIST for _t, role in user.active_memberships())


def named_supervisor_id(user_id: int) -> int | None:
    from stepcare.referrals.models import TherapistProfile

    return TherapistProfile.objects.filter(user_id=user_id).values_list("supervisor_id", flat=True).first()


def team_members(team_id: int) -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__team_id=team_id, memberships__active=True)
        .distinct()
        .order_by("last_name", "first_name")[:500]
    )


def team_member_ids(team_id: int) -> set[int]:
    return set(Membership.objects.filter(team_id=team_id, active=True).values_list("user_id", flat=True))


# Countersignature --------------------------------------------------------------------------------


def _author_is_trainee(author_id: int) -> bool:
    return Membership.objects.filter(
        user_id=author_id, active=True, role=Role.TRAINEE_HIGH_INTENSITY_THERAPIST
    ).exists()


def needs_countersignature(document: Any) -> bool:
    """Whether the service requires a countersignature of this document: a trainee's signed
    session note or assessment, while SUPERVISION_TRAINEE_COUNTERSIGNATURE is on."""
    if not getattr(settings, "SUPERVISION_TRAINEE_COUNTERSIGNATURE", True):
        return False
    return document.KIND in COUNTERSIGNED_KINDS and _author_is_trainee(document.author_id)


def may_countersign(user: User, document: Any) -> bool:
    """The trainee's named supervisor; when none is named, a supervisor in the patient's team."""
    named = named_supervisor_id(document.author_id)
    if named is not None:
        return bool(named == user.pk)
    return document.patient.team_id in team_ids_with_permission(user, Permission.SUPERVISE)


def countersignature_for(document: Any) -> Countersignature | None:
    return (
        Countersignature.objects.filter(
            content_type=ContentType.objects.get_for_model(type(document)), object_id=document.pk
        )
        .select_related("countersigned_by")
        .first()
    )


def awaiting_countersignature(
    trainee: User, *, limit: int | None = None, trainee_role: bool | None = None
) -> list[Any]:
    """The trainee's signed session notes and assessments not yet countersigned (oldest first,
    at most `limit`, PENDING_LIMIT by default), when the service requires it. One query per
    kind; `awaiting_countersignature_page` lists them all, paged. `trainee_role`: whether the
    user holds a trainee's role, when the caller has read it already (otherwise read here)."""
    from stepcare.records.models import DOCUMENT_KINDS

    limit = limit or PENDING_LIMIT
    if not _countersigning(trainee, trainee_role):
        return []
    found: list[Any] = []
    for kind in COUNTERSIGNED_KINDS:
        model = DOCUMENT_KINDS[kind]
        signed = Countersignature.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
        )
        found += list(
            model.objects.signed()
            .filter(author=trainee)
            .exclude(Exists(signed))
            .select_related("patient")
            .order_by("signed_at", "id")[:limit]
        )
    found.sort(key=lambda d: d.signed_at)
    return found[:limit]


def _awaiting_queryset(trainee: User, kind: str) -> QuerySet[Any]:
    from stepcare.records.models import DOCUMENT_KINDS

    model = DOCUMENT_KINDS[kind]
    signed = Countersignature.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
    )
    return model.objects.signed().filter(author=trainee).exclude(Exists(signed))


def _countersigning(trainee: User, trainee_role: bool | None) -> bool:
    """Whether the service requires countersignature and ``trainee`` holds a trainee's role."""
    if not getattr(settings, "SUPERVISION_TRAINEE_COUNTERSIGNATURE", True):
        return False
    return is_trainee(trainee) if trainee_role is None else trainee_role


def awaiting_countersignature_total(trainee: User, *, trainee_role: bool | None = None) -> dict[str, int]:
    """How many of the trainee's documents of each kind wait for a countersignature (one count
    query per kind); empty when none is required."""
    if not _countersigning(trainee, trainee_role):
        return {}
    return {kind: _awaiting_queryset(trainee, kind).count() for kind in COUNTERSIGNED_KINDS}


def awaiting_countersignature_page(
    trainee: User, *, kind: str, page_number: int | str = 1, per_page: int = 25
) -> Page[Any] | None:
    """One kind of the trainee's documents awaiting countersignature, oldest first, paged in
    the database; None when none is required."""
    if kind not in COUNTERSIGNED_KINDS:
        kind = COUNTERSIGNED_KINDS[0]
    if not getattr(settings, "SUPERVISION_TRAINEE_COUNTERSIGNATURE", True) or not is_trainee(trainee):
        return None
    qs = _awaiting_queryset(trainee, kind).select_related("patient").order_by("signed_at", "id")
    return Paginator(qs, per_page).get_page(page_number)


# Supervision records -----------------------------------------------------------------------------


def supervision_sessions(
    *, user: User, page_number: int | str = 1, per_page: int = 25
) -> Page[SupervisionSession]:
    """Sessions `user` gave or received, newest first, paged in the database."""
    qs = (
        SupervisionSession.objects.filter(Q(supervisor=user) | Q(supervisee=user))
        .select_related("supervisor", "supervisee")
        .order_by("-held_on", "-id")
    )
    return Paginator(qs, per_page).get_page(page_number)


def _corrections() -> Prefetch[Any]:
    return Prefetch("corrections", queryset=DiscussionCorrection.objects.select_related("recorded_by"))


def _discussions() -> Prefetch[Any]:
    return Prefetch(
        "cases",
        queryset=CaseDiscussion.objects.select_related("patient", "referral", "decided_by").prefetch_related(
            Prefetch("actions", queryset=CaseAction.objects.select_related("owner", "done_by")),
            _corrections(),
        ),
    )


def discussion_detail(pk: int) -> CaseDiscussion | None:
    """One discussion with where it was held, its patient, actions and corrections."""
    return (
        CaseDiscussion.objects.filter(pk=pk)
        .select_related(
            "patient",
            "referral",
            "decided_by",
            "supervision__supervisor",
            "supervision__supervisee",
            "meeting",
        )
        .prefetch_related(
            Prefetch("actions", queryset=CaseAction.objects.select_related("owner", "done_by")),
            _corrections(),
        )
        .first()
    )


def may_write_about(user: User, discussion: CaseDiscussion) -> bool:
    """Who may add actions to a discussion or correct it: for a supervision, its supervisor
    or a supervisor of its team; for an MDT meeting, a clinician of the meeting's team."""
    if discussion.meeting is not None:
        return discussion.meeting.team_id in teams_seen_whole(user, Permission.VIEW_CLINICAL_RECORD)
    session = discussion.supervision
    assert session is not None
    return user.pk == session.supervisor_id or session.team_id in team_ids_with_permission(
        user, Permission.SUPERVISE
    )


def action_owners(discussion: CaseDiscussion) -> list[User]:
    """Who an action may be given to: the supervisor and supervisee, or the meeting's team."""
    if discussion.meeting is not None:
        return team_members(discussion.meeting.team_id)
    session = discussion.supervision
    assert session is not None
    return [session.supervisee, session.supervisor]


def supervision_detail(pk: int) -> SupervisionSession | None:
    return (
        SupervisionSession.objects.filter(pk=pk)
        .select_related("supervisor", "supervisee", "team")
        .prefetch_related(_discussions())
        .first()
    )


def may_see_supervision(user: User, session: SupervisionSession) -> bool:
    return user.pk in (
        session.supervisor_id,
        session.supervisee_id,
    ) or session.team_id in team_ids_with_permission(user, Permission.SUPERVISE)


def may_complete(user: User, action: CaseAction) -> bool:
    discussion = action.discussion
    if discussion.meeting is not None:
        return discussion.meeting.team_id in teams_seen_whole(user, Permission.VIEW_CLINICAL_RECORD)
    session = discussion.supervision
    assert session is not None
    return user.pk == action.owner_id or may_see_supervision(user, session)


def _in_error() -> Exists:
    return Exists(
        DiscussionCorrection.objects.filter(
            discussion_id=OuterRef("discussion_id"), kind=DiscussionCorrection.Kind.ENTERED_IN_ERROR
        )
    )


def _open_actions(user: User) -> QuerySet[CaseAction]:
    return (
        CaseAction.objects.filter(owner=user, done_at__isnull=True)
        .exclude(_in_error())
        .select_related("discussion__patient", "discussion__meeting", "discussion__supervision")
        .order_by("due_on", "id")
    )


def open_actions_for(user: User, *, limit: int = 50) -> list[CaseAction]:
    """The user's open actions, soonest due first (not those of a discussion entered in error)."""
    return list(_open_actions(user)[:limit])


def open_actions_page(user: User, *, page_number: int | str = 1, per_page: int = 50) -> Page[CaseAction]:
    """The user's open actions, soonest due first, paged in the database."""
    return Paginator(_open_actions(user), per_page).get_page(page_number)


# MDT meetings ------------------------------------------------------------------------------------


def meetings(*, user: User, page_number: int | str = 1, per_page: int = 25) -> Page[Any]:
    from django.db.models import Count

    teams = teams_seen_whole(user, Permission.VIEW_CLINICAL_RECORD)
    qs = (
        MdtMeeting.objects.filter(team_id__in=teams)
        .select_related("team")
        .annotate(agenda=Count("cases", distinct=True))
        .order_by("-held_on", "-id")
    )
    return Paginator(qs, per_page).get_page(page_number)


def meeting_detail(pk: int) -> MdtMeeting | None:
    return (
        MdtMeeting.objects.filter(pk=pk)
        .select_related("team", "created_by")
        .prefetch_related("attendees", _discussions())
        .first()
    )


def agenda_candidates(*, meeting: MdtMeeting, query: str) -> list[Patient]:
    """Patients of the meeting's team matching a name, NHS number or date of birth (at most 20)."""
    from stepcare.patients.selectors import patient_matches

    condition = patient_matches(query)
    if condition is None:
        return []
    return list(
        Patient.objects.filter(team_id=meeting.team_id)
        .filter(condition)
        .order_by("search_name", "id")[:AGENDA_SEARCH_LIMIT]
    )


# The patient's record ----------------------------------------------------------------------------


def _notes(d: CaseDiscussion) -> tuple[str, ...]:
    """The corrections beside a discussion's decision, then its actions, for the timeline."""
    notes = [
        f"{c.get_kind_display()} on {c.recorded_at:%d/%m/%Y} by {c.recorded_by}: "
        + (f"{c.text} (reason: {c.reason})" if c.text else c.reason)
        for c in d.corrections.all()
    ]
    for a in d.actions.all():
        state = f"done {a.done_at:%d/%m/%Y}" if a.done_at else "open"
        notes.append(f"Action for {a.owner}, due {a.due_on:%d/%m/%Y} ({state}): {a.description}")
    return tuple(notes)


def timeline_entries(patient: Patient, cut: int) -> list[Any]:
    """The patient's supervision and MDT discussions for the record's timeline, each with its
    corrections and actions (one query, and two more only when there are discussions)."""
    from stepcare.records.selectors import TimelineEntry

    entries = []
    for d in (
        CaseDiscussion.objects.filter(patient=patient)
        .select_related("supervision__supervisor", "supervision__supervisee", "meeting")
        .prefetch_related(
            Prefetch("actions", queryset=CaseAction.objects.select_related("owner").order_by("due_on", "id")),
            _corrections(),
        )
        .order_by("-added_at", "-id")[:cut]
    ):
        if d.meeting is not None:
            title = f"{d.meeting.title}, {d.meeting.held_on:%d/%m/%Y}"
            url = ("supervision:meeting", (d.meeting_id,))
        else:
            s = d.supervision
            assert s is not None
            title = f"{s.supervisee} with {s.supervisor}, {s.held_on:%d/%m/%Y}"
            url = ("supervision:record", (d.supervision_id,))
        entries.append(
            TimelineEntry(
                "supervision",
                d.where,
                d.decided_at or d.added_at,
                title,
                f"Decision: {d.decision}" if d.decision else "On the agenda; no decision recorded yet",
                url[0],
                url[1],
                "Entered in error"
                if d.error_correction
                else "Corrected"
                if d.addenda
                else "Decided"
                if d.decision
                else "Open",
                _notes(d),
            )
        )
    return entries


# CPD and accreditation ---------------------------------------------------------------------------


@dataclass
class Portfolio:
    user: User
    start: dt.date
    end: dt.date
    entries: list[CpdEntry]
    cpd_hours: Decimal
    supervision_received_recorded: Decimal
    supervision_received_manual: Decimal
    supervision_given_recorded: Decimal
    supervision_given_manual: Decimal
    trainee: bool
    practice_hours_recorded: Decimal = Decimal("0")
    practice_hours_manual: Decimal = Decimal("0")
    cases_by_modality: list[tuple[str, int, int]] = field(default_factory=list)  # (modality, cases, finished)

    @property
    def supervision_received(self) -> Decimal:
        return self.supervision_received_recorded + self.supervision_received_manual

    @property
    def supervision_given(self) -> Decimal:
        return self.supervision_given_recorded + self.supervision_given_manual

    @property
    def practice_hours(self) -> Decimal:
        return self.practice_hours_recorded + self.practice_hours_manual


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / Decimal(60)).quantize(Decimal("0.01"))


def portfolio(*, user: User, start: dt.date, end: dt.date, limit: int = 500) -> Portfolio:
    """The CPD log and hours between two dates; for a trainee, supervised practice hours (their
    attended appointments) and training cases by modality (their signed treatment plans)."""
    from stepcare.referrals.models import Referral

    entries = list(
        CpdEntry.objects.filter(user=user, on__gte=start, on__lte=end).order_by("-on", "-id")[:limit]
    )
    manual: dict[str, Decimal] = {
        k: Decimal(v or 0).quantize(Decimal("0.01"))
        for k, v in CpdEntry.objects.filter(user=user, on__gte=start, on__lte=end)
        .values("kind")
        .annotate(total=Sum("hours"))
        .values_list("kind", "total")
    }
    sessions = SupervisionSession.objects.filter(held_on__gte=start, held_on__lte=end)
    received = sessions.filter(supervisee=user).aggregate(m=Sum("duration_minutes"))["m"]
    given = sessions.filter(supervisor=user).aggregate(m=Sum("duration_minutes"))["m"]
    result = Portfolio(
        user=user,
        start=start,
        end=end,
        entries=entries,
        cpd_hours=manual.get(CpdEntry.Kind.CPD, Decimal("0")),
        supervision_received_recorded=_hours(received),
        supervision_received_manual=manual.get(CpdEntry.Kind.SUPERVISION_RECEIVED, Decimal("0")),
        supervision_given_recorded=_hours(given),
        supervision_given_manual=manual.get(CpdEntry.Kind.SUPERVISION_GIVEN, Decimal("0")),
        trainee=is_trainee(user),
    )
    if result.trainee:
        result.practice_hours_recorded = _practice_hours(user, start, end)
        result.practice_hours_manual = manual.get(CpdEntry.Kind.SUPERVISED_PRACTICE, Decimal("0"))
        result.cases_by_modality = _cases_by_modality(user, start, end, Referral.Status.ENDED)
    return result


def _practice_hours(user: User, start: dt.date, end: dt.date) -> Decimal:
    from stepcare.scheduling.models import AppointmentClinician, Attendee

    attended = Attendee.objects.filter(appointment_id=OuterRef("appointment_id"), attendance__in=("5", "6"))
    rows = (
        AppointmentClinician.objects.filter(
            clinician=user, starts_at__date__gte=start, starts_at__date__lte=end
        )
        .filter(Exists(attended))
        .values_list("starts_at", "ends_at")
    )
    minutes = sum(int((e - s).total_seconds() // 60) for s, e in rows)
    return _hours(minutes)


def _cases_by_modality(user: User, start: dt.date, end: dt.date, ended: str) -> list[tuple[str, int, int]]:
    from stepcare.records.models import TreatmentPlan

    plans = (
        TreatmentPlan.objects.signed()
        .filter(author=user, signed_at__date__gte=start, signed_at__date__lte=end)
        .exclude(modality="")
        .values_list("modality", "referral_id", "referral__status")
    )
    cases: dict[str, set[Any]] = {}
    finished: Counter[str] = Counter()
    seen: set[tuple[str, Any]] = set()
    for modality, referral_id, status in plans:
        key = (modality, referral_id)
        if key in seen:
            continue
        seen.add(key)
        cases.setdefault(modality, set()).add(referral_id)
        finished[modality] += status == ended
    labels = dict(TreatmentPlan.Modality.choices)
    return sorted(((labels.get(m, m), len(ids), finished[m]) for m, ids in cases.items()), key=lambda r: r[0])


def supervisee_queryset(supervisor: User) -> QuerySet[User]:
    from stepcare.outcomes.selectors import supervisees

    return supervisees(supervisor)


def countersign_context(user: User, document: Any) -> dict[str, Any]:
    """For a signed document's page: its countersignature, whether one is needed, and whether
    this user may give it."""
    signature = countersignature_for(document)
    needed = signature is None and needs_countersignature(document)
    return {
        "countersignature": signature,
        "countersignature_needed": needed,
        "can_countersign": needed and user.pk != document.author_id and may_countersign(user, document),
    }
