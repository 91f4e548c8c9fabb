"""Reads of referrals for the inbox, waiting list, allocation and referral pages. No N+1:
each page's query count is pinned by a test."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from stepcare.accounts.models import Membership, Team, User
from stepcare.accounts.permissions import Permission, Role, team_ids_with_permission
from stepcare.patients.models import Patient, RiskFlag, banner_annotations, copy_banner_annotations
from stepcare.patients.selectors import possible_duplicates
from stepcare.referrals import waits
from stepcare.referrals.models import (
    Agency,
    Allocation,
    OnwardReferral,
    ProblemDescriptorRecord,
    Qualification,
    Referral,
    Step,
    StepChange,
    SuitabilityDecision,
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


PAGE_SIZE = 25  # the inbox's and the waiting list's rows a page, as every other list pages


@dataclass(frozen=True)
class ListFilters:
    """What a referral list is narrowed to. Empty values mean "all"."""

    team_id: int | None = None
    step: str = ""
    clinician_ids: tuple[int, ...] = ()  # screened by (the inbox) or allocated to (waiting) any of these
    source: str = ""
    urgency: str = ""
    screened: str = ""  # "yes", "no" or ""
    breach: str = ""  # "6", "18" or "": waiting longer than 6 or 18 weeks since referral


def _filtered(qs: QuerySet[Referral], f: ListFilters, *, clinician_field: str, today: dt.date) -> Any:
    if f.team_id is not None:
        qs = qs.filter(team_id=f.team_id)
    if f.step:
        qs = qs.filter(step=f.step)
    if f.clinician_ids:
        qs = qs.filter(**{f"{clinician_field}_id__in": f.clinician_ids})
    if f.source:
        qs = qs.filter(source=f.source)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.screened == "yes":
        qs = qs.filter(screened_at__isnull=False)
    elif f.screened == "no":
        qs = qs.filter(screened_at__isnull=True)
    if f.breach:
        # The national measure: days since referral, not adjusted for pauses (DOMAIN.md §3).
        days = waits.SIX_WEEKS if f.breach == "6" else waits.EIGHTEEN_WEEKS
        qs = qs.filter(received_on__lt=today - dt.timedelta(days=days), first_treatment_date__isnull=True)
    return qs


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its rows, and counts and page numbers computed by the database."""

    rows: list[Any]
    page: Page[Referral]

    @property
    def patient_ids(self) -> list[int]:
        return list(dict.fromkeys(r.referral.patient_id for r in self.rows if r.referral.patient_id))


def _page(qs: QuerySet[Referral], number: str | int | None) -> Page[Referral]:
    # Oldest first, served by the referral_oldest_first index; the id breaks ties.
    return Paginator(qs.order_by("received_on", "id"), PAGE_SIZE).get_page(number)


def inbox(
    *,
    user: User,
    filters: ListFilters | None = None,
    page: str | int | None = 1,
    today: dt.date | None = None,
) -> ListPage:
    """New and screened referrals in the user's teams, oldest first, a page at a time."""
    today = today or timezone.localdate()
    qs = Referral.objects.filter(team_id__in=referral_teams(user), status__in=Referral.INBOX_STATUSES)
    qs = _filtered(qs, filters or ListFilters(), clinician_field="screened_by", today=today)
    one_page = _page(qs.select_related("patient", "team").prefetch_related(_patients_with_risk()), page)
    rows = [InboxRow(r, (today - r.received_on).days) for r in one_page.object_list]
    return ListPage(rows=rows, page=one_page)


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
    # Treatment began but no second session yet: the days since the first, still counting.
    waiting_for_second: waits.FirstToSecond | None = None

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
        waiting_for_second=waits.waiting_for_second(
            first=referral.first_treatment_date, second=referral.second_treatment_date, today=today
        ),
    )


def waiting_list_teams(user: User) -> set[int]:
    return referral_teams(user) | team_ids_with_permission(user, Permission.ALLOCATE)


