"""What every diary change shares: the refusals, who takes part, the booking details, the
double-booking checks and the one place an appointment row is written.

No double booking: before writing, an action looks for a live appointment of the same
clinician, patient or room that overlaps, and refuses with a message naming it. Two people
booking the same slot at once cannot both pass that check: on SQLite each write transaction
takes the database's write lock when it begins (``transaction_mode=IMMEDIATE``), so the
second check runs after the first booking is committed; on PostgreSQL an exclusion
constraint refuses the second row and the action turns that into the same message.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q

from stepcare.accounts.models import Room, User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import (
    TREATMENT_TYPES,
    Appointment,
    AppointmentClinician,
    Attendee,
    Unavailability,
)
from stepcare.scheduling.slots import site_open
from stepcare.scheduling.timeslots import format_range

# A referral accepted for treatment (waiting, allocated or in treatment).
ACCEPTED_STATUSES = frozenset({"waiting", "allocated", "in_treatment"})


class BookingRefused(Exception):
    """The change cannot be made; the message says why, for the person at the desk."""


class SlotTaken(BookingRefused):
    """Someone or something needed is already booked at that time."""


@dataclass(frozen=True)
class Participant:
    """A patient taking part, under one of their referrals."""

    patient: Patient
    referral: Any  # referrals.Referral


@dataclass(frozen=True)
class BookingDetails:
    """What an appointment is, apart from when: the same for every week of a series and for
    a rebooking of a cancelled or missed appointment."""

    participants: tuple[Participant, ...]
    clinicians: tuple[User, ...]
    app_type: str
    delivery_mode: str
    duration: dt.timedelta = dt.timedelta(minutes=60)
    room: Room | None = None
    interpreter_needed: bool = False
    interpreter_language: str = ""
    video_link: str = ""

    @property
    def patients(self) -> list[Patient]:
        return [p.patient for p in self.participants]

    @classmethod
    def of(cls, appointment: Appointment, *, room: Room | None = None) -> BookingDetails:
        """The details of ``appointment`` (loaded ``for_display``), in ``room`` if given."""
        return cls(
            participants=tuple(Participant(a.patient, a.referral) for a in appointment.attendees.all()),
            clinicians=tuple(appointment.clinicians),
            app_type=appointment.app_type,
            delivery_mode=appointment.delivery_mode,
            duration=appointment.duration,
            room=room if room is not None else appointment.room,
            interpreter_needed=appointment.interpreter_needed,
            interpreter_language=appointment.interpreter_language,
            video_link=appointment.video_link,
        )


def individual_kind(details: BookingDetails) -> str:
    """One patient is a one-to-one appointment; two are a couple."""
    return Appointment.Kind.COUPLE if len(details.participants) == 2 else Appointment.Kind.INDIVIDUAL


# The names the database gives the exclusion constraints (see migration 0002).
OVERLAP_CONSTRAINTS = (
    "appointment_room_no_overlap",
    "appointment_clinician_no_overlap",
    "attendee_patient_no_overlap",
)


def _is_overlap(exc: IntegrityError) -> bool:
    return any(name in str(exc) for name in OVERLAP_CONSTRAINTS)


def _clashes(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    clinicians: Sequence[User],
    patients: Sequence[Patient],
    room: Room | None,
    ignore: Iterable[int] = (),
) -> list[str]:
    """Sentences naming each live booking that would overlap, for the person booking."""
    ignore_ids = list(ignore)
    problems: list[str] = []
    when = Q(starts_at__lt=ends_at, ends_at__gt=starts_at, live=True)
    for row in (
        AppointmentClinician.objects.filter(when, clinician__in=clinicians)
        .exclude(appointment_id__in=ignore_ids)
        .select_related("clinician")
    ):
        problems.append(
            f"{row.clinician} already has an appointment {format_range(row.starts_at, row.ends_at)}."
        )
    for attendee in (
        Attendee.objects.filter(when, patient__in=patients)
        .exclude(appointment_id__in=ignore_ids)
        .select_related("patient")
    ):
        problems.append(
            f"{attendee.patient.display_name} already has an appointment "
            f"{format_range(attendee.starts_at, attendee.ends_at)}."
        )
    if room is not None:
        for appt in Appointment.objects.filter(
            room=room, status=Appointment.Status.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exclude(pk__in=ignore_ids):
            problems.append(f"{room} is already booked {format_range(appt.starts_at, appt.ends_at)}.")
    for away in Unavailability.objects.filter(
        clinician__in=clinicians, withdrawn_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("clinician"):
        problems.append(
            f"{away.clinician} is away then ({away.get_kind_display().lower()}, "
            f"{format_range(away.starts_at, away.ends_at)})."
        )
    return problems


def _check_room(*, room: Room | None, starts_at: dt.datetime, ends_at: dt.datetime, people: int) -> None:
    if room is None:
        return
    if room.capacity < people:
        raise BookingRefused(
            f"{room} holds {room.capacity} people; this appointment needs room for {people}. "
            "Choose a bigger room."
        )
    if not site_open(site_id=room.site_id, starts_at=starts_at, ends_at=ends_at):
        raise BookingRefused(f"{room.site} is closed at that time. Check the site's opening hours.")


def _check_participants(participants: Sequence[Participant], *, app_type: str) -> None:
    """Nothing is booked for a person who has died or on a referral that is not open, and
    treatment only on a referral accepted at step 2 or 3."""
    referrals = Referral.objects.in_bulk([p.referral.pk for p in participants])
    for p in participants:
        referral = referrals[p.referral.pk]
        name = p.patient.display_name
        if Patient.objects.filter(pk=p.patient.pk, date_of_death__isnull=False).exists():
            raise BookingRefused(f"{name} has died: nothing can be booked for them.")
        if referral.patient_id != p.patient.pk:
            raise BookingRefused(f"Referral {referral.reference} is not {name}'s referral.")
        if not referral.is_open:
            raise BookingRefused(
                f"{name}'s referral {referral.reference} is {referral.get_status_display().lower()}: "
                "nothing can be booked on it. Re-open it as a new referral first."
            )
        if app_type in TREATMENT_TYPES and (
            referral.status not in ACCEPTED_STATUSES or referral.step not in ("2", "3")
        ):
            raise BookingRefused(
                f"{name}'s referral {referral.reference} has not been accepted for treatment yet "
                f"({referral.get_status_display().lower()}). Book an assessment, or accept the "
                "referral at step 2 or 3 first."
            )


def _video_link(mode: str, link: str) -> str:
    if mode != Appointment.DeliveryMode.VIDEO or link:
        return link
    base = settings.VIDEO_BASE_URL
    return f"{base}{secrets.token_urlsafe(12)}"


def _audit(
    *,
    by: User | None,
    appointment: Appointment,
    patients: Iterable[Patient],
    detail: dict[str, Any],
    action: str = AuditEvent.Action.UPDATE,
) -> None:
    for patient in patients:
        record(by=by, action=action, patient=patient, obj=appointment, detail=detail)
