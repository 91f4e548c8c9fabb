"""Messages sent to patients about appointments, follow-up tasks after a missed appointment,
and the service's policy for missed appointments."""

from __future__ import annotations

from django.conf import settings
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


class DnaPolicy(models.Model):
    """What a service does after a missed appointment. Stepcare suggests; people decide."""

    service = models.OneToOneField("accounts.Service", on_delete=models.PROTECT, related_name="dna_policy")
    contact_after_each_dna = models.BooleanField(
        default=True, help_text="Suggest contacting the patient after every missed appointment"
    )
    review_for_discharge_after = models.PositiveSmallIntegerField(
        default=2, help_text="Suggest a discharge review after this many missed appointments (0: never)"
    )
    contact_within_days = models.PositiveSmallIntegerField(default=2)
    source = models.CharField(
        max_length=200,
        default="Service policy (Stepcare default: contact after a missed appointment; "
        "review for discharge after two)",
    )

    class Meta:
        verbose_name = "missed-appointment policy"
        verbose_name_plural = "missed-appointment policies"

    def __str__(self) -> str:
        return f"Missed-appointment policy for {self.service}"


class FollowUpTask(models.Model):
    """Something a clinician should do about a patient, e.g. contact them after a DNA."""

    class Kind(models.TextChoices):
        CONTACT_AFTER_DNA = "contact_after_dna", "Contact the patient after a missed appointment"
        DISCHARGE_REVIEW = "discharge_review", "Review whether to discharge after missed appointments"

    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Done"

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="follow_up_tasks"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "patient", "kind"],
                condition=models.Q(status="open"),
                name="follow_up_once_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.due_on:%d/%m/%Y}"


class CalendarFeed(models.Model):
    """A clinician's private iCalendar address. Only a hash of the secret is stored."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    show_initials = models.BooleanField(
        "show patients' initials",
        default=False,
        help_text="Off by default: the feed then shows no patient-identifying text at all",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician"], condition=models.Q(revoked_at__isnull=True), name="one_live_feed"
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed for {self.clinician}"
