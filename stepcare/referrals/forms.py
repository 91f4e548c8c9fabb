"""Referral forms: the public self-referral and professional forms, staff entry, and each
step of triage to discharge. Messages are written for the person filling the form in."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.fields import DateField, ModelChoiceField
from stepcare.patients.codes import Language
from stepcare.patients.forms import clean_nhs_number, clean_phone, clean_postcode
from stepcare.referrals.models import (
    Agency,
    EndCode,
    OnwardReferral,
    PreferredContact,
    ProblemDescriptor,
    Referral,
    SourceOfReferral,
    Step,
    SuitabilityDecision,
    Urgency,
)
from stepcare.referrals.models.codes import NOT_TAKEN_ON_CODES, TAKEN_ON_CODES
from stepcare.referrals.selectors import ListFilters

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


class PersonForm(forms.Form):
    """Who the referral is for."""

    given_name = forms.CharField(
        label="First name", max_length=NAME_MAX, error_messages={"required": "Enter a first name."}
    )
    family_name = forms.CharField(
        label="Last name", max_length=NAME_MAX, error_messages={"required": "Enter a last name."}
    )
    date_of_birth = DateField(
        label="Date of birth",
        help_text="For example, 15/03/1984",
        widget=DateInput(),
        error_messages={
            "invalid": "Enter the date of birth as day/month/year, for example 15/03/1984.",
            "required": "Enter a date of birth.",
        },
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, if known. You can find it on NHS letters or in the NHS App.",
    )
    phone_mobile = forms.CharField(label="Phone number", max_length=20, required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    address = forms.CharField(
        label="Address", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)

    def clean_given_name(self) -> str:
        return clean_name(self.cleaned_data["given_name"])

    def clean_family_name(self) -> str:
        return clean_name(self.cleaned_data["family_name"])

    def clean_date_of_birth(self) -> dt.date:
        return validate_date_of_birth(self.cleaned_data["date_of_birth"])

    def clean_nhs_number(self) -> str | None:
        return clean_nhs_number(self.cleaned_data.get("nhs_number", ""))

    def clean_phone_mobile(self) -> str:
        return clean_phone(self.cleaned_data.get("phone_mobile", ""))

    def clean_address(self) -> str:
        return clean_text(self.cleaned_data.get("address", ""))

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone_mobile") and not data.get("email") and not self.has_error("phone_mobile"):
            self.add_error(
                "phone_mobile", "Give a phone number or an email address so that we can contact you."
            )
        contact = data.get("preferred_contact")
        wants_phone = contact in {PreferredContact.PHONE, PreferredContact.TEXT}
        if wants_phone and not data.get("phone_mobile") and not self.has_error("phone_mobile"):
            self.add_error("phone_mobile", "Give a phone number, or choose another way to contact you.")
        if contact == PreferredContact.EMAIL and not data.get("email") and not self.has_error("email"):
            self.add_error("email", "Give an email address, or choose another way to contact you.")
        if contact == PreferredContact.LETTER and not data.get("address") and not self.has_error("address"):
            self.add_error("address", "Give an address, or choose another way to contact you.")
        return data

    def person(self) -> dict[str, Any]:
        person = {k: self.cleaned_data.get(k) for k in PersonForm.base_fields}
        if self.cleaned_data.get("preferred_language_other"):
            # Kept with the details as given, for staff to read and record.
            person["preferred_language_other"] = self.cleaned_data["preferred_language_other"]
        return person


class PreferencesMixin(forms.Form):
    preferred_contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=PreferredContact.choices,
        widget=forms.RadioSelect,
        initial=PreferredContact.PHONE,
    )
    preferred_language = forms.ChoiceField(label="Preferred language", choices=Language.choices, initial="en")
    preferred_language_other = forms.CharField(
        label="If you chose another language, which language?",
        max_length=60,
        required=False,
    )
    interpreter_required = forms.BooleanField(label="An interpreter is needed", required=False)
    gp_practice_name = forms.CharField(label="GP practice", max_length=SHORT_TEXT_MAX, required=False)

    def clean_preferred_language_other(self) -> str:
        other = clean_text(self.cleaned_data.get("preferred_language_other", ""))
        if self.cleaned_data.get("preferred_language") == Language.OTHER and not other:
            raise forms.ValidationError("Tell us which language you would like to use.")
        return other if self.cleaned_data.get("preferred_language") == Language.OTHER else ""


class PublicFormMixin(forms.Form):
    """Spam protection for the public forms: a field people never see, and a timing token."""

    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)


class SelfReferralForm(PersonForm, PreferencesMixin, PublicFormMixin):
    presenting_difficulties = forms.CharField(
        label="What would you like help with?",
        help_text="In your own words: how you have been feeling, for how long, and how it affects your life.",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Tell us a little about what you would like help with.",
            "max_length": (
                "Please keep this to %(limit_value)d characters or fewer (you have %(show_value)d)."
            ),
        },
    )
    secondary_care_involvement = forms.TypedChoiceField(
        label="Are you currently seeing a community mental health team or a psychiatrist?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Tell us whether you are seeing a community mental health team or a psychiatrist."
        },
    )
    consent = forms.BooleanField(
        label=(
            "I agree that the service may keep these details, contact me about my referral, "
            "and tell my GP that I have referred myself."
        ),
    )

    field_order = [
        "given_name",
        "family_name",
        "date_of_birth",
        "nhs_number",
        "phone_mobile",
        "email",
        "address",
        "postcode",
        "preferred_contact",
        "preferred_language",
        "preferred_language_other",
        "interpreter_required",
        "gp_practice_name",
        "presenting_difficulties",
        "secondary_care_involvement",
        "consent",
        "website",
        "started",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("given_name", "family_name"):
            self.fields[name].error_messages["required"] = (
                f"Enter your {str(self.fields[name].label).lower()}."
            )
        self.fields["date_of_birth"].error_messages["required"] = "Enter your date of birth."
        self.fields["gp_practice_name"].help_text = "The name of your GP surgery, if you have one."
        self.fields["interpreter_required"].label = "I would like an interpreter"
        self.fields["consent"].error_messages["required"] = (
            f"Tick the box to agree, or phone us on {settings.SERVICE_PHONE} "
            f"({settings.SERVICE_OPENING_HOURS}) if you would rather talk."
        )

    def clean_presenting_difficulties(self) -> str:
        return clean_text(self.cleaned_data["presenting_difficulties"])

    def clean_gp_practice_name(self) -> str:
        return clean_text(self.cleaned_data.get("gp_practice_name", ""))


class ProfessionalReferralForm(PersonForm, PreferencesMixin, PublicFormMixin):
    source = forms.ChoiceField(
        label="You are referring as",
        choices=[(k, v) for k, v in SourceOfReferral.choices if k != SourceOfReferral.SELF],
        initial=SourceOfReferral.GP,
    )
    referrer_name = forms.CharField(label="Your name", max_length=SHORT_TEXT_MAX)
    referrer_organisation = forms.CharField(label="Your organisation or practice", max_length=SHORT_TEXT_MAX)
    referrer_contact = forms.CharField(
        label="Your phone number or secure email",
        max_length=SHORT_TEXT_MAX,
        help_text="So that we can contact you about this referral.",
    )
    gp_practice_code = forms.CharField(label="GP practice code", max_length=6, required=False)
    urgency = forms.ChoiceField(
        label="Urgency", choices=Urgency.choices, initial=Urgency.ROUTINE, widget=forms.RadioSelect
    )
    presenting_difficulties = forms.CharField(
        label="Reason for referral and presenting difficulties",
        help_text="Include any risk information and current medication.",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    secondary_care_involvement = forms.TypedChoiceField(
        label="Is the person currently under secondary mental health care (CMHT or psychiatrist)?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person is under secondary mental health care."},
    )
    consent = forms.BooleanField(
        label="The person knows about this referral and agrees to it",
        error_messages={"required": "We can only accept a referral that the person has agreed to."},
    )

    def clean_gp_practice_code(self) -> str:
        return clean_practice_code(self.cleaned_data.get("gp_practice_code", ""))

    def clean_presenting_difficulties(self) -> str:
        return clean_text(self.cleaned_data["presenting_difficulties"])

    def clean_referrer_name(self) -> str:
        return clean_text(self.cleaned_data["referrer_name"])

    def clean_referrer_organisation(self) -> str:
        return clean_text(self.cleaned_data["referrer_organisation"])

    def clean_referrer_contact(self) -> str:
        return clean_text(self.cleaned_data["referrer_contact"])


class StaffReferralForm(PersonForm, PreferencesMixin):
    team = ModelChoiceField(
        queryset=Team.objects.none(), empty_label=None, label="Team receiving the referral"
    )
    source = forms.ChoiceField(label="Source of referral", choices=SourceOfReferral.choices)
    received_on = date_field("Date received")
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, initial=Urgency.ROUTINE)
    presenting_difficulties = forms.CharField(
        label="Presenting difficulties", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    gp_practice_code = forms.CharField(label="GP practice code", max_length=6, required=False)
    secondary_care_involvement = forms.BooleanField(
        label="Currently under secondary mental health care", required=False
    )
    referrer_name = forms.CharField(label="Referrer's name", max_length=SHORT_TEXT_MAX, required=False)
    referrer_organisation = forms.CharField(
        label="Referrer's organisation", max_length=SHORT_TEXT_MAX, required=False
    )
    referrer_contact = forms.CharField(
        label="Referrer's phone or email", max_length=SHORT_TEXT_MAX, required=False
    )
    consent = forms.BooleanField(label="The person agreed to the referral", required=False, initial=True)
    confirm_second = forms.BooleanField(
        label="The person already has an open referral in this service, and a second one is needed",
        required=False,
    )
    second_reason = forms.CharField(
        label="Why a second open referral is needed (only if you ticked the box)",
        max_length=500,
        required=False,
    )

    field_order = ["team", "source", "received_on", "urgency"]

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams if teams is not None else Team.objects.none()
        self.fields["phone_mobile"].required = False

    def clean_received_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date received cannot be in the future.")
        return day

    def clean_gp_practice_code(self) -> str:
        return clean_practice_code(self.cleaned_data.get("gp_practice_code", ""))

    def clean_presenting_difficulties(self) -> str:
        return clean_text(self.cleaned_data["presenting_difficulties"])


class ImportForm(forms.Form):
    team = ModelChoiceField(
        queryset=Team.objects.none(), empty_label=None, label="Team receiving the referrals"
    )
    file = forms.FileField(label="CSV file", help_text="One referral a row; the first row names the columns.")
    skip_bad_rows = forms.BooleanField(
        label="Import the good rows and leave out the bad ones",
        required=False,
        help_text="Otherwise nothing is imported until every row is right.",
    )

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams if teams is not None else Team.objects.none()


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


class ScreenForm(forms.Form):
    notes = _text("Screening notes", required=False)
    acute_risk = forms.BooleanField(label="Acute risk identified (your clinical judgement)", required=False)
    secondary_care = forms.BooleanField(label="Currently under secondary mental health care", required=False)


class AssessmentForm(forms.Form):
    assessment_date = date_field("Assessment date")


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=SuitabilityDecision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )
    reason = _text(
        "Reason for the decision", error_messages={"required": "Write the reason for the decision."}
    )


class ProblemForm(forms.Form):
    primary = forms.ChoiceField(label="Primary problem descriptor", choices=ProblemDescriptor.choices)
    secondary = forms.ChoiceField(
        label="Secondary problem descriptor",
        choices=[("", "None"), *ProblemDescriptor.choices],
        required=False,
    )
    recorded_on = date_field("Date recorded")
    note = _text("Why recorded or changed", required=False, rows=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("secondary") and data.get("secondary") == data.get("primary"):
            self.add_error("secondary", "The secondary problem must differ from the primary one.")
        return data


class PauseForm(forms.Form):
    start_date = date_field("Pause starts")
    reason = _text(
        "Why the person asked to pause",
        rows=2,
        error_messages={"required": "Write why the person asked to pause."},
    )


class ResumeForm(forms.Form):
    end_date = date_field("Waiting again from")


class AllocateForm(forms.Form):
    therapist = ModelChoiceField(
        queryset=User.objects.none(),
        label="Therapist",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a therapist."},
    )

    def __init__(self, *args: Any, therapists: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["therapist"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = therapists if therapists is not None else User.objects.none()


class StepForm(forms.Form):
    to_step = forms.ChoiceField(label="Move to", choices=Step.choices, widget=forms.RadioSelect)
    handover_summary = _text(
        "Handover summary",
        rows=5,
        help_text="What was tried, progress on the measures, risk, and why the step is changing.",
        error_messages={"required": "Write a handover summary for the clinician who takes over."},
    )

    def __init__(self, *args: Any, referral: Referral | None = None, **kwargs: Any) -> None:
        """Offer only the step the referral is not on already."""
        super().__init__(*args, **kwargs)
        if referral is not None and referral.step:
            field = self.fields["to_step"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(value, label) for value, label in Step.choices if value != referral.step]
            field.error_messages["invalid_choice"] = (
                f"This referral is already at step {referral.step}: choose the other step."
            )


class OnwardForm(forms.Form):
    agency = ModelChoiceField(
        queryset=Agency.objects.filter(active=True),
        label="Organisation",
        empty_label="Choose an organisation",
        required=False,
    )
    organisation_name = forms.CharField(
        label="Or type the organisation's name, if it is not in the directory",
        max_length=200,
        required=False,
    )
    kind = forms.ChoiceField(
        label="What are you doing?",
        choices=OnwardReferral.Kind.choices,
        widget=forms.RadioSelect,
        initial=OnwardReferral.Kind.SIGNPOST,
    )
    reason = _text(
        "Why", rows=3, error_messages={"required": "Write why you are signposting or referring on."}
    )


class EndForm(forms.Form):
    end_code = forms.ChoiceField(
        label="Ending reason",
        choices=[("", "Choose an ending reason"), *EndCode.choices],
        error_messages={"required": "Choose an ending reason."},
    )
    discharge_date = date_field("Discharge date")
    summary = _text("Discharge summary", rows=5, error_messages={"required": "Write a discharge summary."})

    def __init__(self, *args: Any, referral: Referral | None = None, **kwargs: Any) -> None:
        """Offer only the ending reasons that fit the referral: those for people taken on for
        treatment once treatment has started, the others before it has."""
        super().__init__(*args, **kwargs)
        valid = EndCode.values
        if referral is not None:
            valid = sorted(TAKEN_ON_CODES if referral.first_treatment_date else NOT_TAKEN_ON_CODES)
        field = self.fields["end_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Choose an ending reason"),
            *((code, _words_then_code(label)) for code, label in EndCode.choices if code in valid),
        ]
        if referral is not None:
            field.error_messages["invalid_choice"] = (
                "Treatment has started, so choose a reason for someone taken on for treatment."
                if referral.first_treatment_date
                else "For this referral no treatment is recorded, so choose a reason for someone "
                "not taken on for treatment (the 'taken on' reasons need an attended treatment session)."
            )


def _words_then_code(label: str) -> str:
    """ "46 – Mutually agreed completion of treatment" as "Mutually agreed completion of
    treatment (46)": the words first, the national code after."""
    code, sep, words = label.partition(" – ")
    return f"{words} ({code})" if sep else label


