"""What the referral forms share: cleaning typed text and names, dates, and the fields'
sizes. Messages are written for the person filling the form in."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.utils import timezone

from stepcare.fields import DateField

NAME_MAX = 100
TEXT_MAX = 3000
SHORT_TEXT_MAX = 200


def clean_text(value: str) -> str:
    """Drop control characters (keeping new lines) and trim. HTML is kept as typed and is
    escaped wherever it is shown."""
    value = unicodedata.normalize("NFC", value or "")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def clean_name(value: str) -> str:
    name = " ".join(clean_text(value).split())
    if re.search(r"[<>{}\[\]\\/@#$%^*=+|~`_0-9]", name):
        raise forms.ValidationError("Use letters only in names (hyphens and apostrophes are fine).")
    return name


def validate_date_of_birth(dob: dt.date) -> dt.date:
    today = timezone.localdate()
    if dob > today:
        raise forms.ValidationError("The date of birth must be in the past.")
    if dob < today.replace(year=today.year - 120):
        raise forms.ValidationError("The date of birth is more than 120 years ago: check the year.")
    return dob


def clean_practice_code(value: str) -> str:
    code = (value or "").upper().strip()
    if code and not re.fullmatch(r"[A-Z][0-9]{5}", code):
        raise forms.ValidationError("A GP practice code is a capital letter and five digits, like A81001.")
    return code


class DateInput(forms.DateInput):
    input_type = "text"


def date_field(
    label: str, help_text: str = "For example, 15/03/2025", required: bool = True
) -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={
            "invalid": "Enter the date as day/month/year, for example 15/03/2025.",
            "required": f"Enter the {label.lower()}.",
        },
    )


def _text(
    label: str, *, required: bool = True, rows: int = 3, max_length: int = TEXT_MAX, **kw: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )
