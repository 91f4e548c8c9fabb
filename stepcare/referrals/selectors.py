"""Reads of referrals for the inbox, waiting list, allocation and referral pages. No N+1:
each page's query count is pinned by a test."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from stepcare.accounts.models import Membership, Team, User
from stepcare.accounts.permissions import Permission, Role, team_ids_with_permission
from stepcare.patients.models import Patient, RiskFlag
from stepcare.patients.selectors import possible_duplicates
from stepcare.referrals import waits
from stepcare.referrals.models import (
    Agency,
    ProblemDescriptorRecord,
    Qualification,
    Referral,
    Step,
    SuitabilityRule,
    WaitingPause,
)
from stepcare.referrals.suitability import Facts, RuleResult, evaluate

S = Referral.Status
ALLOCATABLE_ROLES = (Role.HIGH_INTENSITY_THERAPIST, Role.TRAINEE_HIGH_INTENSITY_THERAPIST, Role.PWP)


def _patients_with_risk() -> Any:
    return Prefetch(
        "patient__risk_flags",
        queryset=RiskFlag.objects.filter(cleared_at__isnull=True).only("id", "patient_id", "raised_at"),
        to_attr="active_risk_flags",
    )


def _prefetch(lookup: str, queryset: QuerySet[Any]) -> Any:
    return Prefetch(lookup, queryset=queryset)


def referral_teams(user: User) -> set[int]:
    return team_ids_with_permission(user, Permission.MANAGE_REFERRALS)


@dataclass(frozen=True)
class InboxRow:
    referral: Referral
    days_waiting: int


def inbox(*, user: User, today: dt.date | None = None) -> list[InboxRow]:
    """New and screened referrals in the user's teams, oldest first, with days waiting."""
    today = today or timezone.localdate()
    referrals = (
        Referral.objects.filter(team_id__in=referral_teams(user), status__in=Referral.INBOX_STATUSES)
        .select_related("patient", "team")
        .prefetch_related(_patients_with_risk())
        .order_by("received_on", "id")
    )
    return [InboxRow(r, (today - r.received_on).days) for r in referrals]


def _pauses(referral: Referral) -> list[waits.Pause]:
    return [waits.Pause(p.start_date, p.end_date) for p in referral.pauses.all()]


@dataclass(frozen=True)
class WaitRow:
    referral: Referral
    position: int
    days_waited: int
    treat_by_6_weeks: dt.date
    treat_by_18_weeks: dt.date
    paused: bool
    paused_days: int
    stepped: bool
    # The national wait (not adjusted for pauses) and the first-to-second treatment wait.
    national_days: int = 0
    first_to_second: waits.FirstToSecond | None = None

    @property
    def over_6_weeks(self) -> bool:
        return self.days_waited > waits.SIX_WEEKS

    @property
    def over_18_weeks(self) -> bool:
        return self.days_waited > waits.EIGHTEEN_WEEKS


def wait_row(referral: Referral, *, position: int, today: dt.date) -> WaitRow:
    pauses = _pauses(referral)
    end = referral.first_treatment_date or today
    return WaitRow(
        referral=referral,
        position=position,
        days_waited=waits.days_waited(received=referral.received_on, today=end, pauses=pauses),
        treat_by_6_weeks=waits.treat_by(
            received=referral.received_on, days=waits.SIX_WEEKS, pauses=pauses, today=today
        ),
        treat_by_18_weeks=waits.treat_by(
            received=referral.received_on, days=waits.EIGHTEEN_WEEKS, pauses=pauses, today=today
        ),
        paused=any(p.end is None for p in pauses),
        paused_days=waits.paused_days(waits.clipped(pauses, received=referral.received_on), until=end),
        stepped=referral.first_treatment_date is not None,
        national_days=waits.national_wait(
            received=referral.received_on, first_treatment=referral.first_treatment_date, today=today
        ),
        first_to_second=waits.first_to_second(
            first=referral.first_treatment_date, second=referral.second_treatment_date
        ),
    )


def waiting_list(
    *, user: User, team_id: int | None = None, step: str = "", today: dt.date | None = None
) -> dict[tuple[Team, str], list[WaitRow]]:
    """People accepted and waiting, grouped by team and step, in order of referral date.

    Position counts everyone waiting in the same team and step, whether or not a therapist is
    allocated; people stepped from one step to another keep their original referral date.
    """
    today = today or timezone.localdate()
    teams = referral_teams(user) | team_ids_with_permission(user, Permission.ALLOCATE)
    if team_id is not None:
        teams &= {team_id}
    qs = (
        Referral.objects.filter(team_id__in=teams, status__in=Referral.WAITING_STATUSES)
        .select_related("patient", "team", "allocated_to")
        .prefetch_related(
            _patients_with_risk(),
            _prefetch("pauses", WaitingPause.objects.order_by("start_date")),
        )
        .order_by("team__name", "step", "received_on", "id")
    )
    if step:
        qs = qs.filter(step=step)
    groups: dict[tuple[Team, str], list[WaitRow]] = defaultdict(list)
    for referral in qs:
        key = (referral.team, referral.step)
        groups[key].append(wait_row(referral, position=len(groups[key]) + 1, today=today))
    return dict(groups)


def referral_for_page(*, pk: int) -> Referral:
    """One referral with everything its page shows, in a fixed number of queries."""
    return (
        Referral.objects.select_related(
            "patient__team",
            "patient__allocated_clinician",
            "team",
            "allocated_to",
            "screened_by",
            "ended_by",
            "previous_referral",
            "error_marked_by",
        )
        .prefetch_related(
            _patients_with_risk(),
            _prefetch("pauses", WaitingPause.objects.select_related("recorded_by")),
            "decisions__decided_by",
            "problem_descriptors__recorded_by",
            "step_changes__changed_by",
            "allocations__therapist",
            "allocations__allocated_by",
            "onward_referrals__agency",
            "onward_referrals__made_by",
            "reopened_as",
        )
        .get(pk=pk)
    )


def current_problem(referral: Referral) -> ProblemDescriptorRecord | None:
    """The latest problem descriptor (uses the prefetched rows when present)."""
    rows = list(referral.problem_descriptors.all())
    return max(rows, key=lambda r: (r.recorded_at, r.pk)) if rows else None


def possible_matches(referral: Referral) -> QuerySet[Patient]:
    d = referral.submitted_details
    if not d.get("date_of_birth"):
        return Patient.objects.none()
    return possible_duplicates(
        nhs_number=d.get("nhs_number"),
        family_name=str(d.get("family_name", "")),
        given_name=str(d.get("given_name", "")),
        date_of_birth=dt.date.fromisoformat(str(d["date_of_birth"])),
    )


def rule_results(referral: Referral) -> list[RuleResult]:
    problem = current_problem(referral)
    codes = tuple(c for c in ((problem.primary, problem.secondary) if problem else ()) if c)
    age = referral.patient.age if referral.patient else None
    facts = Facts(
        problem_codes=codes,
        secondary_care=referral.secondary_care_involvement,
        acute_risk=referral.acute_risk_identified,
        text=f"{referral.presenting_difficulties}\n{referral.screening_notes}",
        age=age,
        urgent=referral.urgency == "urgent",
    )
    return evaluate(SuitabilityRule.objects.filter(active=True), facts)


@dataclass(frozen=True)
class TherapistRow:
    user: User
    roles: list[str]
    open_cases: int
    capacity: int | None
    qualifications: list[Qualification]

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.open_cases


def therapists_for_allocation(*, team: Team, step: str = "") -> list[TherapistRow]:
    """Clinicians in the team whose role matches ``step``, with their open caseload,
    capacity and qualifications."""
    memberships = Membership.objects.filter(team=team, active=True, role__in=ALLOCATABLE_ROLES)
    users = list(
        allocatable_users(team=team, step=step)
        .select_related("therapist_profile")
        .order_by("last_name", "first_name")
    )
    qualifications: dict[int, list[Qualification]] = defaultdict(list)
    for q in Qualification.objects.filter(user__in=users).order_by("level"):
        qualifications[q.user_id].append(q)
    counts = dict(
        Referral.objects.filter(allocated_to__in=users, status__in=(S.ALLOCATED, S.IN_TREATMENT, S.WAITING))
        .values_list("allocated_to")
        .annotate(n=Count("id"))
        .values_list("allocated_to", "n")
    )
    roles: dict[int, list[str]] = defaultdict(list)
    for user_id, role in memberships.values_list("user_id", "role"):
        roles[user_id].append(Role(role).label)
    rows = []
    for u in users:
        profile = getattr(u, "therapist_profile", None)
        rows.append(
            TherapistRow(
                user=u,
                roles=sorted(roles[u.pk]),
                open_cases=counts.get(u.pk, 0),
                capacity=profile.caseload_capacity if profile else None,
                qualifications=qualifications[u.pk],
            )
        )
    return rows


def step_role_filter(step: str) -> Q:
    """Who may hold a referral at ``step`` (a filter on a membership joined as ``memberships``):
    step 3 a high-intensity therapist, or a trainee one with a named supervisor; step 2 a PWP."""
    if step == Step.STEP_3:
        return Q(memberships__role=Role.HIGH_INTENSITY_THERAPIST) | Q(
            memberships__role=Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
            therapist_profile__supervisor__isnull=False,
        )
    if step == Step.STEP_2:
        return Q(memberships__role=Role.PWP)
    return Q(memberships__role__in=ALLOCATABLE_ROLES)


def allocatable_users(*, team: Team, step: str = "") -> QuerySet[User]:
    """Clinicians in ``team`` whose role matches the referral's ``step``."""
    return User.objects.filter(
        step_role_filter(step),
        is_active=True,
        memberships__team=team,
        memberships__active=True,
    ).distinct()


def search_agencies(*, query: str = "", category: str = "") -> QuerySet[Agency]:
    qs = Agency.objects.filter(active=True)
    if category:
        qs = qs.filter(category=category)
    for word in query.split()[:5]:
        qs = qs.filter(Q(name__icontains=word) | Q(description__icontains=word) | Q(category__icontains=word))
    return qs.order_by("name")


def referrals_for_patient(*, patient: Patient) -> list[Referral]:
    """A patient's referrals, newest first, for the summary on the patient's page."""
    return list(
        Referral.objects.filter(patient=patient)
        .select_related("team", "allocated_to")
        .order_by("-received_on", "-id")
    )
