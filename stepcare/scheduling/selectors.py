"""Reads for the diary: day and week views (free slots: ``slots.py``), reminders due, calendar feeds.

Each function asks the database a fixed number of questions, however many appointments
there are, and does the interval arithmetic in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from stepcare.accounts.models import Membership, Room, User
from stepcare.accounts.permissions import Role
from stepcare.patients.models import Patient, RiskFlag, copy_banner_annotations
from stepcare.patients.selectors import patient_matches
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
    CalendarFeed,
    DnaPolicy,
    FollowUpTask,
    Group,
    GroupMember,
    Message,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.models.appointments import LONGEST_APPOINTMENT
from stepcare.scheduling.slots import (  # free-slot search lives beside timeslots.py
    PARTS_OF_DAY as PARTS_OF_DAY,
)
from stepcare.scheduling.slots import (
    Slot as Slot,
)
from stepcare.scheduling.slots import (
    _pattern_by_weekday,
    _working_on,
)
from stepcare.scheduling.slots import (
    free_slots as free_slots,
)
from stepcare.scheduling.slots import (
    site_open as site_open,
)
from stepcare.scheduling.timeslots import (
    Interval,
    day_bounds,
    local_date,
    overlaps,
    subtract,
)

CLINICAL_ROLES = (
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
    Role.EMPLOYMENT_ADVISER,
)
# Who and where


def clinicians_in_teams(team_ids: Iterable[int]) -> QuerySet[User]:
    """Active staff holding a clinical role in any of ``team_ids``."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__team_id__in=list(team_ids),
            memberships__active=True,
            memberships__role__in=[r.value for r in CLINICAL_ROLES],
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def team_ids_of(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user, active=True).values_list("team_id", flat=True))


def working_pattern(clinician: User) -> list[WorkingHours]:
    return list(WorkingHours.objects.filter(clinician=clinician).select_related("site"))


# Diary views


@dataclass
class DiaryEntry:
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str  # "appointment", "away" or "free"
    appointment: Appointment | None = None
    away: Unavailability | None = None

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class DiaryDay:
    day: dt.date
    entries: list[DiaryEntry] = field(default_factory=list)
    working: list[Interval] = field(default_factory=list)

    @property
    def appointments(self) -> list[DiaryEntry]:
        return [e for e in self.entries if e.kind == "appointment"]

    @property
    def free_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.kind == "free")


@dataclass
class ClinicianDiary:
    clinician: User
    days: list[DiaryDay]

    @property
    def booked_count(self) -> int:
        return sum(len(d.appointments) for d in self.days)


def _appointments_between(start: dt.datetime, end: dt.datetime) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        starts_at__gt=start - LONGEST_APPOINTMENT,
        starts_at__lt=end,
        ends_at__gt=start,
    ).for_display()


def _led_by(clinician_ids: list[int], start: dt.datetime, end: dt.datetime) -> Q:
    """Appointments with a live row for one of these clinicians in the window, bounded on the
    row's own copy of the start time so that the (clinician, starts_at) index serves it."""
    return Q(
        clinician_rows__clinician_id__in=clinician_ids,
        clinician_rows__live=True,
        clinician_rows__starts_at__gt=start - LONGEST_APPOINTMENT,
        clinician_rows__starts_at__lt=end,
    )


def clinician_diaries(
    *, clinicians: Sequence[User], first_day: dt.date, days: int = 7, min_free: int = 60
) -> list[ClinicianDiary]:
    """Each clinician's appointments, time away and free periods (of at least ``min_free``
    minutes inside their working pattern), day by day. Five queries in all (the cards' patients'
    risk-review dates, for "risk review overdue", come with the attendees)."""
    start, end = day_bounds(first_day, days)
    ids = [c.pk for c in clinicians]
    appointments = list(
        _appointments_between(start, end)
        .filter(_led_by(ids, start, end))
        .distinct()
        .order_by("starts_at", "id")
    )
    for appointment in appointments:  # risk-review values read with the attendees (for_display)
        for attendee in appointment.attendees.all():
            copy_banner_annotations(attendee, attendee.patient)
    away = list(
        Unavailability.objects.filter(
            clinician_id__in=ids, withdrawn_at__isnull=True, starts_at__lt=end, ends_at__gt=start
        ).order_by("starts_at")
    )
    patterns: dict[int, list[WorkingHours]] = defaultdict(list)
    for row in WorkingHours.objects.filter(clinician_id__in=ids):
        patterns[row.clinician_id].append(row)

    diaries = []
    for clinician in clinicians:
        pattern = _pattern_by_weekday(patterns[clinician.pk])
        mine = [
            a for a in appointments if any(r.clinician_id == clinician.pk for r in a.clinician_rows.all())
        ]
        my_away = [u for u in away if u.clinician_id == clinician.pk]
        out = []
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            d_start, d_end = day_bounds(day)
            entries = [
                DiaryEntry(a.starts_at, a.ends_at, "appointment", appointment=a)
                for a in mine
                if overlaps((a.starts_at, a.ends_at), (d_start, d_end))
            ]
            entries += [
                DiaryEntry(max(u.starts_at, d_start), min(u.ends_at, d_end), "away", away=u)
                for u in my_away
                if overlaps((u.starts_at, u.ends_at), (d_start, d_end))
            ]
            working = _working_on(pattern, day)
            busy = [(e.starts_at, e.ends_at) for e in entries]
            entries += [
                DiaryEntry(s, e, "free")
                for s, e in subtract(working, busy)
                if (e - s) >= dt.timedelta(minutes=min_free)
            ]
            entries.sort(key=lambda e: (e.starts_at, e.kind))
            out.append(DiaryDay(day=day, entries=entries, working=working))
        diaries.append(ClinicianDiary(clinician=clinician, days=out))
    return diaries


