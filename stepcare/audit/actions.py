"""Writes to the audit trail. Every other app's actions call ``record`` in their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Role
from stepcare.audit.context import current
from stepcare.audit.models import AuditEvent, BreakGlassGrant
from stepcare.patients.models import Patient


class BreakGlassRefused(Exception):
    pass


MIN_BREAK_GLASS_REASON = 15


def _role_for(user: User | None, patient: Patient | None) -> str:
    if user is None or not user.is_authenticated:
        return ""
    memberships = user.active_memberships()
    if patient is not None:
        in_team = sorted({Role(r).label for t, r in memberships if t == patient.team_id})
        if in_team:
            return ", ".join(in_team)
    return ", ".join(user.role_labels)


def record(
    *,
    by: User | None,
    action: str,
    patient: Patient | None = None,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit event. Call inside the transaction of the change it describes."""
    ctx = current.get()
    user = by if by is not None and by.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        username=(user.username if user else username)[:150],
        role=_role_for(user, patient)[:200],
        patient=patient,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        ip_address=ctx.ip_address if ctx else None,
        path=ctx.path if ctx else "",
    )


@transaction.atomic
def break_glass(*, by: User, patient: Patient, reason: str) -> BreakGlassGrant:
    """Grant ``by`` access to ``patient`` until sign-out, with a written reason."""
    reason = reason.strip()
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise BreakGlassRefused(
            f"Write the reason you need this record (at least {MIN_BREAK_GLASS_REASON} characters)."
        )
    grant = BreakGlassGrant.objects.create(user=by, patient=patient, reason=reason)
    record(by=by, action=AuditEvent.Action.BREAK_GLASS, patient=patient, obj=grant, detail={"reason": reason})
    return grant


@transaction.atomic
def end_break_glass_grants(*, user: User) -> int:
    """End every open break-glass grant of ``user`` (at sign-out)."""
    return BreakGlassGrant.objects.filter(user=user, ended_at__isnull=True).update(ended_at=timezone.now())


@transaction.atomic
def review_break_glass(*, by: User, grant: BreakGlassGrant, note: str) -> BreakGlassGrant:
    grant.reviewed_by = by
    grant.reviewed_at = timezone.now()
    grant.review_note = note.strip()
    grant.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    record(
        by=by, action=AuditEvent.Action.UPDATE, patient=grant.patient, obj=grant, detail={"reviewed": True}
    )
    return grant