class ReopenForm(forms.Form):
    reason = _text(
        "Why is the person being seen again?",
        error_messages={"required": "Write why the person is being seen again."},
    )
    confirm_second = forms.BooleanField(
        label="The person already has an open referral in this service, and a second one is needed",
        required=False,
    )
    second_reason = forms.CharField(
        label="Why a second open referral is needed (only if you ticked the box)",
        max_length=500,
        required=False,
    )


class EnteredInErrorForm(forms.Form):
    reason = _text(
        "Why was this referral entered in error?",
        rows=2,
        help_text="For example: a duplicate of SC-ABCD-2345.",
        error_messages={"required": "Write why this referral was entered in error."},
    )


class AgencySearchForm(forms.Form):
    q = forms.CharField(label="Search the directory", max_length=100, required=False)
    category = forms.ChoiceField(
        label="Type of organisation", choices=[("", "All types"), *Agency.Category.choices], required=False
    )


class ReferralListFilterForm(forms.Form):
    """Filters for the referral inbox and the waiting list (all optional)."""

    team = ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    step = forms.ChoiceField(label="Step", choices=[("", "Any step"), *Step.choices], required=False)
    clinician = ModelChoiceField(
        label="Clinician", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    source = forms.ChoiceField(
        label="Source of referral", choices=[("", "Any source"), *SourceOfReferral.choices], required=False
    )
    urgency = forms.ChoiceField(label="Urgency", choices=[("", "Any"), *Urgency.choices], required=False)
    screened = forms.ChoiceField(
        label="Screened",
        choices=[("", "Screened or not"), ("yes", "Screened"), ("no", "Not yet screened")],
        required=False,
    )
    breach = forms.ChoiceField(
        label="Waiting since referral",
        choices=[("", "Any time"), ("6", "Over 6 weeks"), ("18", "Over 18 weeks")],
        required=False,
    )

    def __init__(
        self, *args: Any, teams: Any = None, clinicians: Any = None, clinician_label: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams if teams is not None else Team.objects.none()
        clinician_field = self.fields["clinician"]
        assert isinstance(clinician_field, forms.ModelChoiceField)
        clinician_field.queryset = clinicians if clinicians is not None else User.objects.none()
        if clinician_label:
            clinician_field.label = clinician_label

    def filters(self) -> ListFilters:
        if not self.is_valid():
            return ListFilters()
        d = self.cleaned_data
        return ListFilters(
            team_id=d["team"].pk if d["team"] else None,
            step=d["step"] or "",
            clinician_id=d["clinician"].pk if d["clinician"] else None,
            source=d["source"] or "",
            urgency=d["urgency"] or "",
            screened=d["screened"] or "",
            breach=d["breach"] or "",
        )
