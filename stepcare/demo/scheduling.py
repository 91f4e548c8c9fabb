"""Demo step: a year of diary for the demo service.

Working patterns (a part-timer, a 12:00–20:00 shift), leave and weekly admin time, site
opening hours, and for each referral in or after treatment an assessment and a weekly course
at one time of day, by a mix of face to face, telephone and video, with realistic attendance
(mostly attended; some late, missed and cancelled), a few couples sessions and an MBCT group.

Rows are written in bulk for speed; the step keeps the diary's rules itself (no clinician,
patient or room in two places at once), and on PostgreSQL the database checks them too.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from stepcare.accounts.models import Room, User
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral, SourceOfReferral
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    AppointmentSeries,
    Attendee,
    DnaPolicy,
    Group,
    GroupMember,
    OpeningHours,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.timeslots import local

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

DAY_HOURS = (9, 10, 11, 13, 14, 15, 16)
SHIFT_HOURS = (12, 13, 14, 15, 16, 18, 19)
Key = tuple[str, Any]  # ("c" clinician, "p" patient or "r" room, its id)
PAST_OUTCOMES = (("5", 80), ("6", 5), ("3", 8), ("7", 1), ("2", 4), ("4", 2))
PATIENT_REASONS = ("patient_unwell", "patient_commitments", "patient_other")
SERVICE_REASONS = ("clinician_unavailable", "room_unavailable")


class _Diary:
    """Who and what is busy when (hour-aligned starts), kept while the step books."""

    def __init__(self) -> None:
        self.busy: dict[Key, set[dt.datetime]] = defaultdict(set)

    def free(self, keys: list[Key], starts: list[dt.datetime], hours: int = 1) -> bool:
        return all(
            s + dt.timedelta(hours=h) not in self.busy[k] for k in keys for s in starts for h in range(hours)
        )

    def take(self, keys: list[Key], start: dt.datetime, hours: int = 1) -> None:
        for k in keys:
            for h in range(hours):
                self.busy[k].add(start + dt.timedelta(hours=h))


def build_diary(builder: DemoBuilder) -> None:
    rng = builder.rng
    today = timezone.localdate()
    service = builder.teams[0].service
    staff = builder.staff
    lead = staff.get("laura.bennett") or next(iter(staff.values()))
    DnaPolicy.objects.get_or_create(service=service)

    rooms_by_site: dict[int, list[Room]] = defaultdict(list)
    group_rooms: list[Room] = []
    for room in (
        Room.objects.filter(site__service=service).select_related("site").order_by("site__name", "name")
    ):
        (group_rooms if room.capacity > 4 else rooms_by_site[room.site_id]).append(room)
    sites = sorted(rooms_by_site)
    OpeningHours.objects.bulk_create(
        OpeningHours(site_id=site, weekday=d, opens=dt.time(8), closes=dt.time(20))
        for site in sites
        for d in range(5)
    )
    OpeningHours.objects.create(site_id=sites[-1], weekday=5, opens=dt.time(9), closes=dt.time(13))

    # Working patterns: a part-timer (Monday to Wednesday) and a late shift on Tuesdays and Thursdays.
    hours_of: dict[int, dict[int, tuple[int, ...]]] = {}
    patterns: list[WorkingHours] = []
    for username, user in staff.items():
        days: dict[int, tuple[int, ...]] = {d: DAY_HOURS for d in range(5)}
        if username == "jess.taylor":
            days = {d: DAY_HOURS for d in range(3)}
            patterns += [
                WorkingHours(clinician=user, weekday=d, starts=dt.time(9), ends=dt.time(17)) for d in range(3)
            ]
        elif username == "george.lloyd":
            for d in range(5):
                if d in (1, 3):
                    days[d] = SHIFT_HOURS
                    patterns.append(
                        WorkingHours(clinician=user, weekday=d, starts=dt.time(12), ends=dt.time(20))
                    )
                else:
                    patterns += [
                        WorkingHours(clinician=user, weekday=d, starts=dt.time(9), ends=dt.time(12, 30)),
                        WorkingHours(clinician=user, weekday=d, starts=dt.time(13), ends=dt.time(17)),
                    ]
        hours_of[user.pk] = days
    WorkingHours.objects.bulk_create(patterns)

    diary = _Diary()
    first_day, last_day = today - dt.timedelta(days=330), today + dt.timedelta(days=70)
    away: list[Unavailability] = []
    for user in staff.values():
        # Two weeks' leave in the summer and one in the winter; Friday 16:00 admin time.
        for start in (
            dt.date(today.year, 8, 4) + dt.timedelta(days=rng.randrange(0, 21)),
            dt.date(today.year, 2, 9) + dt.timedelta(days=rng.randrange(0, 21)),
        ):
            start -= dt.timedelta(days=start.weekday())
            weeks = 2 if start.month > 6 else 1
            end = start + dt.timedelta(weeks=weeks) - dt.timedelta(days=2)
            away.append(
                Unavailability(
                    clinician=user,
                    kind="leave",
                    starts_at=local(start, dt.time(0)),
                    ends_at=local(end, dt.time(23, 59)),
                    created_by=user,
                )
            )
            day = start
            while day <= end:
                for h in range(8, 20):
                    diary.take([("c", user.pk)], local(day, dt.time(h)))
                day += dt.timedelta(days=1)
        day = first_day + dt.timedelta(days=(4 - first_day.weekday()) % 7)
        while day <= last_day:
            if 16 in hours_of[user.pk].get(4, ()) and diary.free([("c", user.pk)], [local(day, dt.time(16))]):
                away.append(
                    Unavailability(
                        clinician=user,
                        kind="admin",
                        starts_at=local(day, dt.time(16)),
                        ends_at=local(day, dt.time(17)),
                        note="Notes and letters",
                        created_by=user,
                    )
                )
                diary.take([("c", user.pk)], local(day, dt.time(16)))
            day += dt.timedelta(weeks=1)
    Unavailability.objects.bulk_create(away)

    referrals = _referrals_for_diary(builder)
    clinicians_by_team = builder._clinicians_by_team()
    now = timezone.now()
    appointments: list[Appointment] = []
    people: list[tuple[int, list[User], list[tuple[Any, Referral]]]] = []  # index into appointments
    for referral in referrals:
        patient = referral.patient
        assert patient is not None
        team_clinicians = clinicians_by_team.get(referral.team_id) or [lead]
        clinician = referral.allocated_to or patient.allocated_clinician or rng.choice(team_clinicians)
        start_day = referral.first_treatment_date or today + dt.timedelta(days=rng.randrange(3, 35))
        start_day = max(start_day, first_day + dt.timedelta(days=7))
        sessions = rng.randrange(6, 15)
        if referral.discharge_date:
            sessions = max(2, min(sessions, (referral.discharge_date - start_day).days // 7))
        mode = rng.choices(["01", "02", "11"], weights=[45, 30, 25])[0]
        couple = mode != "01" and rng.random() < 0.02
        partner = None
        if couple:
            # The partner is someone with their own referral accepted for treatment, picked by
            # the seeded random source (not the database's random order) so that the same seed
            # gives the same couples.
            candidates = list(
                Patient.objects.filter(
                    team_id=referral.team_id,
                    referrals__status__in=[Referral.Status.ALLOCATED, Referral.Status.IN_TREATMENT],
                )
                .exclude(pk=patient.pk)
                .order_by("id")
                .values_list("id", flat=True)
                .distinct()
            )
            partner = Patient.objects.get(pk=rng.choice(candidates)) if candidates else None
        placed = _place_course(
            builder,
            diary,
            clinician,
            hours_of,
            start_day,
            sessions,
            mode,
            rooms_by_site,
            sites,
            patient,
            partner,
        )
        if placed is None:
            continue
        times, course_room = placed
        series = AppointmentSeries.objects.create(
            team_id=referral.team_id,
            interval_weeks=1,
            occurrences=len(times) - 1,
            local_time=times[1].time(),
            first_date=times[1].date(),
            created_by=clinician,
        )
        link = f"{settings.VIDEO_BASE_URL}{_token(rng)}" if mode == "11" else ""
        cast = [(patient, referral)] + ([(partner, _partner_referral(partner, referral))] if partner else [])
        for position, start in enumerate(times):
            appt = Appointment(
                team_id=referral.team_id,
                kind="couple" if partner else "individual",
                app_type="01" if position == 0 else "02",
                delivery_mode=mode,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                room=course_room,
                interpreter_needed=patient.interpreter_required,
                interpreter_language=patient.get_preferred_language_display()
                if patient.interpreter_required
                else "",
                video_link=link,
                series=series if position else None,
                series_position=position or None,
                created_by=clinician,
            )
            if start < now:
                code = rng.choices([c for c, _ in PAST_OUTCOMES], weights=[w for _, w in PAST_OUTCOMES])[0]
                if code in ("2", "4"):
                    appt.status, appt.cancelled_by = "cancelled", code
                    appt.cancellation_reason = rng.choice(PATIENT_REASONS if code == "2" else SERVICE_REASONS)
                    appt.cancelled_at = start - dt.timedelta(days=rng.randrange(1, 4))
                appt._demo_code = code  # type: ignore[attr-defined]
            appointments.append(appt)
            people.append((len(appointments) - 1, [clinician], cast))
    _group(builder, diary, group_rooms, clinicians_by_team, appointments, people, today)

    Appointment.objects.bulk_create(appointments, batch_size=500)
    rows, attendees = [], []
    for index, clinicians, cast in people:
        appt = appointments[index]
        live = appt.status == "booked"
        code = getattr(appt, "_demo_code", "")
        rows += [
            AppointmentClinician(
                appointment=appt, clinician=c, starts_at=appt.starts_at, ends_at=appt.ends_at, live=live
            )
            for c in clinicians
        ]
        for patient, referral in cast:
            member_code = (
                code
                if code and appt.kind != "group"
                else (rng.choices(["5", "3", "2"], weights=[85, 10, 5])[0] if appt.starts_at < now else "")
            )
            attendees.append(
                Attendee(
                    appointment=appt,
                    patient=patient,
                    referral=referral,
                    starts_at=appt.starts_at,
                    ends_at=appt.ends_at,
                    live=live and member_code not in ("2", "4"),
                    attendance=member_code
                    if appt.status == "booked" or member_code in ("2", "4")
                    else appt.cancelled_by,
                    attendance_recorded_at=appt.ends_at if member_code else None,
                    attendance_recorded_by=clinicians[0] if member_code else None,
                )
            )
    AppointmentClinician.objects.bulk_create(rows, batch_size=1000)
    Attendee.objects.bulk_create(attendees, batch_size=1000)


def _place_course(
    builder: DemoBuilder,
    diary: _Diary,
    clinician: User,
    hours_of: dict[int, dict[int, tuple[int, ...]]],
    start_day: dt.date,
    sessions: int,
    mode: str,
    rooms_by_site: dict[int, list[Room]],
    sites: list[int],
    patient: Patient,
    partner: Patient | None,
) -> tuple[list[dt.datetime], Room | None] | None:
    """An assessment, then ``sessions`` weekly treatment sessions at one time, all free."""
    rng = builder.rng
    days: dict[int, tuple[int, ...]] = hours_of.get(clinician.pk) or {d: DAY_HOURS for d in range(5)}
    site = sites[builder.teams.index(next(t for t in builder.teams if t.pk == patient.team_id)) % len(sites)]
    for _attempt in range(30):
        weekday = rng.choice(sorted(days))
        hour = rng.choice(days[weekday])
        first = start_day + dt.timedelta(days=(weekday - start_day.weekday()) % 7)
        assessment = first - dt.timedelta(days=7)
        dates = [assessment] + [first + dt.timedelta(weeks=w) for w in range(sessions)]
        times = [local(d, dt.time(hour)) for d in dates]
        keys = [("c", clinician.pk), ("p", patient.pk)] + ([("p", partner.pk)] if partner else [])
        if not diary.free(keys, times):
            continue
        room = None
        if mode == "01":
            room = next(
                (
                    r
                    for r in rng.sample(rooms_by_site[site], len(rooms_by_site[site]))
                    if diary.free([("r", r.pk)], times)
                ),
                None,
            )
            if room is None:
                continue
            for t in times:
                diary.take([("r", room.pk)], t)
        for t in times:
            diary.take(keys, t)
        return times, room
    return None


def _partner_referral(partner: Patient, referral: Referral) -> Referral:
    existing = (
        Referral.objects.filter(
            patient=partner, status__in=[Referral.Status.ALLOCATED, Referral.Status.IN_TREATMENT]
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    return Referral.objects.create(
        reference=f"SC-CPL-{partner.pk:04d}"[:12],
        team_id=partner.team_id,
        patient=partner,
        status=Referral.Status.ALLOCATED,
        step="3",
        source=SourceOfReferral.OTHER,
        received_on=referral.received_on,
    )


def _group(
    builder: DemoBuilder,
    diary: _Diary,
    group_rooms: list[Room],
    clinicians_by_team: dict[int, list[User]],
    appointments: list[Appointment],
    people: list[tuple[int, list[User], list[tuple[Any, Referral]]]],
    today: dt.date,
) -> None:
    """An 8-week MBCT group on Wednesday evenings that started three weeks ago."""
    if not group_rooms:
        return
    team = builder.teams[0]
    facilitators = clinicians_by_team[team.pk][:2]
    room = group_rooms[0]
    group = Group.objects.create(
        team=team,
        name="Mindfulness (MBCT) – Wednesday evenings",
        kind="mbct",
        capacity=10,
        room=room,
        delivery_mode="01",
        created_by=facilitators[0],
    )
    group.facilitators.set(facilitators)
    first = today - dt.timedelta(weeks=3) + dt.timedelta(days=(2 - today.weekday()) % 7)
    times = [local(first + dt.timedelta(weeks=w), dt.time(18)) for w in range(8)]
    # Members are people accepted for treatment whose assessment came before the group began.
    assessed_before: set[int] = set()
    for index, _clinicians, cast in people:
        appt = appointments[index]
        if appt.app_type == "01" and appt.starts_at < times[0] - dt.timedelta(days=1):
            assessed_before.update(r.pk for _p, r in cast)
    members = []
    for referral in (
        Referral.objects.filter(
            team=team,
            pk__in=assessed_before,
            status__in=[Referral.Status.ALLOCATED, Referral.Status.IN_TREATMENT],
        )
        .select_related("patient")
        .order_by("id")[:200]
    ):
        keys: list[Key] = [("p", referral.patient_id)]
        if diary.free(keys, times, hours=2):
            for t in times:
                diary.take(keys, t, hours=2)
            members.append((referral.patient, referral))
        if len(members) == 8:
            break
    GroupMember.objects.bulk_create(GroupMember(group=group, patient=p, referral=r) for p, r in members)
    # They joined the week before the first session.
    GroupMember.objects.filter(group=group).update(joined_at=times[0] - dt.timedelta(days=7))
    series = AppointmentSeries.objects.create(
        team=team,
        interval_weeks=1,
        occurrences=8,
        local_time=dt.time(18),
        first_date=first,
        created_by=facilitators[0],
    )
    for position, start in enumerate(times, 1):
        keys = [("c", f.pk) for f in facilitators] + [("r", room.pk)]
        if not diary.free(keys, [start], hours=2):
            continue
        diary.take(keys, start, hours=2)
        appointments.append(
            Appointment(
                team=team,
                kind="group",
                app_type="02",
                delivery_mode="01",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                room=room,
                series=series,
                series_position=position,
                group=group,
                created_by=facilitators[0],
            )
        )
        people.append((len(appointments) - 1, facilitators, members))


def _referrals_for_diary(builder: DemoBuilder) -> list[Referral]:
    """Referrals taken on for treatment (from the referrals step); without that step, one
    allocated referral for each patient who has a clinician."""
    wanted = [Referral.Status.ALLOCATED, Referral.Status.IN_TREATMENT, Referral.Status.ENDED]
    qs = Referral.objects.filter(patient__isnull=False, status__in=wanted).select_related(
        "patient", "allocated_to"
    )
    qs = qs.exclude(status=Referral.Status.ENDED, first_treatment_date__isnull=True)
    if not Referral.objects.exists():
        today = timezone.localdate()
        made = []
        for n, patient in enumerate(Patient.objects.filter(allocated_clinician__isnull=False).order_by("id")):
            received = today - dt.timedelta(days=builder.rng.randrange(20, 330))
            started = received + dt.timedelta(days=builder.rng.randrange(14, 40))
            made.append(
                Referral(
                    reference=f"SC-DMO-{n:04d}",
                    team_id=patient.team_id,
                    patient=patient,
                    allocated_to=patient.allocated_clinician,
                    source=SourceOfReferral.GP,
                    received_on=received,
                    status=Referral.Status.IN_TREATMENT if started <= today else Referral.Status.ALLOCATED,
                    first_treatment_date=started if started <= today else None,
                    last_treatment_date=started if started <= today else None,
                    treatment_contact_count=1 if started <= today else 0,
                    step="3",
                )
            )
        Referral.objects.bulk_create(made)
    return list(qs.order_by("id"))


def _token(rng: random.Random) -> str:
    """A video link's token (12 URL-safe characters), from the seeded random source: the demo's
    links are not secrets, and the same seed gives the same links."""
    return base64.urlsafe_b64encode(rng.randbytes(9)).decode()
