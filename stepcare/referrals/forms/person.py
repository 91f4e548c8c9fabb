"""Who a referral is for and how to reach them, and the public forms built on it: the
self-referral and the professional's referral."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings

from stepcare.fields import DateField
from stepcare.patients.codes import Language
from stepcare.patients.forms import clean_nhs_number, clean_phone, clean_postcode
from stepcare.referrals.forms.common import (
    NAME_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    DateInput,
    clean_name,
    clean_practice_code,
    clean_text,
    validate_date_of_birth,
)
from stepcare.referrals.models import (
    PreferredContact,
    SourceOfReferral,
    Urgency,
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
