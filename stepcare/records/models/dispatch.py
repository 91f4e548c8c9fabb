"""How and when a signed letter left the service: a row beside the letter, never inside it.

The signed letter is immutable (a trigger refuses an UPDATE of its row), so sending it is
recorded here. A dispatch is never changed once written; a letter sent again (for example by
post after a failed email) gains another row, so its dispatch history is kept.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from stepcare.records.models.base import SignedDocumentIsImmutable


class LetterDispatch(models.Model):
    """One sending of a signed letter: the route, the day, who sent it."""

    class Route(models.TextChoices):
        POST = "post", "By post (printed)"
        SECURE_EMAIL = "secure_email", "By secure email (nhs.net)"
        BY_HAND = "by_hand", "Handed to the patient"

    PERSONAL_DATA_FIELDS = ("email_address",)

    letter = models.ForeignKey("records.Letter", on_delete=models.PROTECT, related_name="dispatches")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    route = models.CharField("sent", max_length=20, choices=Route.choices)
    email_address = models.EmailField("secure email address", blank=True)
    dispatched_on = models.DateField("date sent")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["dispatched_on", "id"]
        verbose_name_plural = "letter dispatches"
        indexes = [models.Index(fields=["letter", "dispatched_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(route="secure_email") | ~Q(email_address=""),
                name="records_dispatch_email_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_route_display()} on {self.dispatched_on:%d/%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise SignedDocumentIsImmutable("A recorded dispatch cannot be changed: record another.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("A recorded dispatch cannot be deleted.")