def room_diary(*, room: Room, first_day: dt.date, days: int = 7) -> list[DiaryDay]:
    start, end = day_bounds(first_day, days)
    appointments = list(_appointments_between(start, end).filter(room=room).order_by("starts_at", "id"))
    out = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        d_start, d_end = day_bounds(day)
        out.append(
            DiaryDay(
                day=day,
                entries=[
                    DiaryEntry(a.starts_at, a.ends_at, "appointment", appointment=a)
                    for a in appointments
                    if overlaps((a.starts_at, a.ends_at), (d_start, d_end))
                ],
            )
        )
    return out


def patient_appointments(*, patient: Patient) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(attendees__patient=patient)
        .for_display()
        .select_related("rebooked_from")
        .order_by("starts_at", "id")
        .distinct()
    )


def appointments_for_page() -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_display()
        .select_related("rebooked_from", "created_by", "team__service")
        .prefetch_related("rebookings", "follow_up_tasks")
    )


def with_banner_risk(appointment: Appointment) -> Appointment:
    """The appointment, its attendees' patients given the banner's risk values (one query)."""
    _with_banner_risk([a.patient for a in appointment.attendees.all()])
    return appointment


def _with_banner_risk(patients: list[Patient]) -> None:
    """Give the attendees' patients the banner's risk formulation and PHQ-9 item 9 values
    (one query), so every appointment page's banner shows them."""
    from stepcare.outcomes.selectors import item9_annotations
    from stepcare.patients.models import BANNER_ANNOTATIONS, risk_review_annotations

    if not patients:
        return
    rows = Patient.objects.filter(pk__in=[p.pk for p in patients]).annotate(
        **risk_review_annotations(), **item9_annotations()
    )
    found = {r["pk"]: r for r in rows.values("pk", *BANNER_ANNOTATIONS)}
    for patient in patients:
        for name in BANNER_ANNOTATIONS:
            setattr(patient, name, found.get(patient.pk, {}).get(name))


def appointment_for_page(*, pk: int) -> Appointment:
    return with_banner_risk(appointments_for_page().get(pk=pk))


def appointment_for_measures(*, pk: int) -> Appointment:
    """An appointment with its team and its attendees (patient and referral): what the outcome
    measures page of a contact needs, without the diary's rooms, clinicians and rebookings."""
    return (
        Appointment.objects.select_related("team")
        .prefetch_related(
            Prefetch(
                "attendees", queryset=Attendee.objects.select_related("patient", "referral").order_by("id")
            )
        )
        .get(pk=pk)
    )


def group_patients(group: Group) -> list[Patient]:
    """The patients a group is about: its current members."""
    return [m.patient for m in group.members.filter(left_at__isnull=True).select_related("patient")]


# Missed appointments


@dataclass(frozen=True)
class DnaSuggestion:
    missed: int
    kind: str  # a FollowUpTask.Kind value, or "" for no suggestion
    text: str
    source: str
    due_on: dt.date


def dna_policy_for(*, service_id: int) -> DnaPolicy:
    return DnaPolicy.objects.filter(service_id=service_id).first() or DnaPolicy(service_id=service_id)


def dna_suggestion(*, attendee: Attendee, service_id: int, today: dt.date | None = None) -> DnaSuggestion:
    """What the service's policy suggests after this patient missed an appointment.

    A suggestion for a person to accept or ignore: nothing happens automatically.
    """
    policy = dna_policy_for(service_id=service_id)
    missed = Attendee.objects.filter(referral_id=attendee.referral_id, attendance__in=Attendee.MISSED).count()
    today = today or timezone.localdate()
    due = today + dt.timedelta(days=policy.contact_within_days)
    if policy.review_for_discharge_after and missed >= policy.review_for_discharge_after:
        return DnaSuggestion(
            missed,
            FollowUpTask.Kind.DISCHARGE_REVIEW,
            f"{missed} missed appointments in this referral. The service's policy suggests reviewing "
            "whether to discharge — a clinical decision, after trying to contact the patient.",
            policy.source,
            due,
        )
    if policy.contact_after_each_dna:
        return DnaSuggestion(
            missed,
            FollowUpTask.Kind.CONTACT_AFTER_DNA,
            f"The service's policy suggests contacting the patient within {policy.contact_within_days} days "
            "to check they are safe and offer another appointment.",
            policy.source,
            due,
        )
    return DnaSuggestion(missed, "", "", policy.source, due)


