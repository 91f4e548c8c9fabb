"""Follow-up tasks for a clinician after a missed appointment."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
