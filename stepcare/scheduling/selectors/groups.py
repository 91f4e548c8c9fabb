"""Groups: those of a team, a group's page and sessions, and the patients one may add."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.patients.models import Patient
from stepcare.patients.selectors import patient_matches
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import (
    Appointment,
    Attendee,
    Group,
    GroupMember,
)


def group_patients(group: Group) -> list[Patient]:
    """The patients a group is about: its current members."""
    return [m.patient for m in group.members.filter(left_at__isnull=True).select_related("patient")]


def open_referrals_in_team(*, team_id: int) -> QuerySet[Referral]:
    """Open referrals of the team's patients, for choosing someone to book or add to a group."""
    return (
        Referral.objects.open()
        .filter(patient__team_id=team_id)
        .select_related("patient")
        .order_by("patient__family_name", "patient__given_name", "-received_on")
    )


PICKER_LIMIT = 20


def search_open_referrals(
    *, team_id: int, query: str, exclude_patient_id: int | None = None
) -> list[Referral]:
    """Open referrals of the team's patients whose patient the search names (at most 20),
    for choosing a second patient or a group member without listing everyone."""
    condition = patient_matches(query)
    if condition is None:
        return []
    qs = open_referrals_in_team(team_id=team_id).filter(
        patient__in=Patient.objects.filter(condition).values("id")
    )
    if exclude_patient_id is not None:
        qs = qs.exclude(patient_id=exclude_patient_id)
    return list(qs[:PICKER_LIMIT])


def groups_in_teams(*, team_ids: Iterable[int]) -> QuerySet[Group]:
    upcoming = Appointment.objects.filter(
        group_id=OuterRef("pk"), status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()
    )
    return (
        Group.objects.filter(team_id__in=list(team_ids))
        .select_related("team", "room__site")
        .annotate(
            member_count=Count("members", filter=Q(members__left_at__isnull=True), distinct=True),
            next_session=Subquery(upcoming.order_by("starts_at").values("starts_at")[:1]),
        )
        # Running groups first, by their next session; then the rest by name.
        .order_by(F("next_session").asc(nulls_last=True), "name", "id")
    )


@dataclass
class GroupPage:
    members: list[GroupMember]
    former_members: list[GroupMember]
    sessions: list[Appointment]
    facilitators: list[User]
    # (member, [attendee or None for each session])
    register: list[tuple[GroupMember, list[Attendee | None]]]


def group_page(*, group: Group) -> GroupPage:
    """A group's members, facilitators, schedule and register, in four queries."""
    all_members = list(
        GroupMember.objects.filter(group=group).select_related("patient", "referral").order_by("id")
    )
    sessions = list(
        Appointment.objects.filter(group=group)
        .select_related("room__site")
        .prefetch_related(Prefetch("attendees", queryset=Attendee.objects.order_by("id")))
        .order_by("starts_at", "id")
    )
    facilitators = list(group.facilitators.order_by("last_name", "first_name"))
    by_session_patient = {(a.appointment_id, a.patient_id): a for s in sessions for a in s.attendees.all()}
    members = [m for m in all_members if m.left_at is None]
    register = [
        (m, [by_session_patient.get((s.pk, m.patient_id)) for s in sessions])
        for m in sorted(all_members, key=lambda m: (m.left_at is not None, m.patient.family_name))
    ]
    return GroupPage(
        members=members,
        former_members=[m for m in all_members if m.left_at is not None],
        sessions=sessions,
        facilitators=facilitators,
        register=register,
    )


def group_session(*, group: Group, pk: int) -> Appointment:
    """One session of ``group`` with its attendees, for the register."""
    return (
        Appointment.objects.filter(group=group)
        .prefetch_related(
            Prefetch("attendees", queryset=Attendee.objects.select_related("patient").order_by("id"))
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class GroupCandidates:
    """Who may be added to a group: ``referrals``, the open referrals of the team's patients
    who are not members; ``found``, those a search names (plus the one already chosen, kept
    when the search changes); ``members``, how many patients are members now."""

    referrals: QuerySet[Referral]
    found: list[Referral]
    members: int


def group_member_candidates(*, group: Group, query: str, chosen: str) -> GroupCandidates:
    member_ids = set(
        GroupMember.objects.filter(group=group, left_at__isnull=True).values_list("patient_id", flat=True)
    )
    referrals = open_referrals_in_team(team_id=group.team_id).exclude(patient_id__in=member_ids)
    searched = search_open_referrals(team_id=group.team_id, query=query)
    found = [r for r in searched if r.patient_id not in member_ids]
    if chosen.isdigit() and all(r.pk != int(chosen) for r in found):
        found = [*found, *referrals.filter(pk=int(chosen))]
    return GroupCandidates(referrals=referrals, found=found, members=len(member_ids))
