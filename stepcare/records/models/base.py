"""What every clinical document shares: a draft until signed, then never changed.

A signed document is corrected only by a dated ``Addendum`` shown beside it. The model and
its queryset refuse to change or delete a signed row, and a database trigger (PostgreSQL and
SQLite) refuses a direct ``UPDATE`` of one (see ``stepcare/records/triggers.py``). Each
draft carries a ``version`` so that two people editing one draft cannot overwrite each other.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class SignedDocumentIsImmutable(Exception):
    """Raised when code tries to change or delete a signed document (or any addendum)."""


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class DocumentQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        if self.filter(status=DocumentStatus.SIGNED).exists():
            raise SignedDocumentIsImmutable("A signed document cannot be changed: add an addendum.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("Clinical documents are never deleted.")

    def drafts(self) -> DocumentQuerySet:
        return self.filter(status=DocumentStatus.DRAFT)

    def signed(self) -> DocumentQuerySet:
        return self.filter(status=DocumentStatus.SIGNED)


class ClinicalDocument(models.Model):
    """Abstract base of every document in the clinical record."""

    # The URL word for this kind of document, its label, and the fields its form edits.
    KIND: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""
    CONTENT_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Fields that must not be empty when the document is signed.
    REQUIRED_TO_SIGN: ClassVar[tuple[str, ...]] = ()

    Status = DocumentStatus

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    addenda = GenericRelation("records.Addendum")

    objects = DocumentQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="%(app_label)s_%(class)s_signed_has_signer",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="%(app_label)s_%(class)s_patient"),
            # The drafts not yet signed (the drafts page, each author's and each supervisor's):
            # a partial index, so finding them reads the few drafts, not years of signed notes.
            models.Index(
                fields=["author", "created_at"],
                condition=Q(status="draft"),
                name="%(app_label)s_%(class)s_drafts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.LABEL} {self.created_at:%d/%m/%Y}" if self.created_at else self.LABEL

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=DocumentStatus.SIGNED).exists()
        ):
            raise SignedDocumentIsImmutable(f"This {self.LABEL.lower()} is signed: add an addendum instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("Clinical documents are never deleted.")

    @property
    def is_signed(self) -> bool:
        return self.status == DocumentStatus.SIGNED

    def content(self) -> list[tuple[str, Any]]:
        """(label, shown value) for each content field, in order."""
        rows = []
        for name in self.CONTENT_FIELDS:
            field = self._meta.get_field(name)
            display = getattr(self, f"get_{name}_display", None)
            value = display() if callable(display) else getattr(self, name)
            rows.append((str(field.verbose_name).capitalize(), value))  # type: ignore[union-attr]
        return rows

    def missing_to_sign(self) -> list[str]:
        return [
            str(self._meta.get_field(n).verbose_name)  # type: ignore[union-attr]
            for n in self.REQUIRED_TO_SIGN
            if getattr(self, n) in (None, "")
        ]


class Addendum(models.Model):
    """A dated correction or addition to a signed document. Never changed once written."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="records_addendum_text_required")]

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%d/%m/%Y %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise SignedDocumentIsImmutable("An addendum cannot be changed: add another.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignedDocumentIsImmutable("An addendum cannot be deleted.")
