"""Reads of the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.models import AuditEvent, AuditEventPatient, BreakGlassGrant
from stepcare.patients.models import Patient


def active_break_glass_grants(*, user: User) -> QuerySet[BreakGlassGrant]:
    earliest = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS)
    return BreakGlassGrant.objects.filter(user=user, ended_at__isnull=True, started_at__gte=earliest)


def has_active_break_glass(*, user: User, patient: Patient) -> bool:
    return active_break_glass_grants(user=user).filter(patient=patient).exists()


def events_about(patient_ids: Any) -> QuerySet[Any]:
    """The keys of the events about these patients (a list of keys or a query of them): as the
    event's own patient, or among the patients a list page showed.

    A union of two index lookups, (patient, -at) on the events and (patient, event) on the rows
    shown: written as an OR of the two, the database reads the whole trail, which grows with
    every page view of every member of staff (millions of events a year in a large service).
    """
    own = AuditEvent.objects.filter(patient_id__in=patient_ids).order_by().values("pk")
    listed = AuditEventPatient.objects.filter(patient_id__in=patient_ids).values("event_id")
    return own.union(listed, all=True)


def patient_access_log(*, patient: Patient) -> QuerySet[AuditEvent]:
    """Who looked at or changed this patient's record, newest first."""
    return (
        AuditEvent.objects.filter(pk__in=events_about([patient.pk]))
        .select_related("user")
        .order_by("-at", "-id")
    )


def break_glass_grants() -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.select_related("user", "patient", "reviewed_by").prefetch_related(
        "reviews__by"
    )
