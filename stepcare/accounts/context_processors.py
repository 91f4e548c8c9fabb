from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix
from django.urls import reverse as _reverse

from stepcare.accounts.permissions import Permission, Role, has_permission

# The roles that hold a caseload and a diary of their own, and so start on "My day".
CLINICAL_ROLES = (
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
    Role.EMPLOYMENT_ADVISER,
)


@functools.lru_cache(maxsize=64)
def _link(name: str, script_prefix: str) -> str:
    return _reverse(name)


def reverse(name: str) -> str:
    """The header's links, reversed once per process (and script prefix), not on every page."""
    return _link(name, get_script_prefix())


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Header links for what this member of staff may reach."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_items": []}
    items = []
    if {role for _team, role in user.active_memberships()} & set(CLINICAL_ROLES):
        items.append(("My day", reverse("scheduling:my_day")))
    if has_permission(user, Permission.FIND_PATIENT):
        items.append(("Patients", reverse("patients:search")))
    if has_permission(user, Permission.BOOK_APPOINTMENTS) or has_permission(
        user, Permission.VIEW_TEAM_CASELOAD
    ):
        items.append(("Diary", reverse("scheduling:my_week")))
    if has_permission(user, Permission.BOOK_APPOINTMENTS):
        items.append(("Groups", reverse("scheduling:groups")))
    if has_permission(user, Permission.MANAGE_REFERRALS):
        items.append(("Referrals", reverse("referrals:inbox")))
    if has_permission(user, Permission.MANAGE_REFERRALS) or has_permission(user, Permission.ALLOCATE):
        items.append(("Waiting list", reverse("referrals:waiting_list")))
    if has_permission(user, Permission.MANAGE_REFERRALS):
        items.append(("Directory", reverse("referrals:directory")))
    if has_permission(user, Permission.WRITE_CLINICAL_NOTES):
        items.append(("Drafts", reverse("records:drafts")))
    if has_permission(user, Permission.WRITE_CLINICAL_NOTES) or has_permission(
        user, Permission.VIEW_TEAM_CASELOAD
    ):
        items.append(("Consultations and advice", reverse("records:consultations")))
    if has_permission(user, Permission.RECORD_OUTCOMES):
        items.append(("My caseload", reverse("outcomes:caseload")))
        items.append(("Waiting checks", reverse("outcomes:waiting")))
        # One entry: the supervision home links to packs (for supervisors), records, MDT, CPD.
        items.append(("Supervision", reverse("supervision:list")))
    if has_permission(user, Permission.MANAGE_STAFF):
        items.append(("Staff", reverse("accounts:staff_list")))
    if has_permission(user, Permission.VIEW_SERVICE_REPORTS):
        items.append(("Reports", reverse("reporting:dashboard")))
    if has_permission(user, Permission.VIEW_AUDIT):
        items.append(("Audit search", reverse("audit:search")))
        items.append(("Break-glass log", reverse("audit:break_glass_list")))
    return {"nav_items": items}