# Reminders


REMINDER_LEAD = dt.timedelta(hours=24)


def due_reminders(
    *, now: dt.datetime | None = None, lead: dt.timedelta = REMINDER_LEAD
) -> QuerySet[Attendee]:
    """Patients whose booked appointment starts within ``lead`` and who have had no reminder."""
    now = now or timezone.now()
    already = Message.objects.filter(
        appointment_id=OuterRef("appointment_id"),
        patient_id=OuterRef("patient_id"),
        kind=Message.Kind.REMINDER,
        status=Message.Status.SENT,
    )
    return (
        Attendee.objects.filter(
            live=True,
            appointment__status=Appointment.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + lead,
            referral__status__in=Referral.OPEN_STATUSES,
            patient__date_of_death__isnull=True,
        )
        .filter(~Exists(already))
        .order_by("starts_at", "id")
    )


def messages_for_referral(*, referral_id: int) -> QuerySet[Message]:
    return Message.objects.filter(referral_id=referral_id).select_related("appointment")


def messages_for_patient(*, patient_id: int) -> QuerySet[Message]:
    """Texts and emails sent to a patient, newest first: what, when and how; never the body."""
    return (
        Message.objects.filter(patient_id=patient_id)
        .select_related("referral")
        .only(
            "sent_at",
            "channel",
            "kind",
            "status",
            "appointment_id",
            "referral__reference",
            "patient_id",
            "referral_id",
        )
        .order_by("-sent_at", "-id")
    )


# Groups


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
        .order_by("name")
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


# Working patterns and leave


def time_away(*, clinician: User, now: dt.datetime | None = None) -> QuerySet[Unavailability]:
    """Leave and other time away that has not yet ended, soonest first."""
    now = now or timezone.now()
    return Unavailability.objects.filter(
        clinician=clinician, withdrawn_at__isnull=True, ends_at__gt=now
    ).order_by("starts_at")


def booked_during(*, clinician: User, starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    return AppointmentClinician.objects.filter(
        clinician=clinician, live=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).count()


# Calendar feeds


def live_feed(*, token_hash: str) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.filter(token_hash=token_hash, revoked_at__isnull=True)
        .select_related("clinician")
        .first()
    )


def feed_appointments(
    *, clinician: User, now: dt.datetime | None = None, past_days: int = 30, future_days: int = 365
) -> list[Appointment]:
    """The clinician's appointments for a calendar app, cancelled ones included (so the
    calendar removes them)."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            clinician_rows__clinician=clinician,
            starts_at__gte=now - dt.timedelta(days=past_days),
            starts_at__lte=now + dt.timedelta(days=future_days),
        )
        .select_related("room__site")
        .prefetch_related("attendees__patient")
        .order_by("starts_at")
    )


def open_follow_up_tasks(*, user: User) -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.filter(assigned_to=user, status=FollowUpTask.Status.OPEN).select_related(
        "patient", "appointment"
    )


# My day


MY_DAY_LIMIT = 50


@dataclass
class MyDay:
    """A clinician's working day: sessions today and later this week, people allocated to
    them and not yet seen, and their other open referrals (each list bounded, with its count)."""

    today: list[Appointment]
    later_this_week: list[Appointment]
    not_seen: list[Referral]
    not_seen_count: int
    open_referrals: list[Referral]
    open_count: int

    @property
    def patient_ids(self) -> list[int]:
        ids: dict[int, None] = {}
        for a in (*self.today, *self.later_this_week):
            for attendee in a.attendees.all():
                ids[attendee.patient_id] = None
        for r in (*self.not_seen, *self.open_referrals):
            if r.patient_id is not None:
                ids[r.patient_id] = None
        return list(ids)


def _referrals_with_risk(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.select_related("patient", "team").prefetch_related(
        Prefetch(
            "patient__risk_flags",
            queryset=RiskFlag.objects.filter(cleared_at__isnull=True).only("id", "patient_id", "raised_at"),
            to_attr="active_risk_flags",
        )
    )


def my_day(*, user: User, today: dt.date | None = None) -> MyDay:
    """Eight queries, however full the week and the caseload."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    start, _ = day_bounds(today)
    _, week_end = day_bounds(monday, 7)
    appointments = list(
        _appointments_between(start, week_end)
        .filter(_led_by([user.pk], start, week_end))
        .distinct()
        .order_by("starts_at", "id")
    )
    mine = Referral.objects.open().filter(allocated_to=user)
    waiting = mine.filter(status=Referral.Status.ALLOCATED)
    others = mine.exclude(status=Referral.Status.ALLOCATED)
    return MyDay(
        today=[a for a in appointments if local_date(a.starts_at) == today],
        later_this_week=[a for a in appointments if local_date(a.starts_at) > today],
        not_seen=list(_referrals_with_risk(waiting).order_by("received_on", "id")[:MY_DAY_LIMIT]),
        not_seen_count=waiting.count(),
        open_referrals=list(_referrals_with_risk(others).order_by("received_on", "id")[:MY_DAY_LIMIT]),
        open_count=others.count(),
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
