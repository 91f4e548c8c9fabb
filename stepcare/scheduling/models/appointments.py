"""Appointments, who is in them, and the weekly series they come from.

An appointment is never deleted: a cancelled one stays, with who cancelled it and why.
Times are stored in UTC and shown in Europe/London. Each clinician, patient and room taking
part has its own row carrying the appointment's times and a ``live`` flag, so that the
database can refuse two overlapping live rows for the same person or room (an exclusion
constraint on PostgreSQL; a locked check on SQLite).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models

from stepcare.patients.models import RiskFlag, banner_annotations

DEFAULT_DURATION = dt.timedelta(minutes=60)


class LengthLimits:
    """The shortest and longest an appointment may last, in minutes."""

    def __init__(self, shortest_minutes: int, longest_minutes: int) -> None:
        self.shortest_minutes, self.longest_minutes = shortest_minutes, longest_minutes

    @property
    def shortest(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.shortest_minutes)

    @property
    def longest(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.longest_minutes)

    def allows(self, duration: dt.timedelta) -> bool:
        return self.shortest <= duration <= self.longest

    def within(self, outer: LengthLimits) -> bool:
        return (
            outer.shortest_minutes <= self.shortest_minutes <= self.longest_minutes <= outer.longest_minutes
        )


# What the diary accepts for any appointment (the booking actions refuse anything else).
APPOINTMENT_LENGTH = LengthLimits(5, 240)
# What the forms offer, inside it: a one-to-one or couples booking, and a group's sessions.
BOOKING_LENGTH = LengthLimits(15, 180)
GROUP_SESSION_LENGTH = LengthLimits(30, APPOINTMENT_LENGTH.longest_minutes)
assert BOOKING_LENGTH.within(APPOINTMENT_LENGTH) and GROUP_SESSION_LENGTH.within(APPOINTMENT_LENGTH)
# No appointment lasts longer than this, so one that overlaps a window starts at most this long
# before the window. Diary queries use it as a lower bound on the start so the (..., starts_at)
# indexes read only the window's rows, however many years of appointments lie before it.
LONGEST_APPOINTMENT = APPOINTMENT_LENGTH.longest


class AttendOrDNA(models.TextChoices):
    """National attendance codes (NHS data dictionary ATTENDED OR DID NOT ATTEND)."""

    ATTENDED_ON_TIME = "5", "Attended on time, or before the clinician was ready"
    ARRIVED_LATE_SEEN = "6", "Arrived late, but was seen"
    ARRIVED_LATE_NOT_SEEN = "7", "Arrived late, could not be seen"
    CANCELLED_BY_PATIENT = "2", "Cancelled by, or on behalf of, the patient"
    DID_NOT_ATTEND = "3", "Did not attend, no advance warning"
    CANCELLED_BY_PROVIDER = "4", "Cancelled or postponed by the service"


class DeliveryMode(models.TextChoices):
    """How the appointment is held (ConsMechanism, IDS201).

    01 and 02 are confirmed; the remote codes follow the Mental Health Services Data Set
    list that the Talking Therapies dataset shares (DOMAIN.md §4: labels UNVERIFIED).
    """

    FACE_TO_FACE = "01", "Face to face"
    TELEPHONE = "02", "Telephone"
    VIDEO = "11", "Video"
    TEXT_OR_WEB = "10", "Text or web-based (instant messaging)"
    EMAIL = "05", "Email"


class AppType(models.TextChoices):
    """National appointment type (AppType, NHS Talking Therapies dataset IDS201).

    The labels of 05 and 06 are not yet checked against the technical output
    specification (DOMAIN.md §3); the code values are the ones the national KPIs use.
    """

    ASSESSMENT = "01", "Assessment"
    TREATMENT = "02", "Treatment"
    ASSESSMENT_AND_TREATMENT = "03", "Assessment and treatment"
    REVIEW_AND_TREATMENT = "05", "Review and treatment"
    FOLLOW_UP = "06", "Follow-up"
    EMPLOYMENT_SUPPORT = "10", "Employment support"


# What a diary card reads of an appointment, its room and group (``for_display(cards=True)``).
CARD_APPOINTMENT_FIELDS = (
    "id",
    "team_id",
    "kind",
    "app_type",
    "delivery_mode",
    "starts_at",
    "ends_at",
    "room_id",
    "interpreter_needed",
    "series_id",
    "series_position",
    "group_id",
    "status",
    "room__name",
    "group__name",
)
# What a diary card reads of an attendee and their patient.
CARD_ATTENDEE_FIELDS = (
    "id",
    "appointment_id",
    "patient_id",
    "patient__id",
    "patient__given_name",
    "patient__family_name",
    "patient__team_id",
)


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def for_display(self, *, cards: bool = False) -> AppointmentQuerySet:
        """Appointments with their clinicians and attendees (with each patient's risk).
        ``cards``: only the columns a diary card shows, for the diaries' hundreds of cards; their
        clinicians and attendees are read by ``scheduling.selectors.diary`` as plain rows (a
        prefetch's objects and machinery cost more than the rows themselves)."""
        if cards:
            return self.select_related("room", "group").only(*CARD_APPOINTMENT_FIELDS)
        return self.select_related("room__site", "team", "series", "group").prefetch_related(
            models.Prefetch(
                "clinician_rows", queryset=AppointmentClinician.objects.select_related("clinician")
            ),
            models.Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related(
                    # A page about one appointment shows its patient's banner: their team and clinician.
                    "patient__team",
                    "patient__allocated_clinician",
                    "referral",
                )
                # The banner's risk-review values, copied onto each patient.
                .annotate(**banner_annotations("patient_id"))
                .prefetch_related(
                    # Risk is shown wherever a patient appears in a diary.
                    models.Prefetch(
                        "patient__risk_flags",
                        queryset=RiskFlag.objects.filter(cleared_at__isnull=True),
                        to_attr="active_risk_flags",
                    )
                )
                .order_by("id"),
            ),
        )


class Appointment(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "One patient"
        COUPLE = "couple", "Couple (two patients)"
        GROUP = "group", "Group session"

    Type = AppType

    DeliveryMode = DeliveryMode

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    class CancelledBy(models.TextChoices):
        """Who cancelled: these are AttendOrDNA codes 2 and 4."""

        PATIENT = "2", "The patient (or someone on their behalf)"
        PROVIDER = "4", "The service"

    class CancellationReason(models.TextChoices):
        PATIENT_UNWELL = "patient_unwell", "Patient unwell"
        PATIENT_WORK_OR_CARING = "patient_commitments", "Patient's work, study or caring commitments"
        PATIENT_NO_LONGER_NEEDED = "patient_not_needed", "Patient no longer wants or needs it"
        PATIENT_OTHER = "patient_other", "Other reason given by the patient"
        CLINICIAN_UNAVAILABLE = "clinician_unavailable", "Clinician unavailable (sickness, leave)"
        ROOM_UNAVAILABLE = "room_unavailable", "Room or site unavailable"
        WEEK_SKIPPED = "week_skipped", "Week skipped by agreement"
        COURSE_ENDED = "course_ended", "Course of treatment ended"
        BOOKED_IN_ERROR = "booked_in_error", "Booked in error"
        SERVICE_OTHER = "service_other", "Other service reason"

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    app_type = models.CharField("appointment type", max_length=2, choices=Type.choices)
    delivery_mode = models.CharField(max_length=2, choices=DeliveryMode.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.ForeignKey(
        "accounts.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    interpreter_needed = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=60, blank=True)
    video_link = models.URLField("video joining link", blank=True, max_length=500)
    series = models.ForeignKey(
        "scheduling.AppointmentSeries",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    series_position = models.PositiveSmallIntegerField(null=True, blank=True)
    group = models.ForeignKey(
        "scheduling.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    cancelled_by = models.CharField(max_length=1, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=32, choices=CancellationReason.choices, blank=True)
    cancellation_note = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    rebooked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rebookings"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["series", "series_position"]),
            # A team's appointments in a period (reports, team views).
            models.Index(fields=["team", "starts_at"], name="appointment_team_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(app_type__in=AppType.values), name="appointment_type_national_code"
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_mode__in=DeliveryMode.values), name="appointment_delivery_mode"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="booked", cancelled_by="", cancellation_reason="")
                    | models.Q(status="cancelled", cancelled_by__in=["2", "4"])
                    & ~models.Q(cancellation_reason="")
                    & models.Q(cancelled_at__isnull=False)
                ),
                name="appointment_cancellation_has_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_app_type_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    # Domain rules that read prefetched attendees (see AppointmentQuerySet.for_display).
    @property
    def cancelled_by_patient(self) -> bool:
        return self.cancelled_by == self.CancelledBy.PATIENT

    @property
    def was_missed(self) -> bool:
        """Someone in it did not attend, or arrived too late to be seen (AttendOrDNA 3 or 7)."""
        return any(a.is_missed for a in self.attendees.all())

    @property
    def is_settled(self) -> bool:
        """Cancelled, or attendance recorded for someone: it can no longer be moved or cancelled."""
        return self.is_cancelled or any(a.is_attended or a.is_missed for a in self.attendees.all())

    @property
    def can_be_rebooked(self) -> bool:
        """A cancelled or missed appointment that is not a group session (group sessions are
        rescheduled from the group's page)."""
        return self.group_id is None and (self.is_cancelled or self.was_missed)

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def is_treatment(self) -> bool:
        return self.app_type in TREATMENT_TYPES

    # Helpers that read prefetched rows (see AppointmentQuerySet.for_display).
    @property
    def clinicians(self) -> list[Any]:
        return [row.clinician for row in self.clinician_rows.all()]

    @property
    def patients(self) -> list[Any]:
        return [a.patient for a in self.attendees.all()]


TREATMENT_TYPES = frozenset(
    {
        Appointment.Type.TREATMENT,
        Appointment.Type.ASSESSMENT_AND_TREATMENT,
        Appointment.Type.REVIEW_AND_TREATMENT,
    }
)
# An attended appointment of these types is an assessment (DOMAIN.md §3).
ASSESSMENT_TYPES = frozenset({Appointment.Type.ASSESSMENT, Appointment.Type.ASSESSMENT_AND_TREATMENT})


class AppointmentClinician(models.Model):
    """A clinician (or group facilitator) taking part in an appointment."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="clinician_rows")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointment_rows"
    )
    # Copies of the appointment's times, so the database can refuse overlaps per clinician.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    live = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        # The diaries: one clinician's (or a team's clinicians') rows in a week.
        indexes = [models.Index(fields=["clinician", "starts_at"])]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "clinician"], name="appointment_clinician_once"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_clinician_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} in {self.appointment}"


class Attendee(models.Model):
    """A patient in an appointment, with their attendance (AttendOrDNA) once recorded."""

    AttendOrDNA = AttendOrDNA

    # The attendance codes as sets: use these, never bare "3" or "7".
    ATTENDED = frozenset({AttendOrDNA.ATTENDED_ON_TIME, AttendOrDNA.ARRIVED_LATE_SEEN})
    # Missed, for the DNA policy: not attending and arriving too late to be seen count alike.
    MISSED = frozenset({AttendOrDNA.DID_NOT_ATTEND, AttendOrDNA.ARRIVED_LATE_NOT_SEEN})
    CANCELLED = frozenset({AttendOrDNA.CANCELLED_BY_PATIENT, AttendOrDNA.CANCELLED_BY_PROVIDER})
    # Codes recorded at or after the appointment time; 2 and 4 are cancellations.
    OUTCOMES = (
        AttendOrDNA.ATTENDED_ON_TIME,
        AttendOrDNA.ARRIVED_LATE_SEEN,
        AttendOrDNA.ARRIVED_LATE_NOT_SEEN,
        AttendOrDNA.DID_NOT_ATTEND,
    )

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="attendees")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointment_rows")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="appointment_rows"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    live = models.BooleanField(default=True)
    attendance = models.CharField(max_length=1, choices=AttendOrDNA.choices, blank=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["referral", "starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "patient"], name="attendee_once_per_appointment"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="attendee_times"
            ),
            models.CheckConstraint(
                condition=models.Q(attendance="") | models.Q(attendance__in=AttendOrDNA.values),
                name="attendee_attendance_national_code",
            ),
            models.CheckConstraint(
                condition=~models.Q(attendance__in=["2", "4"], live=True),
                name="attendee_cancelled_is_not_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} in {self.appointment}"

    @property
    def attended(self) -> bool:
        return self.attendance in self.ATTENDED

    @property
    def is_attended(self) -> bool:
        return self.attendance in self.ATTENDED

    @property
    def is_missed(self) -> bool:
        return self.attendance in self.MISSED

    @property
    def is_cancelled(self) -> bool:
        return self.attendance in self.CANCELLED


class AppointmentSeries(models.Model):
    """Every week (or every two weeks) at the same Europe/London time, for a number of weeks.

    Each occurrence is a real appointment; the series records how they were made.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    interval_weeks = models.PositiveSmallIntegerField(default=1)
    occurrences = models.PositiveSmallIntegerField()
    local_time = models.TimeField(help_text="The time in Europe/London, kept across clock changes")
    first_date = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "appointment series"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_weeks__in=[1, 2]), name="series_weekly_or_fortnightly"
            ),
            models.CheckConstraint(
                condition=models.Q(occurrences__gte=1, occurrences__lte=52), name="series_occurrences_range"
            ),
        ]

    def __str__(self) -> str:
        every = "Weekly" if self.interval_weeks == 1 else "Fortnightly"
        return f"{every} at {self.local_time:%H:%M} from {self.first_date:%d/%m/%Y}"
