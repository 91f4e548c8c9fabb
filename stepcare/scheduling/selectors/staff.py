"""Clinicians of a team, their working patterns and time away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Role
from stepcare.scheduling.models import (
    AppointmentClinician,
    Unavailability,
    WorkingHours,
)

CLINICAL_ROLES = (
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
    Role.EMPLOYMENT_ADVISER,
)


def clinicians_in_teams(team_ids: Iterable[int]) -> QuerySet[User]:
    """Active staff holding a clinical role in any of ``team_ids``."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__team_id__in=list(team_ids),
            memberships__active=True,
            memberships__role__in=[r.value for r in CLINICAL_ROLES],
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def team_ids_of(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user, active=True).values_list("team_id", flat=True))


def working_pattern(clinician: User) -> list[WorkingHours]:
    return list(WorkingHours.objects.filter(clinician=clinician).select_related("site"))


def time_away(*, clinician: User, now: dt.datetime | None = None) -> QuerySet[Unavailability]:
    """Leave and other time away that has not yet ended, soonest first."""
    now = now or timezone.now()
    return Unavailability.objects.filter(
        clinician=clinician, withdrawn_at__isnull=True, ends_at__gt=now
    ).order_by("starts_at")


def booked_during(*, clinician: User, starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    return AppointmentClinician.objects.filter(
        clinician=clinician, live=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).count()
