"""Writes to the audit trail. Every other app's actions call ``record`` in their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.accounts.roles import Role
from stepcare.audit.context import current
from stepcare.audit.models import AuditEvent, AuditEventPatient, BreakGlassGrant, BreakGlassReview
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
    patients: Iterable[Patient] = (),
    patient_ids: Iterable[int] = (),
) -> AuditEvent:
    """Append one audit event. Call inside the transaction of the change it describes.

    ``patients`` names every patient a response showed (a list page): each is recorded
    against the one event, and the event appears in each patient's access log. A download of
    tens of thousands names them by ``patient_ids`` (no model object for each).
    """
    ctx = current.get()
    user = by if by is not None and by.is_authenticated else None
    event = AuditEvent(
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
    # The event's own patient is found by its column; the others it showed get a row each.
    named = {p.pk for p in patients if p is not None} | {pk for pk in patient_ids if pk is not None}
    shown = sorted(named - ({patient.pk} if patient else set()))
    if not shown:
        event.save()
        return event
    with transaction.atomic(savepoint=False):  # never an event without the patients it showed
        event.save()
        _insert_shown(event, shown)
    return event


def _insert_shown(event: AuditEvent, shown: list[int]) -> None:
    """A row for each patient the event showed. On PostgreSQL one INSERT from an array: a list
    page names up to a few hundred patients, and a model object for each cost more than the
    page's own rows (bulk_create); elsewhere bulk_create."""
    if connection.vendor != "postgresql":
        AuditEventPatient.objects.bulk_create([AuditEventPatient(event=event, patient_id=pk) for pk in shown])
        return
    opts, quote = AuditEventPatient._meta, connection.ops.quote_name
    columns = ", ".join(
        quote(f.column) for f in (AuditEventPatient.event.field, AuditEventPatient.patient.field)
    )
    with connection.cursor() as cursor:
        sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) SELECT %s, UNNEST(%s::bigint[])"
        cursor.execute(sql, [event.pk, shown])


def record_shown(
    *,
    by: User,
    patients: Iterable[Patient | None],
    page: str,
    obj: models.Model | None = None,
    action: str = AuditEvent.Action.VIEW,
    detail: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """One event for a response that shows these patients (a list, a re-displayed form).

    Writes nothing when the response shows no patient. With one patient the event is about
    that patient; with several it names each of them.
    """
    unique = list({p.pk: p for p in patients if p is not None}.values())
    if not unique and obj is None:
        return None
    return record(
        by=by,
        action=action,
        patient=unique[0] if len(unique) == 1 else None,
        obj=obj,
        detail={"page": page, "patients_shown": len(unique), **(detail or {})},
        patients=unique,
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


class ReviewRefused(Exception):
    pass


_CONTROL = {chr(c) for c in range(32)} - {"\n", "\r", "\t"} | {chr(127)}


@transaction.atomic
def review_break_glass(*, by: User, grant: BreakGlassGrant, note: str) -> BreakGlassReview:
    """Add a review to a grant. Reviews are appended: a second review never replaces the first.

    The first review marks the grant reviewed (it leaves the officer's list of grants to review).
    """
    note = note.strip()
    if len(note) > BreakGlassReview.MAX_NOTE:
        raise ReviewRefused(f"Keep the review note to {BreakGlassReview.MAX_NOTE} characters or fewer.")
    if any(c in _CONTROL for c in note):
        raise ReviewRefused("The review note contains characters that cannot be stored (control characters).")
    review = BreakGlassReview.objects.create(grant=grant, by=by, note=note)
    if grant.reviewed_at is None:
        BreakGlassGrant.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
            reviewed_by=by, reviewed_at=review.at, review_note=note
        )
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=grant.patient,
        obj=grant,
        detail={"reviewed": True, "review": review.pk},
    )
    return review
