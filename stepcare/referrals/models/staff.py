"""What the service needs to know about a therapist to allocate work: qualifications and
caseload capacity. Kept here rather than on the account, because it is about allocation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from stepcare.referrals.models.codes import QualAttainLevel


class TherapistProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist_profile"
    )
    caseload_capacity = models.PositiveSmallIntegerField(
        default=25, help_text="Open cases this person can hold at once (full time about 20–30)."
    )
    working_hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, default=37.5)
    # A trainee high-intensity therapist takes step-3 work only with a named supervisor.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.user} (capacity {self.caseload_capacity})"


class Qualification(models.Model):
    """A national IAPT qualification (IDS902): qualified once awarded, a trainee until then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qualifications"
    )
    level = models.CharField(max_length=2, choices=QualAttainLevel.choices)
    awarded_on = models.DateField(null=True, blank=True)
    planned_completion_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["user", "level"], name="qualification_once_per_level"),
            models.CheckConstraint(condition=Q(level__in=QualAttainLevel.values), name="qualification_known"),
        ]

    def __str__(self) -> str:
        return self.get_level_display()

    @property
    def short_label(self) -> str:
        label = self.get_level_display().split("–", 1)[-1].strip()
        return label if self.awarded_on else f"{label} (in training)"
