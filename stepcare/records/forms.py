"""Forms of the clinical record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from stepcare.accounts.models import Team
from stepcare.fields import DateField as BoundedDateField
from stepcare.fields import ModelChoiceField, choose_from
from stepcare.records.models import (
    ClinicalDocument,
    Consent,
    FormulationTemplate,
    Letter,
    LetterDispatch,
    LetterTemplate,
    RelatedPerson,
)
from stepcare.referrals.models import Agency, Referral


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DocumentForm(forms.ModelForm[Any]):
    """The base of every document form: content fields plus the version it was opened at."""

    def content(self) -> dict[str, Any]:
        raise NotImplementedError


def document_form(kind: type[ClinicalDocument]) -> type[DocumentForm]:
    """A form for the content of a ``kind`` draft, with its version for concurrent edits."""
    widgets: dict[str, forms.Widget] = {}
    for name in kind.CONTENT_FIELDS:
        field = kind._meta.get_field(name)
        if isinstance(field, models.TextField):
            widgets[name] = forms.Textarea(attrs={"rows": 3})
        elif isinstance(field, models.DateField):
            widgets[name] = DateInput()

    class Form(DocumentForm):
        version = forms.IntegerField(widget=forms.HiddenInput, required=False)

        class Meta:
            model = kind
            fields = kind.CONTENT_FIELDS

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for f in self.fields.values():
                f.required = False
            if self.instance.pk and not self.is_bound:
                self.fields["version"].initial = self.instance.version

        def content(self) -> dict[str, Any]:
            return {k: v for k, v in self.cleaned_data.items() if k in kind.CONTENT_FIELDS}

    Form.Meta.widgets = widgets
    Form.__name__ = f"{kind.__name__}Form"
    return Form


class ReferralChoiceForm(forms.Form):
    referral = forms.ModelChoiceField(
        queryset=Referral.objects.none(), required=False, empty_label="Not about one referral"
    )

    def __init__(self, *args: Any, referrals: QuerySet[Referral] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if referrals is not None:
            choose_from(self, "referral", referrals)


class NewLetterForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.filter(active=True), required=False, empty_label="A blank letter"
    )
    recipient_kind = forms.ChoiceField(label="To", choices=Letter.Recipient.choices)
    related_person = forms.ModelChoiceField(
        label="Named person (for a letter to them)", queryset=RelatedPerson.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label="Agency (from the directory)", queryset=Agency.objects.filter(active=True), required=False
    )
    recipient_name = forms.CharField(
        label="Or an employer or organisation's name", required=False, max_length=200
    )

    def __init__(self, *args: Any, people: QuerySet[RelatedPerson] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            choose_from(self, "related_person", people)


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    legal_basis = forms.CharField(
        label="Legal basis for sharing without the patient's consent (only if they have not agreed)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: safeguarding concern about a child, shared under the Children Act 1989.",
    )
    raise_concern = forms.BooleanField(
        label="Show a risk concern on the patient's banner with my summary", required=False
    )


class AddendumForm(forms.Form):
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


class RelatedPersonForm(forms.ModelForm[RelatedPerson]):
    class Meta:
        model = RelatedPerson
        fields = ("name", "relationship", "phone", "address", "emergency_contact", "involvement")
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "involvement": forms.Textarea(attrs={"rows": 2}),
        }


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label="Consent to", choices=Consent.Scope.choices)
    given = forms.TypedChoiceField(
        label="Decision",
        choices=[("yes", "Agreed"), ("no", "Declined")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    related_person = forms.ModelChoiceField(
        label="Named person (to involve a family member or carer)",
        queryset=RelatedPerson.objects.none(),
        required=False,
    )
    agency_name = forms.CharField(
        label="Agency or employer (to share with them)", required=False, max_length=200
    )
    may_be_told = forms.CharField(
        label="What may be shared", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decided_on = forms.DateField(label="Date of the decision", widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args: Any, people: QuerySet[RelatedPerson] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            choose_from(self, "related_person", people)


class DispatchForm(forms.Form):
    """How and when a signed letter was sent."""

    route = forms.ChoiceField(
        label="How was it sent?",
        choices=LetterDispatch.Route.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the letter was sent."},
    )
    email_address = forms.EmailField(
        label="Secure email address (nhs.net), if sent by email",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address like name@nhs.net."},
    )
    dispatched_on = BoundedDateField(
        label="Date sent",
        widget=DateInput(),
        initial=timezone.localdate,
        error_messages={"required": "Give the date the letter was sent.", "invalid": "Enter a real date."},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)


class WithdrawConsentForm(forms.Form):
    withdrawn_on = forms.DateField(label="Date withdrawn", widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label="Reason or note", required=False, max_length=500)


class FormulationForm(forms.Form):
    """A formulation's form: one box per section of its template (``formulation_form``)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def content(self) -> dict[str, Any]:
        raise NotImplementedError


def formulation_form(template: FormulationTemplate) -> type[FormulationForm]:
    """A form with one box per section of ``template``."""

    class Form(FormulationForm):
        def content(self) -> dict[str, Any]:
            keys = [s["key"] for s in template.sections]
            return {"sections": {k: self.cleaned_data.get(f"s_{k}", "") for k in keys}}

    for section in template.sections:
        Form.base_fields[f"s_{section['key']}"] = forms.CharField(
            label=section["label"],
            help_text=section.get("help", ""),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    return Form


def formulation_initial(sections: dict[str, Any]) -> dict[str, Any]:
    return {f"s_{k}": v for k, v in sections.items()}


class GoalForm(forms.Form):
    description = forms.CharField(label="New goal, in the patient's words", max_length=300)
    rating = forms.IntegerField(label="Rating now (0 not at all – 10 fully met)", min_value=0, max_value=10)


class GoalRatingForm(forms.Form):
    rating = forms.IntegerField(label="Rating (0–10)", min_value=0, max_value=10)
    rated_on = forms.DateField(label="Date", widget=DateInput(), initial=timezone.localdate)


class GeneralConsultationForm(forms.Form):
    """Advice given in general, to someone outside the team, about no patient."""

    team = ModelChoiceField(queryset=Team.objects.none(), label="Given for the team")
    given_on = BoundedDateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    asked_by_name = forms.CharField(label="Who asked (name)", max_length=200)
    asked_by_role = forms.CharField(label="Their role", max_length=200, required=False)
    asked_by_organisation = forms.CharField(label="Their organisation", max_length=200, required=False)
    method = forms.CharField(label="How (phone, email, meeting)", max_length=100, required=False)
    question = forms.CharField(
        label="The question asked", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    advice = forms.CharField(
        label="The advice given", widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams)
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        self.fields["given_on"].initial = timezone.localdate()

    def clean_given_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("Advice cannot be recorded for a date in the future.")
        return day
