"""The private calendar address."""

from __future__ import annotations

from django import forms


class CalendarFeedForm(forms.Form):
    show_initials = forms.BooleanField(
        label="Show patients' initials in my calendar",
        required=False,
        help_text="Leave unticked unless your calendar is only on NHS devices: the address then shows "
        "no patient-identifying text at all.",
    )
