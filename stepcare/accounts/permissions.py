"""Authorisation in one place.

A *permission* is one thing a person may do. A *role* is a bundle of permissions. A member of
staff holds roles in teams (``Membership``); a permission about a patient is granted only by a
role in a team that the patient belongs to, or by an active break-glass grant.

Every view and endpoint asks ``has_permission(user, Permission.X, obj=...)``.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from stepcare.accounts.models import User


class Permission(enum.StrEnum):
    VIEW_PATIENT = "view_patient"
    CREATE_PATIENT = "create_patient"
    EDIT_PATIENT = "edit_patient"
    FIND_PATIENT = "find_patient"
    BREAK_GLASS = "break_glass"
    VIEW_AUDIT = "view_audit"
    VIEW_TEAM_CASELOAD = "view_team_caseload"
    MANAGE_REFERRALS = "manage_referrals"
    DECIDE_SUITABILITY = "decide_suitability"
    ALLOCATE = "allocate"
    BOOK_APPOINTMENTS = "book_appointments"
    WRITE_CLINICAL_NOTES = "write_clinical_notes"
    SUPERVISE = "supervise"
    VIEW_SERVICE_REPORTS = "view_service_reports"
    MANAGE_STAFF = "manage_staff"
    VIEW_CLINICAL_RECORD = "view_clinical_record"
    EXPORT_RECORD = "export_record"
    RECORD_OUTCOMES = "record_outcomes"
    VIEW_OUTCOMES = "view_outcomes"
    CLEAR_RISK_FLAG = "clear_risk_flag"


class Role(models.TextChoices):
    HIGH_INTENSITY_THERAPIST = "hit", "High-intensity therapist"
    TRAINEE_HIGH_INTENSITY_THERAPIST = "trainee_hit", "Trainee high-intensity therapist"
    PWP = "pwp", "Psychological wellbeing practitioner"
    CLINICAL_SUPERVISOR = "supervisor", "Clinical supervisor"
    SERVICE_MANAGER = "service_manager", "Service manager"
    ADMINISTRATOR = "administrator", "Administrator (booking and referrals)"
    EMPLOYMENT_ADVISER = "employment_adviser", "Employment adviser"
    IG_OFFICER = "ig_officer", "Information-governance officer"


P = Permission
_CLINICIAN = {
    P.VIEW_PATIENT,
    P.FIND_PATIENT,
    P.CREATE_PATIENT,
    P.EDIT_PATIENT,
    P.BREAK_GLASS,
    P.MANAGE_REFERRALS,
    P.DECIDE_SUITABILITY,
    P.BOOK_APPOINTMENTS,
    P.WRITE_CLINICAL_NOTES,
    P.VIEW_CLINICAL_RECORD,
    P.CLEAR_RISK_FLAG,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HIGH_INTENSITY_THERAPIST: frozenset(_CLINICIAN),
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST: frozenset(_CLINICIAN - {P.DECIDE_SUITABILITY}),
    Role.PWP: frozenset(_CLINICIAN),
    Role.CLINICAL_SUPERVISOR: frozenset(_CLINICIAN | {P.SUPERVISE, P.VIEW_TEAM_CASELOAD, P.ALLOCATE}),
    Role.SERVICE_MANAGER: frozenset(
        {
            P.VIEW_PATIENT,
            P.FIND_PATIENT,
            P.BREAK_GLASS,
            P.VIEW_TEAM_CASELOAD,
            P.ALLOCATE,
            P.MANAGE_REFERRALS,
            P.VIEW_SERVICE_REPORTS,
            P.MANAGE_STAFF,
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            P.VIEW_PATIENT,
            P.FIND_PATIENT,
            P.CREATE_PATIENT,
            P.EDIT_PATIENT,
            P.MANAGE_REFERRALS,
            P.BOOK_APPOINTMENTS,
        }
    ),
    Role.EMPLOYMENT_ADVISER: frozenset(
        {P.VIEW_PATIENT, P.FIND_PATIENT, P.BOOK_APPOINTMENTS, P.WRITE_CLINICAL_NOTES, P.VIEW_CLINICAL_RECORD}
    ),
    Role.IG_OFFICER: frozenset({P.VIEW_AUDIT, P.FIND_PATIENT, P.EXPORT_RECORD}),
}

# Outcome measures: clinicians record them and see them; service managers see them.
for _role in (
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {P.RECORD_OUTCOMES, P.VIEW_OUTCOMES}
ROLE_PERMISSIONS[Role.SERVICE_MANAGER] = ROLE_PERMISSIONS[Role.SERVICE_MANAGER] | {P.VIEW_OUTCOMES}

# Permissions that are about one patient: held only through the patient's team(s) or an
# active break-glass grant. The others are about the service and hold in any of one's teams.
PATIENT_SCOPED = frozenset({P.VIEW_PATIENT, P.EDIT_PATIENT, P.VIEW_CLINICAL_RECORD})


def permissions_for_role(role: str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS.get(Role(role), frozenset())


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

    from stepcare.patients.models import Patient

    if isinstance(obj, Patient):
        if obj.team_id in teams:
            return _relationship_holds(user, permission, obj)
        if permission in PATIENT_SCOPED:
            from stepcare.audit.selectors import has_active_break_glass

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
    from stepcare.patients.models import EmploymentSupport

    return EmploymentSupport.objects.filter(patient=patient, adviser=user, ended_at__isnull=True).exists()


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
