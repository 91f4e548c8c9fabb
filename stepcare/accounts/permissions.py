"""Authorisation names, kept importable from their first home.

Roles and permissions (plain data) live in ``stepcare.accounts.roles``; the policy
(``has_permission``, break-glass, team membership) in ``stepcare.accounts.access``. New code
imports from those; this module re-exports both so existing imports keep working.
"""

from stepcare.accounts.access import (
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.accounts.roles import (
    PATIENT_SCOPED,
    ROLE_PERMISSIONS,
    P,
    Permission,
    Role,
    permissions_for_role,
)

__all__ = [
    "PATIENT_SCOPED",
    "ROLE_PERMISSIONS",
    "P",
    "Permission",
    "Role",
    "has_permission",
    "permissions_for_role",
    "team_ids_with_permission",
    "teams_seen_whole",
]
