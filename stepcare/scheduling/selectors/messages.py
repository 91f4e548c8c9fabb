"""Reminders due and the messages sent about a referral or a patient."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from stepcare.referrals.models import Referral
from stepcare.scheduling.models import (
    Appointment,
    Attendee,
    Message,
)

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
        .select_related("referral", "appointment")
        .only(
            "sent_at",
            "channel",
            "kind",
            "status",
            "appointment__team_id",
            "referral__reference",
            "patient_id",
            "referral_id",
        )
        .order_by("-sent_at", "-id")
    )
