"""Authorisation in one place: the policy.

A member of staff holds roles (``stepcare.accounts.roles``) in teams (``Membership``); a
permission about a patient is granted only by a role in a team that the patient belongs to,
or by an active break-glass grant (recorded by ``audit``). Employment advisers reach only the
patients referred to them.

Every view and endpoint asks ``has_permission(user, Permission.X, obj=...)``. This module
imports the models, audit and patients at the top; none of them imports it back.
"""

from __future__ import annotations

from typing import Any

from stepcare.accounts.models import User
from stepcare.accounts.roles import PATIENT_SCOPED, Permission, Role, permissions_for_role
from stepcare.audit.selectors import has_active_break_glass
from stepcare.patients.models import EmploymentSupport, Patient


def team_ids_with_permission(user: User, permission: Permission) -> set[int]:
    """Teams in which the user holds a role that grants ``permission``."""
    return {
        team_id for team_id, role in user.active_memberships() if permission in permissions_for_role(role)
    }


def has_permission(user: Any, permission: Permission, obj: Any = None) -> bool:
    """May ``user`` do ``permission`` (to ``obj``, when given)?

    - No object: the user holds the permission through a role in any team.
    - A patient: the user holds it through a role in one of the patient's teams, or has an
      active break-glass grant for that patient (viewing and editing only, and only if a
      role of theirs grants the permission somewhere).
    - Anything with a ``team_id``: a role in that team grants it.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    teams = team_ids_with_permission(user, permission)
    if not teams:
        return False
    if obj is None:
        return True

    if isinstance(obj, Patient):
        if obj.team_id in teams:
            return _relationship_holds(user, permission, obj)
        if permission in PATIENT_SCOPED:
            return has_active_break_glass(user=user, patient=obj)
        return False
    team_id = getattr(obj, "team_id", None)
    if team_id is not None:
        if team_id not in teams:
            return False
        if _only_as_employment_adviser(user, permission, team_id):
            # An adviser reaches an appointment only of a patient referred to them.
            patients = getattr(obj, "patients", None)
            if not isinstance(patients, list):
                return False
            return any(_supports(user, p) for p in patients)
        return True
    return False


def _only_as_employment_adviser(user: User, permission: Permission, team_id: int) -> bool:
    """Does ``user`` hold ``permission`` in the team only through the employment-adviser role?"""
    roles = {
        role
        for t, role in user.active_memberships()
        if t == team_id and permission in permissions_for_role(role)
    }
    return roles == {Role.EMPLOYMENT_ADVISER.value}


def _supports(user: User, patient: Any) -> bool:
    return patient.pk in supported_patient_ids(user)


def supported_patient_ids(user: User) -> set[int]:
    """The patients referred to ``user`` for employment support (those an adviser sees): read
    once per request, like the user's memberships, however many checks a page makes."""
    found: set[int] | None = user.__dict__.get("_supported_patient_ids")
    if found is None:
        current = EmploymentSupport.objects.filter(adviser=user, ended_at__isnull=True)
        found = user.__dict__["_supported_patient_ids"] = set(current.values_list("patient_id", flat=True))
    return found


def _relationship_holds(user: User, permission: Permission, patient: Any) -> bool:
    """Employment advisers see only the patients referred to them for employment support; every
    other role sees its teams' patients."""
    if _only_as_employment_adviser(user, permission, patient.team_id):
        return _supports(user, patient)
    return True


def teams_seen_whole(user: User, permission: Permission) -> set[int]:
    """Teams in which ``user`` sees every patient (not only as an employment adviser)."""
    return {
        team_id
        for team_id in team_ids_with_permission(user, permission)
        if not _only_as_employment_adviser(user, permission, team_id)
    }
