"""GP practices (from the national file) and the service's letter templates."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class GPPractice(models.Model):
    """A GP practice from the national ODS file (the ``epraccur`` layout)."""

    class Status(models.TextChoices):
        ACTIVE = "A", "Active"
        CLOSED = "C", "Closed"
        DORMANT = "D", "Dormant"
        PROPOSED = "P", "Proposed"

    ods_code = models.CharField("ODS code", max_length=8, unique=True)
    name = models.CharField(max_length=200)
    address_lines = models.JSONField(default=list, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "GP practice"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="records_gp_practice_name_required")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    @property
    def address(self) -> str:
        return "\n".join([*[line for line in self.address_lines if line], self.postcode]).strip()


class LetterTemplate(models.Model):
    """A letter the service sends often, with merge fields such as ``{patient_name}``.

    The merge fields are listed in ``stepcare.records.letters.MERGE_FIELDS``; a service adds
    templates in the admin, without code.
    """

    class Purpose(models.TextChoices):
        GP_AFTER_ASSESSMENT = "gp_assessment", "To the GP after assessment"
        GP_DISCHARGE = "gp_discharge", "To the GP at discharge"
        GP_RISK = "gp_risk", "To the GP about risk"
        PATIENT = "patient", "To the patient"
        AGENCY = "agency", "To an agency or employer"

    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    recipient_kind = models.CharField(max_length=20, default="gp")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
