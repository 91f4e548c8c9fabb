"""The private calendar feed: the live feed for a token and its appointments."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.scheduling.models import (
    Appointment,
    CalendarFeed,
)


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
