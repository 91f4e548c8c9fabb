"""One form per referral move, from screening to discharge."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from stepcare.accounts.models import User
from stepcare.fields import ModelChoiceField, choose_from
from stepcare.referrals.forms.common import (
    _text,
    date_field,
)
from stepcare.referrals.models import (
    Agency,
    EndCode,
    OnwardReferral,
    ProblemDescriptor,
    Referral,
    Step,
    SuitabilityDecision,
)
from stepcare.referrals.models.codes import NOT_TAKEN_ON_CODES, TAKEN_ON_CODES


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

    def __init__(self, *args: Any, therapists: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "therapist", therapists if therapists is not None else User.objects.none())


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
