"""Background jobs: messages to patients about their appointments."""

from __future__ import annotations

from celery import shared_task

from stepcare.scheduling import notifications, selectors


@shared_task(  # type: ignore[untyped-decorator]
    autoretry_for=(notifications.NotificationError,),
    retry_backoff=60,
    max_retries=5,
    name="stepcare.scheduling.tasks.send_appointment_message",
)
def send_appointment_message(attendee_id: int, kind: str) -> int:
    """Send one patient one message about one appointment; returns how many were sent."""
    return len(notifications.deliver(attendee_id=attendee_id, kind=kind))


@shared_task(name="stepcare.scheduling.tasks.send_due_reminders")  # type: ignore[untyped-decorator]
def send_due_reminders() -> int:
    """Queue a reminder for every appointment in the next 24 hours not yet reminded.

    Runs every 15 minutes (Celery beat); sending twice is prevented by the database.
    """
    ids = list(selectors.due_reminders().values_list("pk", flat=True)[:5000])
    for attendee_id in ids:
        send_appointment_message.delay(attendee_id, "reminder")
    return len(ids)
