"""The information-governance officer's audit search (patients by name, NHS number or birth
date, staff, dates, kinds of event). Kept apart from ``audit.selectors``, which the access policy
imports, because finding patients needs the patient selectors, which import the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.functional import cached_property

from stepcare.accounts.models import User
from stepcare.audit.models import AuditEvent, AuditEventPatient
from stepcare.audit.selectors import events_about
from stepcare.patients.models import Patient
from stepcare.patients.selectors import patient_matches

AUDIT_PAGE_SIZE = 50
# The trail of a large service holds millions of events: matches are counted up to here, and
# the pages reach the newest this many; the page asks for a narrower search beyond it.
AUDIT_COUNT_LIMIT = 10_000
# A patient search naming more people than this (a common surname alone) asks for more detail.
PATIENT_MATCH_LIMIT = 50
# The patients named on the page for each event; the others it showed are counted.
SHOWN_NAMED = 5


class CountedUpTo(Paginator):  # type: ignore[type-arg]
    """A paginator that counts at most ``limit`` rows (a count of a subquery with a LIMIT), so
    the count costs the same however long the trail grows; ``more`` says there were more."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, limit: int) -> None:
        super().__init__(object_list, per_page)
        self.queryset, self.limit = object_list, limit

    @cached_property
    def _found(self) -> int:
        return self.queryset.order_by()[: self.limit + 1].count()  # any limit + 1 rows

    @cached_property
    def count(self) -> int:
        return min(self._found, self.limit)

    @property
    def more(self) -> bool:
        return self._found > self.limit


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


class TooManyPatients(Exception):
    """The patient searched for matches more people than the audit search looks through."""


def search_audit_events(*, filters: AuditFilters, page: str | int | None) -> Page[AuditEvent]:
    """One page of audit events matching ``filters``, newest first, filtered, counted (up to
    ``AUDIT_COUNT_LIMIT``) and paged in the database. An event about a patient matches their
    search whether it names them as its patient or as one of the patients a list showed.

    Raises ``TooManyPatients`` when the patient searched for matches more than
    ``PATIENT_MATCH_LIMIT`` people (a common surname alone): their events are not what the
    officer is after, and reading them all would take seconds."""
    qs = AuditEvent.objects.all()
    if filters.patient_query.strip():
        condition = patient_matches(filters.patient_query)
        if condition is None:
            qs = qs.none()
        else:
            found = list(
                Patient.objects.filter(condition).values_list("pk", flat=True)[: PATIENT_MATCH_LIMIT + 1]
            )
            if len(found) > PATIENT_MATCH_LIMIT:
                raise TooManyPatients(
                    f"“{filters.patient_query.strip()}” matches more than {PATIENT_MATCH_LIMIT} people. "
                    "Add their first name or date of birth, or search by NHS number."
                )
            qs = qs.filter(pk__in=events_about(found))
    staff = filters.staff.strip()
    if staff:
        qs = qs.filter(_by_staff(staff))
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
    # A list page's event names up to hundreds of patients (the officer's own searches too):
    # the page names the first few of each and counts the rest (``shown_more``).
    named = AuditEventPatient.objects.select_related("patient").order_by("patient_id")[:SHOWN_NAMED]
    how_many = AuditEventPatient.objects.filter(event=OuterRef("pk")).order_by().values("event")
    qs = (
        qs.select_related("user", "patient")
        .annotate(shown_count=Coalesce(Subquery(how_many.annotate(n=Count("pk")).values("n")), 0))
        .annotate(shown_more=Greatest(F("shown_count") - SHOWN_NAMED, 0))
        .prefetch_related(Prefetch("shown", queryset=named, to_attr="shown_named"))
    )
    return CountedUpTo(qs.order_by("-at", "-id"), AUDIT_PAGE_SIZE, limit=AUDIT_COUNT_LIMIT).get_page(page)


def _by_staff(staff: str) -> Q:
    """The events of the members of staff matching ``staff`` (a username, or part of a name), and
    the events with no account typed as that username (a failed sign-in). The staff are read
    first, so the database sees their keys: with the (user, -at) index and the index of the
    usernames of events with no account, it reads the matching events, not the whole trail."""
    users = list(
        User.objects.filter(
            Q(username__iexact=staff) | Q(first_name__icontains=staff) | Q(last_name__icontains=staff)
        ).values_list("pk", flat=True)
    )
    return Q(user_id__in=users) | Q(user__isnull=True, username__iexact=staff)
