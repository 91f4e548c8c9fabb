"""Specialist advice given in general: a consultation about no patient, kept as written.

A liaison entry (``LiaisonEntry``) is always about one patient and shared under that patient's
consent or a legal basis. Advice given to another professional in general (a GP asking how to
refer someone with panic, a housing officer asking about trauma-informed letters) names no
patient, so it has its own small table: immutable once saved (a database trigger refuses an
UPDATE), corrected by a dated addendum beside it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from stepcare.records.models.base import SignedDocumentIsImmutable


class ImmutableQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise SignedDocumentIsImmutable("Recorded advice cannot be changed: add an addendum.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("Recorded advice is never deleted.")


class GeneralConsultation(models.Model):
    """Advice given to someone outside the team, about no patient in particular."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    given_on = models.DateField("date")
    asked_by_name = models.CharField("who asked", max_length=200)
    asked_by_role = models.CharField("their role", max_length=200, blank=True)
    asked_by_organisation = models.CharField("their organisation", max_length=200, blank=True)
    method = models.CharField("how", max_length=100, blank=True)
    question = models.TextField("the question asked")
    advice = models.TextField("the advice given")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        indexes = [
            models.Index(fields=["author", "-given_on"]),
            models.Index(fields=["team", "-given_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(asked_by_name="") & ~Q(question="") & ~Q(advice=""),
                name="records_generalconsultation_who_question_advice",
            )
        ]

    def __str__(self) -> str:
        return f"Advice to {self.asked_by_name} on {self.given_on:%d/%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise SignedDocumentIsImmutable("Advice once recorded cannot be changed: add an addendum.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("Recorded advice cannot be deleted.")


class GeneralConsultationAddendum(models.Model):
    """A dated correction or addition to recorded advice. Never changed once written."""

    consultation = models.ForeignKey(GeneralConsultation, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="records_generalconsultationaddendum_text")
        ]

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%d/%m/%Y %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise SignedDocumentIsImmutable("An addendum cannot be changed: add another.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("An addendum cannot be deleted.")
