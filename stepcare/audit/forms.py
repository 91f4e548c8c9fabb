"""The information-governance officer's audit search."""

from __future__ import annotations

from typing import Any

from django import forms

from stepcare.audit.models import AuditEvent
from stepcare.audit.search import AuditFilters
from stepcare.fields import DateField

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class AuditSearchForm(forms.Form):
    patient = forms.CharField(
        label="Patient",
        help_text="Name, NHS number or date of birth",
        required=False,
        max_length=100,
    )
    staff = forms.CharField(
        label="Member of staff", help_text="User name, or part of their name", required=False, max_length=150
    )
    date_from = DateField(
        label="From", help_text="For example, 01/11/2026", required=False, input_formats=DATE_FORMATS
    )
    date_to = DateField(
        label="To", help_text="For example, 30/11/2026", required=False, input_formats=DATE_FORMATS
    )
    action = forms.ChoiceField(
        label="What happened", choices=[("", "Anything"), *AuditEvent.Action.choices], required=False
    )
    refused_only = forms.BooleanField(label="Only access refused", required=False)
    break_glass_only = forms.BooleanField(label="Only break-glass access", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the date range is before its start.")
        return data

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        d = self.cleaned_data
        return AuditFilters(
            patient_query=d["patient"].strip(),
            staff=d["staff"].strip(),
            date_from=d["date_from"],
            date_to=d["date_to"],
            action=d["action"] or "",
            refused_only=d["refused_only"],
            break_glass_only=d["break_glass_only"],
        )
