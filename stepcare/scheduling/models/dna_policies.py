"""The service's policy for missed appointments (DNA)."""

from __future__ import annotations

from django.db import models


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
