"""Messages to patients about a change to the diary: queued once the change is committed,
so that nobody is told about a booking that was rolled back.

The flow runs one way: actions queue a job (``tasks``), the job delivers it
(``notifications``), and delivery records what was sent (``notifications.record_message``).
Nothing in delivery imports the diary actions."""

from __future__ import annotations

import logging

from django.db import transaction

from stepcare.scheduling import tasks
from stepcare.scheduling.models import Appointment

logger = logging.getLogger(__name__)


def _queue_messages(appointment: Appointment, kind: str) -> None:
    """After commit, send each patient in ``appointment`` a message of ``kind``."""
    attendee_ids = list(appointment.attendees.values_list("pk", flat=True))

    def send() -> None:
        for attendee_id in attendee_ids:
            try:
                tasks.send_appointment_message.delay(attendee_id, kind)
            except Exception:  # the booking stands; the failure is logged and the message recorded
                logger.exception("Could not queue the %s message for attendee %s", kind, attendee_id)

    transaction.on_commit(send)
