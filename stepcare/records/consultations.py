"""Advice given in general (no patient): record it, correct it by addendum, list it.

Writes and reads are staff activity: audited with no patient.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q

from stepcare.accounts.access import team_ids_with_permission
from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import Permission
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.records.models import GeneralConsultation, GeneralConsultationAddendum

PAGE_SIZE = 25
FIELDS = (
    "given_on",
    "asked_by_name",
    "asked_by_role",
    "asked_by_organisation",
    "method",
    "question",
    "advice",
)


class ConsultationRefused(Exception):
    """A refusal shown to the clinician as a message."""


# Who may do what -------------------------------------------------------------------------------


def writing_teams(user: User) -> set[int]:
    return team_ids_with_permission(user, Permission.WRITE_CLINICAL_NOTES)


def overseen_teams(user: User) -> set[int]:
    """Teams whose advice the user sees as a supervisor or service manager."""
    return team_ids_with_permission(user, Permission.VIEW_TEAM_CASELOAD)


def may_see_list(user: User) -> bool:
    return bool(writing_teams(user) or overseen_teams(user))


def may_add_addendum(user: User, consultation: GeneralConsultation) -> bool:
    """The author, or a supervisor of the team it was given in."""
    if consultation.author_id == user.pk:
        return True
    return consultation.team_id in team_ids_with_permission(user, Permission.SUPERVISE)


# Reads ------------------------------------------------------------------------------------------


def _with_addenda(qs: Any) -> Any:
    return qs.select_related("author", "team").prefetch_related("addenda__author")


def own_page(user: User, number: Any) -> Page[GeneralConsultation]:
    qs = _with_addenda(GeneralConsultation.objects.filter(author=user)).order_by("-given_on", "-id")
    return Paginator(qs, PAGE_SIZE).get_page(number)


def team_page(user: User, number: Any) -> Page[GeneralConsultation] | None:
    teams = overseen_teams(user)
    if not teams:
        return None
    qs = _with_addenda(GeneralConsultation.objects.filter(Q(team_id__in=teams) & ~Q(author=user)))
    return Paginator(qs.order_by("-given_on", "-id"), PAGE_SIZE).get_page(number)


def audit_listed(*, by: User, shown: list[GeneralConsultation]) -> None:
    """Reading the page is staff activity: one event naming the entries shown, no patient."""
    record(
        by=by,
        action=AuditEvent.Action.VIEW,
        detail={"page": "records:consultations", "consultations": sorted(c.pk for c in shown)},
    )


# Writes -----------------------------------------------------------------------------------------


@transaction.atomic
def record_consultation(*, by: User, team: Team, data: dict[str, Any]) -> GeneralConsultation:
    """Record advice given in general. Fixed once saved."""
    if team.pk not in writing_teams(by):
        raise ConsultationRefused("You can record advice only for a team you write clinical notes in.")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in FIELDS}
    for name, label in (
        ("asked_by_name", "who asked"),
        ("question", "the question"),
        ("advice", "the advice"),
    ):
        if not values.get(name):
            raise ConsultationRefused(f"Write {label}.")
    given_on = values.get("given_on")
    if not isinstance(given_on, dt.date):
        raise ConsultationRefused("Give the date the advice was given.")
    consultation = GeneralConsultation(team=team, author=by, **values)
    consultation.save()
    record(by=by, action=AuditEvent.Action.CREATE, obj=consultation, detail={"kind": "general-consultation"})
    return consultation


@transaction.atomic
def add_consultation_addendum(
    *, by: User, consultation: GeneralConsultation, text: str
) -> GeneralConsultationAddendum:
    if not may_add_addendum(by, consultation):
        raise ConsultationRefused("Only its author or a supervisor of the team can add an addendum.")
    if not text.strip():
        raise ConsultationRefused("Write the addendum.")
    addendum = GeneralConsultationAddendum(consultation=consultation, text=text.strip(), author=by)
    addendum.save()
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        obj=addendum,
        detail={"kind": "general-consultation", "consultation_id": consultation.pk},
    )
    return addendum
