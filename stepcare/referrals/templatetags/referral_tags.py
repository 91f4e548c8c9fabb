"""The referrals summary shown on a patient's page."""

from __future__ import annotations

from typing import Any

from django import template

from stepcare.patients.models import Patient
from stepcare.referrals.selectors import referrals_for_patient

register = template.Library()


@register.inclusion_tag("referrals/_patient_referrals.html")
def patient_referrals(patient: Patient) -> dict[str, Any]:
    return {"patient": patient, "referrals": referrals_for_patient(patient=patient)}


@register.filter
def without_code(label: str) -> str:
    """A national code's description without the code in front ("46 – Mutually agreed
    completion of treatment" becomes "Mutually agreed completion of treatment")."""
    code, sep, words = str(label).partition(" – ")
    return words if sep and code.strip().isalnum() and len(code.strip()) <= 4 else str(label)
