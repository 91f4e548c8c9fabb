"""Reads of the audit trail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.models import AuditEvent, AuditEventPatient, BreakGlassGrant
from stepcare.patients.models import Patient


def active_break_glass_grants(*, user: User) -> QuerySet[BreakGlassGrant]:
    earliest = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS)
    return BreakGlassGrant.objects.filter(user=user, ended_at__isnull=True, started_at__gte=earliest)


def has_active_break_glass(*, user: User, patient: Patient) -> bool:
    return active_break_glass_grants(user=user).filter(patient=patient).exists()


def patient_access_log(*, patient: Patient) -> QuerySet[AuditEvent]:
    """Who looked at or changed this patient's record, newest first."""
    shown = AuditEventPatient.objects.filter(patient=patient).values("event_id")
    return AuditEvent.objects.filter(Q(patient=patient) | Q(pk__in=shown)).select_related("user")


def break_glass_grants() -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.select_related("user", "patient", "reviewed_by").prefetch_related(
        "reviews__by"
    )
