"""Reads for the diary: free slots, day and week views, reminders due, calendar feeds.

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

from stepcare.accounts.models import Membership, Room, Site, User
from stepcare.accounts.permissions import Role
from stepcare.patients.models import Patient, RiskFlag
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
    OpeningHours,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.models.availability import (
    DEFAULT_OPENING,
    DEFAULT_WORKING_DAY,
    DEFAULT_WORKING_WEEKDAYS,
)
from stepcare.scheduling.timeslots import (
    LONDON,
    Interval,
    day_bounds,
    intersect,
    local,
    local_date,
    overlaps,
    series_dates,
    starts_within,
    subtract,
)

CLINICAL_ROLES = (
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
    Role.EMPLOYMENT_ADVISER,
)
PARTS_OF_DAY: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(17, 0)),
    "evening": (dt.time(17, 0), dt.time(23, 59)),
}
SLOT_STEP = dt.timedelta(minutes=30)


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


def _pattern_by_weekday(rows: Iterable[WorkingHours]) -> dict[int, list[tuple[dt.time, dt.time]]]:
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    found = False
    for row in rows:
        found = True
        by_day[row.weekday].append((row.starts, row.ends))
    if not found:
        for weekday in DEFAULT_WORKING_WEEKDAYS:
            by_day[weekday] = list(DEFAULT_WORKING_DAY)
    return by_day


def _working_on(pattern: dict[int, list[tuple[dt.time, dt.time]]], day: dt.date) -> list[Interval]:
    return [(local(day, s), local(day, e)) for s, e in pattern.get(day.weekday(), [])]


def _opening_by_weekday(rows: Iterable[OpeningHours]) -> dict[int, list[tuple[dt.time, dt.time]]]:
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    found = False
    for row in rows:
        found = True
        by_day[row.weekday].append((row.opens, row.closes))
    if not found:
        for weekday in range(5):
            by_day[weekday] = [DEFAULT_OPENING]
    return by_day


def site_open(*, site_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Is the site open for the whole of this time?"""
    opening = _opening_by_weekday(OpeningHours.objects.filter(site_id=site_id))
    day = local_date(starts_at)
    return any(
        local(day, opens) <= starts_at and ends_at <= local(day, closes)
        for opens, closes in opening.get(day.weekday(), [])
    )


# Free slots


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: Room | None = None
    occurrences: tuple[dt.datetime, ...] = ()

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(LONDON)


def _by_day(intervals: Iterable[Interval]) -> dict[dt.date, list[Interval]]:
    out: dict[dt.date, list[Interval]] = defaultdict(list)
    for start, end in intervals:
        day = local_date(start)
        while True:
            out[day].append((start, end))
            day += dt.timedelta(days=1)
            if local(day, dt.time.min) >= end:
                break
    return out


def _clear(interval: Interval, busy: dict[dt.date, list[Interval]]) -> bool:
    return not any(overlaps(interval, b) for b in busy.get(local_date(interval[0]), []))


