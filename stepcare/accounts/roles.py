"""Roles and permissions as plain data (no policy, no database): the models import it.

A *permission* is one thing a person may do. A *role* is a bundle of permissions. Who holds
which permission for which patient is decided in ``stepcare.accounts.access``.
"""

from __future__ import annotations

import enum

from django.db import models


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
