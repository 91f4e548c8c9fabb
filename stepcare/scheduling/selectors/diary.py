"""Day and week views of clinicians' and rooms' diaries, and a clinician's day (ADR 0003:
each a fixed number of queries, the interval arithmetic in Python)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from stepcare.accounts.models import Room, User
from stepcare.patients.models import RiskFlag, card_annotations, copy_banner_annotations
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.models.appointments import CARD_ATTENDEE_FIELDS, LONGEST_APPOINTMENT
from stepcare.scheduling.slots import (
    _pattern_by_weekday,
    _working_on,
)
from stepcare.scheduling.timeslots import (
    Interval,
    day_bounds,
    local_date,
    overlaps,
    subtract,
)


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


def _booked_between(start: dt.datetime, end: dt.datetime) -> QuerySet[Appointment]:
    """Booked appointments overlapping the window, for the cards (the room's diary)."""
    return Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        starts_at__gt=start - LONGEST_APPOINTMENT,
        starts_at__lt=end,
        ends_at__gt=start,
    ).for_display(cards=True)


def _cards(appointments: QuerySet[Appointment]) -> list[Appointment]:
    """The diary cards' appointments (``for_display(cards=True)``), each given the ids of its
    clinicians (``card_clinician_ids``) and its attendees (``card_attendees``), each attendee's
    patient with the risk-review date and whether risk concerns are recorded: three queries,
    read as rows and attached by hand."""
    found = list(appointments)
    ids = [a.pk for a in found]
    clinicians: dict[int, list[int]] = defaultdict(list)
    for appointment_id, clinician_id in AppointmentClinician.objects.filter(
        appointment_id__in=ids
    ).values_list("appointment_id", "clinician_id"):
        clinicians[appointment_id].append(clinician_id)
    open_flags = RiskFlag.objects.filter(patient_id=OuterRef("patient_id"), cleared_at__isnull=True)
    attendees: dict[int, list[Attendee]] = defaultdict(list)
    for attendee in (
        Attendee.objects.filter(appointment_id__in=ids)
        .select_related("patient")
        .only(*CARD_ATTENDEE_FIELDS)
        .annotate(**card_annotations("patient_id"), risk_concerns=Exists(open_flags))
        .order_by("id")
    ):
        copy_banner_annotations(attendee, attendee.patient)
        attendee.patient.risk_concerns = attendee.risk_concerns  # type: ignore[attr-defined]
        attendees[attendee.appointment_id].append(attendee)
    for appointment in found:
        appointment.card_clinician_ids = clinicians[appointment.pk]  # type: ignore[attr-defined]
        appointment.card_attendees = attendees[appointment.pk]  # type: ignore[attr-defined]
    return found


def _led_by(clinician_ids: list[int], start: dt.datetime, end: dt.datetime) -> QuerySet[Appointment]:
    """Booked appointments with a live row for one of these clinicians in the window, for the
    cards. The rows are found on their own copy of the times by the (clinician, starts_at)
    index, then their appointments by key (a semi-join, so no DISTINCT): the rows read grow
    with the cards shown, not with the whole service's week, as a range on the appointments'
    own times led PostgreSQL to scan (5 ms against 1 ms for a team week at the large demo).
    The copies are kept with the appointment's times by every booking and move, and are what
    the database refuses double bookings on."""
    rows = AppointmentClinician.objects.filter(
        clinician_id__in=clinician_ids,
        live=True,
        starts_at__gt=start - LONGEST_APPOINTMENT,
        starts_at__lt=end,
        ends_at__gt=start,
    ).values("appointment_id")
    return Appointment.objects.filter(
        status=Appointment.Status.BOOKED, ends_at__gt=start, pk__in=rows
    ).for_display(cards=True)


def clinician_diaries(
    *, clinicians: Sequence[User], first_day: dt.date, days: int = 7, min_free: int = 60
) -> list[ClinicianDiary]:
    """Each clinician's appointments, time away and free periods (of at least ``min_free``
    minutes inside their working pattern), day by day. Five queries in all (the cards' patients'
    risk-review dates, for "risk review overdue", come with the attendees)."""
    start, end = day_bounds(first_day, days)
    ids = [c.pk for c in clinicians]
    appointments = _cards(_led_by(ids, start, end).order_by("starts_at", "id"))
    led: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        for clinician_id in set(appointment.card_clinician_ids):  # type: ignore[attr-defined]
            led[clinician_id].append(appointment)
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
        mine = led[clinician.pk]
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
    appointments = _cards(_booked_between(start, end).filter(room=room).order_by("starts_at", "id"))
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


MY_DAY_LIMIT = 20  # rows in each of my day's referral lists: the longest waiting, with the count


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
            for attendee in a.card_attendees:  # type: ignore[attr-defined]
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
    appointments = _cards(_led_by([user.pk], start, week_end).order_by("starts_at", "id"))
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
