"""Forms of the staff pages that are not one move: a referral entered by hand, a CSV import,
the directory search and the filters of the referral lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.fields import ModelChoiceField, choose_from
from stepcare.referrals.actions import Submission
from stepcare.referrals.forms.common import (
    SHORT_TEXT_MAX,
    TEXT_MAX,
    clean_practice_code,
    clean_text,
    date_field,
)
from stepcare.referrals.forms.person import PersonForm, PreferencesMixin
from stepcare.referrals.models import (
    Agency,
    SourceOfReferral,
    Step,
    Urgency,
)
from stepcare.referrals.selectors import ListFilters

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


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

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams if teams is not None else Team.objects.none())
        self.fields["phone_mobile"].required = False

    def submission(self) -> Submission:
        """The referral as entered (after ``is_valid``), for ``actions.submit_referral``."""
        d = self.cleaned_data
        return Submission(
            person=self.person(),
            source=d["source"],
            received_on=d["received_on"],
            presenting_difficulties=d["presenting_difficulties"],
            urgency=d["urgency"],
            preferred_contact=d["preferred_contact"],
            preferred_language=d["preferred_language"],
            interpreter_required=d["interpreter_required"],
            gp_practice_code=d["gp_practice_code"],
            gp_practice_name=d["gp_practice_name"],
            secondary_care_involvement=d["secondary_care_involvement"],
            referrer_name=d["referrer_name"],
            referrer_organisation=d["referrer_organisation"],
            referrer_contact=d["referrer_contact"],
            consent_given=d["consent"],
        )

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

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams if teams is not None else Team.objects.none())

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it into smaller files.")
        return upload


class AgencySearchForm(forms.Form):
    q = forms.CharField(label="Search the directory", max_length=100, required=False)
    category = forms.ChoiceField(
        label="Type of organisation", choices=[("", "All types"), *Agency.Category.choices], required=False
    )

    def search(self) -> tuple[str, str]:
        """The words searched for and the type of organisation (empty: all of them)."""
        if self.is_valid():
            return self.cleaned_data["q"], self.cleaned_data["category"]
        return "", ""


# A list's clinician filter is a choice of names up to this many clinicians in its teams; beyond
# it, the filter asks for a name (a service of two hundred clinicians is not a list to scroll,
# and the page stays the same size as the service grows).
CLINICIAN_CHOICES_MOST = 40


class ReferralListFilterForm(forms.Form):
    """Filters for the referral inbox and the waiting list (all optional)."""

    team = ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    step = forms.ChoiceField(label="Step", choices=[("", "Any step"), *Step.choices], required=False)
    # Offered as plain (key, name) choices read in one query of four columns: a model choice
    # field's objects and option dictionaries cost the inbox 7 ms a view at two hundred names.
    # Replaced by a name field when the teams hold more than CLINICIAN_CHOICES_MOST clinicians.
    clinician = forms.TypedChoiceField(label="Clinician", coerce=int, empty_value=None, required=False)
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
        self,
        *args: Any,
        teams: QuerySet[Team] | None = None,
        clinicians: QuerySet[User] | None = None,
        clinician_label: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams if teams is not None else Team.objects.none())
        self.clinicians = clinicians if clinicians is not None else User.objects.none()
        people = list(
            self.clinicians.values_list("pk", "first_name", "last_name", "username")[
                : CLINICIAN_CHOICES_MOST + 1
            ]
        )
        if len(people) > CLINICIAN_CHOICES_MOST:
            self.fields["clinician"] = forms.CharField(
                label="Clinician",
                required=False,
                max_length=100,
                help_text="A name or its start, for example: hughes",
            )
        else:
            clinician_field = self.fields["clinician"]
            assert isinstance(clinician_field, forms.TypedChoiceField)
            clinician_field.choices = [
                ("", "Anyone"),
                *((pk, User.name_of(first, last, username)) for pk, first, last, username in people),
            ]
        if clinician_label:
            self.fields["clinician"].label = clinician_label

    def clean_clinician(self) -> tuple[int, ...]:
        """The clinicians chosen: the one picked, or those whose names start with the words typed
        (each word the start of their first or last name); none chosen is no filter."""
        value = self.cleaned_data.get("clinician")
        if not isinstance(value, str):
            return () if value is None else (value,)
        words = value.split()
        if not words:
            return ()
        named = self.clinicians
        for word in words:
            named = named.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
        found = tuple(named.values_list("pk", flat=True)[: CLINICIAN_CHOICES_MOST + 1])
        if not found:
            raise forms.ValidationError(f"No clinician of these teams has a name starting “{value.strip()}”.")
        if len(found) > CLINICIAN_CHOICES_MOST:
            raise forms.ValidationError(
                f"More than {CLINICIAN_CHOICES_MOST} clinicians have a name starting “{value.strip()}”: "
                "type more of the name."
            )
        return found

    def filters(self) -> ListFilters:
        if not self.is_valid():
            return ListFilters()
        d = self.cleaned_data
        return ListFilters(
            team_id=d["team"].pk if d["team"] else None,
            step=d["step"] or "",
            clinician_ids=d["clinician"],
            source=d["source"] or "",
            urgency=d["urgency"] or "",
            screened=d["screened"] or "",
            breach=d["breach"] or "",
        )
