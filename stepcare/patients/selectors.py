"""Reads of patients: search, duplicates, what a member of staff may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from stepcare.accounts.models import User
from stepcare.accounts.permissions import (
    Permission,
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.accounts.roles import Role
from stepcare.patients.models import (
    EmploymentSupport,
    Patient,
    RiskFlag,
    identity_name_key,
)
from stepcare.patients.search import key_searches, parse_query
from stepcare.patients.search import patient_matches as patient_matches  # re-exported for callers

SEARCH_LIMIT = 20  # a screen of results; when more match, the page asks for more of the name


@dataclass(frozen=True)
class SearchResults:
    patients: list[Patient]
    more: bool  # more patients match than are shown


def search_patients(*, user: User, query: str, whole_service: bool = False) -> SearchResults:
    """The first ``SEARCH_LIMIT`` patients matching ``query``, in the user's own teams or (for
    break-glass) the service, and whether more match. A name or phone number is looked up one
    reading at a time (``key_searches``: surname matches before first-name matches), each in its index's
    order and cut at the limit, so a common surname costs the same in a service of 1,000 or
    100,000 people; a reading is not looked up once the page is full."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return SearchResults(patients=[], more=False)
    qs = Patient.objects.all()
    if not whole_service:
        # Whole teams, and for an employment adviser only the patients referred to them.
        qs = qs.filter(
            Q(team_id__in=teams_seen_whole(user, Permission.VIEW_PATIENT))
            | Q(
                team_id__in=team_ids_with_permission(user, Permission.VIEW_PATIENT),
                pk__in=EmploymentSupport.objects.filter(adviser=user, ended_at__isnull=True).values(
                    "patient_id"
                ),
            )
        )
    if parsed.nhs_number:
        qs = qs.filter(nhs_number=parsed.nhs_number)
    if parsed.date_of_birth:
        qs = qs.filter(date_of_birth=parsed.date_of_birth)
    qs = qs.select_related("team", "allocated_clinician")
    found: dict[int, Patient] = {}
    for condition, order in key_searches(parsed):
        if len(found) > SEARCH_LIMIT:
            break
        for patient in qs.filter(condition).order_by(*order)[: SEARCH_LIMIT + 1]:
            found.setdefault(patient.pk, patient)
    patients = list(found.values())
    return SearchResults(patients=patients[:SEARCH_LIMIT], more=len(patients) > SEARCH_LIMIT)


def possible_duplicates(
    *,
    nhs_number: str | None,
    family_name: str,
    given_name: str,
    date_of_birth: dt.date,
    exclude_pk: int | None = None,
) -> QuerySet[Patient]:
    """Existing records that may be the same person: same NHS number, or same name and DOB.

    Names are compared by ``identity_name_key`` (case, accents, apostrophes, hyphens and
    spaces ignored). The date of birth narrows the rows to a handful before names are compared.
    """
    wanted = (identity_name_key(family_name), identity_name_key(given_name))
    same_birth_date = Patient.objects.filter(date_of_birth=date_of_birth).values_list(
        "pk", "family_name", "given_name"
    )
    same_name_pks = [
        pk
        for pk, family, given in same_birth_date
        if (identity_name_key(family), identity_name_key(given)) == wanted
    ]
    same_person = Q(pk__in=same_name_pks)
    if nhs_number:
        same_person |= Q(nhs_number=nhs_number)
    qs = Patient.objects.filter(same_person).select_related("team")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def visible_to(user: User, patients: list[Patient]) -> tuple[list[Patient], bool]:
    """Split ``patients`` into those ``user`` may see, and whether any others exist.

    Another team's record is never shown (not even its name): only the fact that a record
    exists elsewhere, so the user can ask its team or use break-glass.
    """
    shown = [p for p in patients if has_permission(user, Permission.VIEW_PATIENT, obj=p)]
    return shown, len(shown) < len(patients)


def patient_for_banner(*, pk: int) -> Patient:
    return Patient.objects.for_banner().get(pk=pk)


def patient_ids_with_current_risk(*, patient_ids: Iterable[int]) -> set[int]:
    """Which of ``patient_ids`` have a current (not yet reviewed and cleared) risk concern,
    in one query: for lists and diaries that tag each row."""
    ids = list(patient_ids)
    if not ids:
        return set()
    return set(
        RiskFlag.objects.filter(patient_id__in=ids, cleared_at__isnull=True)
        .values_list("patient_id", flat=True)
        .distinct()
    )


def employment_advisers(*, team_id: int) -> QuerySet[User]:
    """The team's employment advisers, whom a clinician may refer a patient to."""
    return User.objects.filter(
        is_active=True,
        memberships__team_id=team_id,
        memberships__role=Role.EMPLOYMENT_ADVISER,
        memberships__active=True,
    ).distinct()
