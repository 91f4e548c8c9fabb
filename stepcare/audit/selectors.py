"""Reads of the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.models import AuditEvent, AuditEventPatient, BreakGlassGrant
from stepcare.patients.models import Patient
from stepcare.patients.search import patient_matches


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


AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the information-governance officer's audit search is narrowed to; empty is "all"."""

    patient_query: str = ""
    staff: str = ""  # a username, or part of a member of staff's name
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    refused_only: bool = False
    break_glass_only: bool = False


def search_audit_events(*, filters: AuditFilters, page: str | int | None) -> Page[AuditEvent]:
    """One page of audit events matching ``filters``, newest first, filtered, counted and paged
    in the database. An event about a patient matches their search whether it names them as its
    patient or as one of the patients a list showed."""
    qs = AuditEvent.objects.all()
    if filters.patient_query.strip():
        condition = patient_matches(filters.patient_query)
        if condition is None:
            qs = qs.none()
        else:
            patient_ids = Patient.objects.filter(condition).values("pk")
            shown = AuditEventPatient.objects.filter(patient_id__in=patient_ids).values("event_id")
            qs = qs.filter(Q(patient_id__in=patient_ids) | Q(pk__in=shown))
    staff = filters.staff.strip()
    if staff:
        users = User.objects.filter(
            Q(username__iexact=staff) | Q(first_name__icontains=staff) | Q(last_name__icontains=staff)
        ).values("pk")
        qs = qs.filter(Q(user_id__in=users) | Q(username__iexact=staff))
    zone = timezone.get_current_timezone()
    if filters.date_from is not None:
        qs = qs.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=zone))
    if filters.date_to is not None:
        qs = qs.filter(at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.refused_only:
        qs = qs.filter(action=AuditEvent.Action.ACCESS_DENIED)
    if filters.break_glass_only:
        qs = qs.filter(action=AuditEvent.Action.BREAK_GLASS)
    qs = qs.select_related("user", "patient").prefetch_related(
        Prefetch("shown", queryset=AuditEventPatient.objects.select_related("patient").order_by("patient_id"))
    )
    return Paginator(qs.order_by("-at", "-id"), AUDIT_PAGE_SIZE).get_page(page)
