"""Messages to patients about a change to the diary: queued once the change is committed,
so that nobody is told about a booking that was rolled back."""

from __future__ import annotations

import logging

from django.db import transaction

from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.models import Appointment, Attendee, Message

logger = logging.getLogger(__name__)


def _queue_messages(appointment: Appointment, kind: str) -> None:
    """After commit, send each patient in ``appointment`` a message of ``kind``."""
    from stepcare.scheduling import tasks

    attendee_ids = list(appointment.attendees.values_list("pk", flat=True))

    def send() -> None:
        for attendee_id in attendee_ids:
            try:
                tasks.send_appointment_message.delay(attendee_id, kind)
            except Exception:  # the booking stands; the failure is logged and the message recorded
                logger.exception("Could not queue the %s message for attendee %s", kind, attendee_id)

    transaction.on_commit(send)


@transaction.atomic
def record_message(
    *,
    attendee: Attendee,
    channel: str,
    kind: str,
    recipient: str,
    template_id: str,
    body: str,
    status: str,
    provider_reference: str = "",
    error: str = "",
) -> Message:
    """Record a message sent (or that failed) against the patient's referral."""
    message = Message.objects.create(
        referral=attendee.referral,
        patient=attendee.patient,
        appointment=attendee.appointment,
        channel=channel,
        kind=kind,
        recipient=recipient,
        template_id=template_id,
        body=body,
        status=status,
        provider_reference=provider_reference,
        error=error[:300],
    )
    record(
        by=None,
        username="stepcare notifications",
        action=AuditEvent.Action.CREATE,
        patient=attendee.patient,
        obj=message,
        detail={"channel": channel, "kind": kind, "status": status},
    )
    return message
