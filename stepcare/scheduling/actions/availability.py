"""A clinician's working pattern, and their leave, training and admin time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.actions.common import BookingRefused
from stepcare.scheduling.models import Unavailability, WorkingHours
from stepcare.scheduling.timeslots import format_range


@transaction.atomic
def set_working_pattern(
    *, by: User, clinician: User, blocks: Sequence[tuple[int, dt.time, dt.time, Any]]
) -> list[WorkingHours]:
    """Replace a clinician's weekly pattern with ``blocks`` of (weekday, start, end, site)."""
    for weekday, start, end, _site in blocks:
        if not 0 <= weekday <= 6:
            raise BookingRefused("Choose a day of the week.")
        if end <= start:
            raise BookingRefused("Each working block must end after it starts.")
    ordered = sorted(blocks, key=lambda b: (b[0], b[1]))
    for (day_a, _s, end_a, _x), (day_b, start_b, _e, _y) in pairwise(ordered):
        if day_a == day_b and start_b < end_a:
            raise BookingRefused("Two working blocks on the same day overlap.")
    WorkingHours.objects.filter(clinician=clinician).delete()  # a pattern is not clinical data
    rows = WorkingHours.objects.bulk_create(
        WorkingHours(clinician=clinician, weekday=d, starts=s, ends=e, site=site) for d, s, e, site in ordered
    )
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        obj=clinician,
        detail={"working_pattern": [[d, s.isoformat(), e.isoformat()] for d, s, e, _ in ordered]},
    )
    return rows


@transaction.atomic
def add_unavailability(
    *, by: User, clinician: User, kind: str, starts_at: dt.datetime, ends_at: dt.datetime, note: str = ""
) -> Unavailability:
    """Record leave, training or admin time. Appointments already booked then are listed for
    rebooking by the caller; they are never moved silently."""
    if ends_at <= starts_at:
        raise BookingRefused("The end must be after the start.")
    if kind not in Unavailability.Kind.values:
        raise BookingRefused("Choose the kind of absence.")
    overlapping = (
        Unavailability.objects.select_for_update()
        .filter(clinician=clinician, withdrawn_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .first()
    )
    if overlapping is not None:
        raise BookingRefused(
            f"This overlaps {overlapping.get_kind_display().lower()} already recorded "
            f"{format_range(overlapping.starts_at, overlapping.ends_at)}. "
            "Change that entry or choose other dates."
        )
    away = Unavailability.objects.create(
        clinician=clinician, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note.strip(), created_by=by
    )
    record(by=by, action=AuditEvent.Action.CREATE, obj=away, detail={"clinician": clinician.pk, "kind": kind})
    return away


@transaction.atomic
def withdraw_unavailability(*, by: User, away: Unavailability) -> Unavailability:
    away.withdrawn_at = timezone.now()
    away.save(update_fields=["withdrawn_at"])
    record(by=by, action=AuditEvent.Action.UPDATE, obj=away, detail={"withdrawn": True})
    return away
