"""The referrals summary shown on a patient's page."""

from __future__ import annotations

from typing import Any

from django import template

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.patients.models import Patient
from stepcare.referrals.selectors import referrals_for_patient

register = template.Library()


@register.inclusion_tag("referrals/_patient_referrals.html", takes_context=True)
def patient_referrals(context: template.Context, patient: Patient) -> dict[str, Any]:
    """The patient's referrals, each linked where its page opens for the user (those who manage
    referrals in its team; not an employment adviser)."""
    user = getattr(context.get("request"), "user", None)
    opening = (
        team_ids_with_permission(user, Permission.MANAGE_REFERRALS)
        if isinstance(user, User) and user.is_authenticated
        else set()
    )
    return {"patient": patient, "referrals": referrals_for_patient(patient=patient), "opening_teams": opening}


@register.filter
def without_code(label: str) -> str:
    """A national code's description without the code in front ("46 – Mutually agreed
    completion of treatment" becomes "Mutually agreed completion of treatment")."""
    code, sep, words = str(label).partition(" – ")
    return words if sep and code.strip().isalnum() and len(code.strip()) <= 4 else str(label)
