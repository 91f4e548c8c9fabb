"""Messages sent to patients about appointments (texts and emails, sent or failed)."""

from __future__ import annotations

from django.db import models


class Message(models.Model):
    """One text or email sent (or that failed to send) about an appointment.

    Every message is recorded against the referral it belongs to.
    """

    PERSONAL_DATA_FIELDS = ("recipient", "body")

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    class Kind(models.TextChoices):
        BOOKED = "booked", "Appointment booked"
        CHANGED = "changed", "Appointment changed"
        CANCELLED = "cancelled", "Appointment cancelled"
        SERIES_CANCELLED = "series_cancelled", "Remaining appointments cancelled"
        REMINDER = "reminder", "Reminder"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recipient = models.CharField(max_length=254)
    template_id = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices)
    provider_reference = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["referral", "-sent_at"]),
            models.Index(fields=["appointment", "kind"]),
        ]
        constraints = [
            # A reminder goes once per appointment, patient and channel, however often the job runs.
            models.UniqueConstraint(
                fields=["appointment", "patient", "channel"],
                condition=models.Q(kind="reminder", status="sent"),
                name="message_one_reminder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()} ({self.status})"
