"""Supervision records: sessions, their case discussions and corrections, and open actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Permission, team_ids_with_permission, teams_seen_whole
from stepcare.supervision.models import (
    CaseAction,
    CaseDiscussion,
    DiscussionCorrection,
    SupervisionSession,
)
from stepcare.supervision.selectors.team import team_members

if TYPE_CHECKING:
    from stepcare.outcomes.selectors import PackItem, SupervisionPack

# Record supervision offers every course of the pack up to this many (the caseload is sorted by
# name); beyond it the form says how many were left out.
PACK_RECORD_CAP = 200


@dataclass(frozen=True)
class RecordCases:
    """The courses of one part of a supervisee's pack offered on the record supervision form,
    each under its form key (``c<referral pk>``)."""

    by_key: dict[str, PackItem]
    part: Page[Any]
    left_out: int
    cap: int

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(key, label) of each course, for the form (a caseload's courses all have a patient)."""
        return [
            (key, f"{_name(item.row.referral.patient)} ({item.row.referral.reference})")
            for key, item in self.by_key.items()
        ]

    @property
    def patients(self) -> list[Any]:
        return [item.row.referral.patient for item in self.by_key.values()]

    def with_reasons(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The form's case fields, each with why the course needs discussing."""
        return [{**c, "reasons": self.by_key[c["key"]].reasons} for c in cases]


def _name(patient: Any) -> str:
    return str(patient.display_name)


def record_cases(supervisee: User, *, part: int | str = 1, trainee: bool | None = None) -> RecordCases:
    """One part of the supervisee's pack, `PACK_RECORD_CAP` courses to a part (the pack
    without its charts), and how many courses later parts hold."""
    from stepcare.outcomes.selectors import supervision_pack

    pack: SupervisionPack = supervision_pack(
        supervisee=supervisee, per_page=PACK_RECORD_CAP, charts=False, page_number=part, trainee=trainee
    )
    page = pack.caseload.page
    return RecordCases(
        by_key={f"c{item.row.referral.pk}": item for item in pack.items},
        part=page,
        left_out=max(0, page.paginator.count - page.number * PACK_RECORD_CAP),
        cap=PACK_RECORD_CAP,
    )


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
