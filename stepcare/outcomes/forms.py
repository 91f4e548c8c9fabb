"""Forms for entering questionnaire answers quickly at the desk or on the phone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms

from stepcare.measures import Measure, MeasuresError, Registry, normalise_code, parse_answers, score
from stepcare.outcomes.models import Timepoint

_SEPARATORS = re.compile(r"[\s,;]+")
_NOT_APPLICABLE = {"n", "x", "-"}


def answers_from_text(code: str, text: str, registry: Registry) -> list[int | None]:
    """Answers typed in one box: "012301230" (one digit per item), or separated by spaces or
    commas ("0 1 2 3 ..."). `n`, `x` or `-` (or `na` when separated) mark "not applicable".
    Validation and the messages are the core's (`parse_answers`)."""
    cleaned = text.strip()
    tokens = [t for t in _SEPARATORS.split(cleaned) if t] if _SEPARATORS.search(cleaned) else list(cleaned)
    tokens = ["na" if t.lower() in _NOT_APPLICABLE else t for t in tokens]
    answers = parse_answers(code, tokens, registry=registry)
    score(code, answers, registry=registry)  # the core's range checks, so every problem shows at once
    return answers


def field_name(measure: Measure) -> str:
    return f"m_{normalise_code(measure.code).lower()}"


class MeasuresForm(forms.Form):
    """One text box per questionnaire due, in the order they are asked."""

    completed_on = forms.DateField(
        label="Date completed",
        help_text="For example, 24/03/2026",
        error_messages={"invalid": "Enter the date as day/month/year, for example 24/03/2026."},
    )
    timepoint = forms.ChoiceField(label="When in the pathway", choices=Timepoint.choices)

    def __init__(self, *args: Any, measures: Sequence[Measure], registry: Registry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registry = registry
        self.measures = list(measures)
        for measure in self.measures:
            n = len(measure.items)
            self.fields[field_name(measure)] = forms.CharField(
                label=f"{measure.code}: {n} answers, each {measure.item_min} to {measure.item_max}",
                required=False,
                max_length=200,
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "off",
                        "spellcheck": "false",
                        "class": "nhsuk-input stepcare-answers",
                        "data-measure": measure.code,
                    }
                ),
            )
        self.entries: dict[str, list[int | None]] = {}

    def measure_fields(self) -> list[tuple[Measure, forms.BoundField]]:
        return [(m, self[field_name(m)]) for m in self.measures]

    def clean_completed_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["completed_on"]
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for measure in self.measures:
            name = field_name(measure)
            text = (data.get(name) or "").strip()
            if not text:
                continue
            try:
                self.entries[measure.code] = answers_from_text(measure.code, text, self.registry)
            except MeasuresError as exc:
                self.add_error(name, str(exc))
        if not self.entries and not self.errors:
            raise forms.ValidationError("Enter the answers of at least one questionnaire.")
        return data


class EnteredInErrorForm(forms.Form):
    response = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why was this entered in error?",
        max_length=500,
        widget=forms.TextInput(attrs={"class": "nhsuk-input"}),
    )


class CaseloadFilterForm(forms.Form):
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("last_contact", "Last contact (longest ago first)"),
            ("next", "Next appointment"),
            ("name", "Name"),
            ("sessions", "Sessions used"),
            ("received", "Date referred"),
        ],
    )
    show = forms.ChoiceField(
        required=False,
        choices=[
            ("all", "All open referrals"),
            ("gap", "No contact for over 28 days"),
            ("not_seen", "Allocated but not yet seen"),
            ("risk", "Current risk concerns"),
        ],
    )
