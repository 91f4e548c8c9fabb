"""Patient forms. Messages are written for the receptionist or clinician at the desk."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from nhs_number.validate import is_valid as nhs_number_is_valid

from stepcare.accounts.models import Team, User
from stepcare.fields import DateField, IntegerField, ModelChoiceField, choose_from
from stepcare.patients.codes import LongTermCondition
from stepcare.patients.models import DEMOGRAPHIC_FIELDS, Patient, phone_digits

UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def clean_nhs_number(value: str) -> str | None:
    compact = re.sub(r"[\s-]", "", value or "")
    if not compact:
        return None
    if not compact.isdigit() or len(compact) != 10:
        raise forms.ValidationError("Enter the NHS number as 10 digits, for example 943 476 5919.")
    if not nhs_number_is_valid(compact):
        raise forms.ValidationError(
            "This is not a valid NHS number: the last digit (the check digit) does not match. "
            "Check each digit against the referral or the patient's NHS letter."
        )
    return compact


def clean_postcode(value: str) -> str:
    """A full UK postcode in capitals with its single space (ls14ap → LS1 4AP)."""
    raw = (value or "").upper().strip()
    if not raw:
        return ""
    m = UK_POSTCODE.match(raw)
    if not m:
        raise forms.ValidationError("Enter a full UK postcode, for example LS1 4AP.")
    return f"{m.group(1)} {m.group(2)}"


def clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if not re.fullmatch(r"[0-9 +()-]+", value):
        raise forms.ValidationError("Enter a phone number using digits only, for example 07700 900123.")
    digits = phone_digits(value)
    if not (digits.startswith("0") and 10 <= len(digits) <= 11):
        raise forms.ValidationError(
            "Enter a UK phone number of 10 or 11 digits starting with 0 (or +44), for example 07700 900123."
        )
    return value


class PatientForm(forms.ModelForm[Patient]):
    date_of_birth = DateField(
        label="Date of birth",
        help_text="For example, 15/03/1984",
        error_messages={"invalid": "Enter the date of birth as day/month/year, for example 15/03/1984."},
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits. Leave blank if the patient does not know it.",
    )
    long_term_conditions = forms.MultipleChoiceField(
        label="Long-term physical health conditions",
        choices=LongTermCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Patient
        fields = list(DEMOGRAPHIC_FIELDS)
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "given_name": {"required": "Enter the patient's first name."},
            "family_name": {"required": "Enter the patient's last name."},
            "email": {"invalid": "Enter an email address like name@example.com."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employment_status"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_nhs_number(self) -> str | None:
        return clean_nhs_number(self.cleaned_data.get("nhs_number", ""))

    def clean_date_of_birth(self) -> dt.date:
        dob: dt.date = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("The date of birth must be in the past.")
        if dob < today.replace(year=today.year - 120):
            raise forms.ValidationError("The date of birth is more than 120 years ago: check the year.")
        return dob

    def clean_given_name(self) -> str:
        return " ".join(self.cleaned_data["given_name"].split())

    def clean_family_name(self) -> str:
        return " ".join(self.cleaned_data["family_name"].split())

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data.get("postcode", ""))

    def clean_gp_practice_code(self) -> str:
        return (self.cleaned_data.get("gp_practice_code") or "").upper().strip()

    def clean_phone_mobile(self) -> str:
        return clean_phone(self.cleaned_data.get("phone_mobile", ""))

    def clean_phone_home(self) -> str:
        return clean_phone(self.cleaned_data.get("phone_home", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("may_text") and not data.get("phone_mobile") and "phone_mobile" not in self.errors:
            self.add_error("phone_mobile", "Add a mobile number, or untick 'we may send text messages'.")
        if data.get("may_email") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Add an email address, or untick 'we may email'.")
        return data

    def _get_validation_exclusions(self) -> set[str]:
        # The form checks the NHS number's format; its uniqueness is checked by the action,
        # which shows the existing record instead of a bare error.
        return {*super()._get_validation_exclusions(), "nhs_number"}  # type: ignore[misc]


class NewPatientForm(PatientForm):
    team = ModelChoiceField(queryset=Team.objects.none(), empty_label=None, label="Team responsible")

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams if teams is not None else Team.objects.none())


class RiskFlagForm(forms.Form):
    summary = forms.CharField(
        label="What are the current risk concerns? (your clinical judgement)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Describe the risk concerns in a sentence or two."},
    )


class ClearRiskFlagForm(forms.Form):
    reason = forms.CharField(
        label="Why is this concern no longer current?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say why the concern is no longer current."},
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to open this record?",
        help_text="This is recorded, and reviewed by the information-governance officer.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Write the reason you need this record."},
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Name, NHS number, date of birth or phone", max_length=100, required=False)
    whole_service = forms.BooleanField(label="Search the whole service", required=False)


class EmploymentSupportForm(forms.Form):
    adviser = ModelChoiceField(
        queryset=User.objects.none(), label="Employment adviser", empty_label="Choose an adviser"
    )
    end = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, advisers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "adviser", advisers)


class RecordDeathForm(forms.Form):
    """A death reported to the service: when, who said so, and a deliberate confirmation."""

    SOURCES = [
        ("", "Choose where the information came from"),
        ("Family member or carer", "Family member or carer"),
        ("GP practice", "GP practice"),
        ("Coroner", "Coroner"),
        ("Hospital or other NHS service", "Hospital or other NHS service"),
        ("NHS demographic records (PDS)", "NHS demographic records (PDS)"),
        ("Other", "Other (say who below)"),
    ]

    date_of_death = DateField(
        label="Date of death",
        help_text="For example, 27/03/2026",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"required": "Enter the date of death.", "invalid": "Enter the date as dd/mm/yyyy."},
    )
    source = forms.ChoiceField(
        label="Where did the information come from?",
        choices=SOURCES,
        error_messages={"required": "Say where the information came from."},
    )
    source_detail = forms.CharField(
        label="Who told the service (name or organisation)",
        required=False,
        max_length=150,
    )
    confirm = forms.BooleanField(
        label="I have checked that this is the right person. Their appointments will be cancelled, "
        "their referrals ended and no further contact made.",
        error_messages={"required": "Confirm that you have checked this is the right person."},
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_date_of_death(self) -> dt.date:
        day: dt.date = self.cleaned_data["date_of_death"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date of death cannot be in the future.")
        if day < self.patient.date_of_birth:
            born = self.patient.date_of_birth
            raise forms.ValidationError(
                f"The date of death cannot be before the date of birth ({born:%d/%m/%Y})."
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == "Other" and not (data.get("source_detail") or "").strip():
            self.add_error("source_detail", "Say who told the service.")
        return data

    @property
    def source_text(self) -> str:
        detail = (self.cleaned_data.get("source_detail") or "").strip()
        source = self.cleaned_data["source"]
        return f"{source}: {detail}" if detail else source