def waiting_list(
    *,
    user: User,
    filters: ListFilters | None = None,
    page: str | int | None = 1,
    today: dt.date | None = None,
) -> ListPage:
    """People accepted and waiting, oldest referral first, a page at a time.

    Position counts everyone waiting in the same team and step, whether or not a therapist is
    allocated and whatever the filters; people stepped from one step to another keep their
    original referral date. The database counts it, row by row, for the page shown.
    """
    today = today or timezone.localdate()
    ahead = (
        Referral.objects.filter(
            team_id=OuterRef("team_id"), step=OuterRef("step"), status__in=Referral.WAITING_STATUSES
        )
        .filter(
            Q(received_on__lt=OuterRef("received_on"))
            | Q(received_on=OuterRef("received_on"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("team_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = Referral.objects.filter(team_id__in=waiting_list_teams(user), status__in=Referral.WAITING_STATUSES)
    qs = _filtered(qs, filters or ListFilters(), clinician_field="allocated_to", today=today)
    qs = (
        qs.select_related("patient", "team", "allocated_to")
        .prefetch_related(
            _patients_with_risk(),
            _prefetch("pauses", WaitingPause.objects.order_by("start_date")),
        )
        .annotate(position=Subquery(ahead))
    )
    one_page = _page(qs, page)
    rows = [wait_row(r, position=r.position, today=today) for r in one_page.object_list]
    return ListPage(rows=rows, page=one_page)


def list_clinicians(*, team_ids: set[int]) -> QuerySet[User]:
    """Clinicians in these teams, for a list's clinician filter."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__team_id__in=team_ids,
            memberships__active=True,
            memberships__role__in=(*ALLOCATABLE_ROLES, Role.CLINICAL_SUPERVISOR),
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def referral_for_page(*, pk: int) -> Referral:
    """One referral with everything its page shows, in a fixed number of queries."""
    return ready_for_page(referrals_for_page().get(pk=pk))


# The histories the referral page shows, each with the people in it joined in: one query a
# history, not two or three.
HISTORIES: dict[str, QuerySet[Any]] = {
    "pauses": WaitingPause.objects.select_related("recorded_by"),
    "decisions": SuitabilityDecision.objects.select_related("decided_by"),
    "problem_descriptors": ProblemDescriptorRecord.objects.select_related("recorded_by"),
    "step_changes": StepChange.objects.select_related("changed_by"),
    "allocations": Allocation.objects.select_related("therapist", "allocated_by"),
    "onward_referrals": OnwardReferral.objects.select_related("agency", "made_by"),
}


def referrals_for_page(histories: Iterable[str] | None = None) -> QuerySet[Referral]:
    """Referrals with everything the referral page shows (finish each with ``ready_for_page``);
    ``histories`` names the histories read with it (all of them by default: a page making one
    move on the referral reads only those it shows).

    The patient's current risk concerns are read in the same query as the referral (the
    banner shows whether there are any and when the latest was raised), and so is the rest of the
    banner (risk formulation, review date and overdue, PHQ-9 item 9), copied onto
    ``referral.patient``. An open referral, which cannot have been re-opened as another, does not
    look for one."""
    latest_risk = (
        RiskFlag.objects.filter(patient_id=OuterRef("patient_id"), cleared_at__isnull=True)
        .order_by("-raised_at", "-id")
        .values("raised_at")[:1]
    )
    wanted = HISTORIES if histories is None else histories
    return (
        Referral.objects.annotate(**banner_annotations("patient_id"))
        # The people named on the page (screened, allocated, ended, marked in error) are read
        # together by ``ready_for_page``: joined here, ten tables took PostgreSQL longer to
        # plan (about 10 ms) than the whole page's queries took to run.
        .select_related("patient__team", "patient__allocated_clinician", "team", "previous_referral")
        .annotate(latest_risk_raised_at=Subquery(latest_risk))
        .prefetch_related(*(_prefetch(name, HISTORIES[name]) for name in wanted))
    )


def ready_for_page(referral: Referral) -> Referral:
    """Give a referral from ``referrals_for_page`` its banner values and, when ended, the
    referral it was re-opened as."""
    if referral.patient is not None:
        raised_at = referral.latest_risk_raised_at  # type: ignore[attr-defined]
        # What the banner reads: whether there are concerns, and the latest one's date.
        referral.patient.active_risk_flags = (  # type: ignore[attr-defined]
            [RiskFlag(patient=referral.patient, raised_at=raised_at)] if raised_at is not None else []
        )
    people = ("allocated_to", "screened_by", "ended_by", "error_marked_by")
    ids = {getattr(referral, f"{name}_id") for name in people} - {None}
    found = User.objects.in_bulk(ids) if ids else {}
    for name in people:
        setattr(referral, name, found.get(getattr(referral, f"{name}_id")))
    reopened = (
        Referral.objects.none() if referral.status in Referral.OPEN_STATUSES else Referral.objects.all()
    )
    prefetch_related_objects([referral], Prefetch("reopened_as", queryset=reopened))
    copy_banner_annotations(referral, referral.patient)
    return referral


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
    # Each clinician's open caseload is counted beside them (a subquery), not in a query of its own.
    open_cases = (
        Referral.objects.filter(
            allocated_to=OuterRef("pk"), status__in=(S.ALLOCATED, S.IN_TREATMENT, S.WAITING)
        )
        .order_by()
        .values("allocated_to")
        .annotate(n=Count("id"))
        .values("n")
    )
    users = list(
        allocatable_users(team=team, step=step)
        .select_related("therapist_profile")
        .annotate(open_cases=Coalesce(Subquery(open_cases), 0))
        .order_by("last_name", "first_name")
    )
    qualifications: dict[int, list[Qualification]] = defaultdict(list)
    for q in Qualification.objects.filter(user__in=users).order_by("level"):
        qualifications[q.user_id].append(q)
    counts = {u.pk: u.open_cases for u in users}
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