def free_slots(
    *,
    clinician: User,
    from_day: dt.date,
    days: int = 14,
    duration: dt.timedelta = dt.timedelta(minutes=60),
    patients: Sequence[Patient] = (),
    site: Site | None = None,
    people: int = 2,
    weekdays: Iterable[int] | None = None,
    parts_of_day: Iterable[str] | None = None,
    interval_weeks: int = 1,
    occurrences: int = 1,
    skip: Iterable[dt.date] = (),
    limit: int = 24,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Times when the clinician works and is free, the patient(s) are free and (when
    ``site`` is given) a big-enough room there is free and the site open. For a series,
    every occurrence must fit, in the same room."""
    now = now or timezone.now()
    skip = list(skip)
    wanted_days = set(weekdays) if weekdays else None
    wanted_parts = [PARTS_OF_DAY[p] for p in parts_of_day or () if p in PARTS_OF_DAY]
    last_day = from_day + dt.timedelta(days=days + 7 * interval_weeks * (occurrences + len(skip)))
    range_start, range_end = day_bounds(from_day, (last_day - from_day).days + 1)

    pattern = _pattern_by_weekday(WorkingHours.objects.filter(clinician=clinician))
    busy = _by_day(
        list(
            AppointmentClinician.objects.filter(
                clinician=clinician, live=True, starts_at__lt=range_end, ends_at__gt=range_start
            ).values_list("starts_at", "ends_at")
        )
        + list(
            Unavailability.objects.filter(
                clinician=clinician,
                withdrawn_at__isnull=True,
                starts_at__lt=range_end,
                ends_at__gt=range_start,
            ).values_list("starts_at", "ends_at")
        )
        + list(
            Attendee.objects.filter(
                patient__in=list(patients), live=True, starts_at__lt=range_end, ends_at__gt=range_start
            ).values_list("starts_at", "ends_at")
            if patients
            else []
        )
    )
    rooms: list[Room] = []
    room_busy: dict[int, dict[dt.date, list[Interval]]] = {}
    opening: dict[int, list[tuple[dt.time, dt.time]]] = {}
    if site is not None:
        rooms = list(
            Room.objects.filter(site=site, capacity__gte=people).select_related("site").order_by("name")
        )
        per_room: dict[int, list[Interval]] = defaultdict(list)
        for room_id, start, end in Appointment.objects.filter(
            room__in=rooms, status=Appointment.Status.BOOKED, starts_at__lt=range_end, ends_at__gt=range_start
        ).values_list("room_id", "starts_at", "ends_at"):
            per_room[room_id].append((start, end))
        room_busy = {room.pk: _by_day(per_room[room.pk]) for room in rooms}
        opening = _opening_by_weekday(OpeningHours.objects.filter(site=site))
        if not rooms:
            return []

    def fits_person(start: dt.datetime) -> bool:
        end = start + duration
        day = local_date(start)
        working = _working_on(pattern, day)
        if not any(ws <= start and end <= we for ws, we in working):
            return False
        return _clear((start, end), busy)

    def room_for(times: Sequence[dt.datetime]) -> Room | None:
        for room in rooms:
            ok = True
            for start in times:
                end = start + duration
                day = local_date(start)
                is_open = any(
                    local(day, o) <= start and end <= local(day, c) for o, c in opening.get(day.weekday(), [])
                )
                if not is_open or not _clear((start, end), room_busy[room.pk]):
                    ok = False
                    break
            if ok:
                return room
        return None

    slots: list[Slot] = []
    for offset in range(days):
        day = from_day + dt.timedelta(days=offset)
        if wanted_days is not None and day.weekday() not in wanted_days:
            continue
        free = subtract(_working_on(pattern, day), busy.get(day, []))
        if wanted_parts:
            free = intersect(free, [(local(day, s), local(day, e)) for s, e in wanted_parts])
        for start in starts_within(free, duration=duration, step=SLOT_STEP):
            if start <= now:
                continue
            local_time = start.astimezone(LONDON).time()
            times = [
                local(d, local_time)
                for d in series_dates(day, interval_weeks=interval_weeks, occurrences=occurrences, skip=skip)
            ]
            if not all(fits_person(t) for t in times[1:]):
                continue
            room = None
            if site is not None:
                room = room_for(times)
                if room is None:
                    continue
            slots.append(Slot(start, start + duration, room, tuple(times)))
            if len(slots) >= limit:
                return slots
    return slots


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
        status=Appointment.Status.BOOKED, starts_at__lt=end, ends_at__gt=start
    ).for_display()


def clinician_diaries(
    *, clinicians: Sequence[User], first_day: dt.date, days: int = 7, min_free: int = 60
) -> list[ClinicianDiary]:
    """Each clinician's appointments, time away and free periods (of at least ``min_free``
    minutes inside their working pattern), day by day. Six queries in all (one gives the cards
    their patients' risk-review dates, for "risk review overdue")."""
    start, end = day_bounds(first_day, days)
    ids = [c.pk for c in clinicians]
    appointments = list(
        _appointments_between(start, end)
        .filter(clinician_rows__clinician_id__in=ids, clinician_rows__live=True)
        .distinct()
        .order_by("starts_at", "id")
    )
    _with_banner_risk([att.patient for a in appointments for att in a.attendees.all()])
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


def appointment_for_page(*, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.for_display()
        .select_related("rebooked_from", "created_by", "team__service")
        .prefetch_related("rebookings", "follow_up_tasks")
        .get(pk=pk)
    )
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
        .filter(clinician_rows__clinician_id=user.pk, clinician_rows__live=True)
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
