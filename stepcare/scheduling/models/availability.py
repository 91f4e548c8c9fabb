"""When clinicians work and sites are open, and the time clinicians are away."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


# A clinician with no pattern recorded works the standard 37.5-hour week: Monday to Friday,
# 09:00–17:00 with half an hour for lunch at 12:30.
DEFAULT_WORKING_DAY: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(9, 0), dt.time(12, 30)),
    (dt.time(13, 0), dt.time(17, 0)),
)
DEFAULT_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)

# A site with no opening hours recorded is open 08:00–20:00, Monday to Friday.
DEFAULT_OPENING = (dt.time(8, 0), dt.time(20, 0))


class WorkingHours(models.Model):
    """One block of a clinician's weekly working pattern, e.g. Tuesday 12:00–20:00 at a site.

    A day may have several blocks (a morning and an afternoon around lunch, or two sites).
    """

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()
    site = models.ForeignKey(
        "accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinician", "weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="working_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="working_hours_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def hours(self) -> float:
        start = dt.datetime.combine(dt.date.min, self.starts)
        return (dt.datetime.combine(dt.date.min, self.ends) - start).total_seconds() / 3600


class Unavailability(models.Model):
    """Time a clinician cannot be booked: leave, sickness, training, admin time."""

    class Kind(models.TextChoices):
        ANNUAL_LEAVE = "leave", "Annual leave"
        SICKNESS = "sickness", "Sickness"
        TRAINING = "training", "Training"
        SUPERVISION = "supervision", "Supervision"
        ADMIN = "admin", "Admin time"
        OTHER = "other", "Other"

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="unavailability"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "unavailability"
        indexes = [models.Index(fields=["clinician", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="unavailability_order"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["leave", "sickness", "training", "supervision", "admin", "other"]
                ),
                name="unavailability_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%d/%m/%Y %H:%M}"


class OpeningHours(models.Model):
    """When a site is open on a day of the week. A closed day has no row."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["site", "weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"
