"""The append-only audit trail, and break-glass access grants."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


# The kinds of event the information-governance officer looks for among millions of page views
# (refusals, break-glass, sign-ins, exports): indexed on their own by a partial index, so the
# audit search finds them without reading the trail, and a page view writes no index more.
SELDOM_ACTIONS = (
    "access_denied",
    "break_glass",
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "mfa_enrolled",
    "export",
)


class AuditEvent(models.Model):
    """Who did what to which patient's record, in which role, when and from where.

    Written in the same transaction as the change it describes. Never updated or deleted:
    the model refuses, and on PostgreSQL a trigger refuses too.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        SEARCH = "search", "Searched"
        BREAK_GLASS = "break_glass", "Break-glass access"
        ACCESS_DENIED = "access_denied", "Access refused"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        MFA_ENROLLED = "mfa_enrolled", "Enrolled for two-factor authentication"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Every page view writes an event: no index that another already serves. The user's and the
    # patient's lookups (and the foreign keys' checks) use the (user, -at) and (patient, -at)
    # indexes below, which lead with the same column.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=200, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["user", "-at"]),
            models.Index(
                fields=["action", "-at"],
                condition=models.Q(action__in=SELDOM_ACTIONS),
                name="audit_seldom_action_at",
            ),
            # A username typed at a failed sign-in (no account): the audit search by staff.
            models.Index(
                Upper("username"), condition=models.Q(user__isnull=True), name="audit_no_account_username"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditEventPatientQuerySet(models.QuerySet["AuditEventPatient"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditEventPatient(models.Model):
    """One patient shown by an audited response: a list page writes one event naming each
    patient it showed. Append-only, like the event."""

    # A list page writes a row per patient shown: the unique (event, patient) and the (patient,
    # event) indexes serve every lookup, so the foreign keys carry no index of their own.
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="shown", db_index=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    objects = AuditEventPatientQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["patient", "event"])]
        constraints = [models.UniqueConstraint(fields=["event", "patient"], name="audit_shown_patient_once")]

    def __str__(self) -> str:
        return f"event {self.event_id} showed patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class BreakGlassGrant(models.Model):
    """Access to a patient outside one's teams, with a written reason.

    Lasts until the person signs out (or their session reaches its absolute limit), is
    audited, and is listed for the information-governance officer.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="break_glass_reason_required")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.patient} at {self.started_at:%Y-%m-%d %H:%M}"


class BreakGlassReviewQuerySet(models.QuerySet["BreakGlassReview"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Break-glass reviews cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Break-glass reviews cannot be deleted.")


class BreakGlassReview(models.Model):
    """An information-governance officer's review of a break-glass grant. Append-only: a
    second review adds to the first, never replaces it."""

    MAX_NOTE = 2000

    grant = models.ForeignKey(BreakGlassGrant, on_delete=models.PROTECT, related_name="reviews")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(max_length=MAX_NOTE, blank=True)

    objects = BreakGlassReviewQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Review of {self.grant_id} by {self.by_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Break-glass reviews cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Break-glass reviews cannot be deleted.")
