"""Forms for supervision records, MDT meetings and the CPD log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.fields import DateField, IntegerField, ModelChoiceField, ModelMultipleChoiceField, choose_from
from stepcare.supervision.actions import ActionInput, CaseInput
from stepcare.supervision.models import CpdEntry, DiscussionCorrection

DATE_HELP = "For example, 24/03/2026"
# Action rows on the supervision form per case, and on the MDT decision and "add actions" forms;
# more can be added afterwards on the discussion's "add actions" page.
SUPERVISION_ACTION_ROWS = 2
ACTION_ROWS = 3


def row_suffix(n: int) -> str:
    """The first action row keeps the plain field names; later rows end in _2, _3..."""
    return "" if n == 1 else f"_{n}"


def _not_future(value: dt.date | None) -> dt.date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError("The date cannot be in the future.")
    return value


class SupervisionForm(forms.Form):
    """The session, then one set of fields per case from the pack: discussed or not, the
    decision, and up to SUPERVISION_ACTION_ROWS actions, each with its owner and due date."""

    OWNER_CHOICES = (("supervisee", "The supervisee"), ("supervisor", "Me (the supervisor)"))

    held_on = DateField(label="Date of supervision", help_text=DATE_HELP)
    duration_minutes = IntegerField(
        label="Duration in minutes",
        min_value=5,
        max_value=480,
        initial=60,
        error_messages={
            "min_value": "Supervision lasts at least 5 minutes.",
            "max_value": "Supervision lasts at most 8 hours (480 minutes).",
        },
    )
    notes = forms.CharField(label="General notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, cases: list[tuple[str, str]], **kwargs: Any) -> None:
        """`cases` are (key, label) for each case from the pack, in order."""
        super().__init__(*args, **kwargs)
        self.cases = cases
        for key, label in cases:
            self.fields[f"{key}_discussed"] = forms.BooleanField(
                label=f"Discussed {label}", required=False, initial=True
            )
            self.fields[f"{key}_decision"] = forms.CharField(
                label=f"Decision about {label}",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for n in range(1, SUPERVISION_ACTION_ROWS + 1):
                sfx = row_suffix(n)
                self.fields[f"{key}_action{sfx}"] = forms.CharField(
                    label=f"Action {n} agreed for {label}", required=False, max_length=500
                )
                self.fields[f"{key}_owner{sfx}"] = forms.ChoiceField(
                    label=f"Who will do action {n}",
                    choices=self.OWNER_CHOICES,
                    initial="supervisee",
                    required=False,
                )
                self.fields[f"{key}_due{sfx}"] = DateField(
                    label=f"Action {n} due by", required=False, help_text=DATE_HELP
                )

    def clean_held_on(self) -> dt.date | None:
        return _not_future(self.cleaned_data.get("held_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key, label in self.cases:
            for n in range(1, SUPERVISION_ACTION_ROWS + 1):
                sfx = row_suffix(n)
                if data.get(f"{key}_action{sfx}") and not data.get(f"{key}_due{sfx}"):
                    self.add_error(f"{key}_due{sfx}", f"Give a due date for action {n} about {label}.")
                if data.get(f"{key}_action{sfx}") and not data.get(f"{key}_discussed"):
                    self.add_error(f"{key}_discussed", f"Tick {label} as discussed to record an action.")
        return data

    def case_actions(self, key: str) -> list[tuple[str, str, dt.date]]:
        """(description, owner choice, due date) of each filled action row of one case."""
        data = self.cleaned_data
        rows = []
        for n in range(1, SUPERVISION_ACTION_ROWS + 1):
            sfx = row_suffix(n)
            if data.get(f"{key}_action{sfx}"):
                rows.append(
                    (data[f"{key}_action{sfx}"], data.get(f"{key}_owner{sfx}") or "", data[f"{key}_due{sfx}"])
                )
        return rows

    def chosen_cases(
        self, by_key: Mapping[str, Any], *, supervisor: User, supervisee: User
    ) -> list[CaseInput]:
        """The courses ticked as discussed, each with its decision and actions (an action owned
        by "supervisor" goes to `supervisor`, any other to `supervisee`); `by_key` holds the
        pack's items under their form keys."""
        data = self.cleaned_data
        chosen = []
        for key, item in by_key.items():
            if not data.get(f"{key}_discussed"):
                continue
            todo = [
                ActionInput(text, supervisor if owner == "supervisor" else supervisee, due)
                for text, owner, due in self.case_actions(key)
            ]
            chosen.append(
                CaseInput(
                    patient=item.row.referral.patient,
                    referral=item.row.referral,
                    reason="; ".join(item.reasons),
                    decision=data.get(f"{key}_decision", ""),
                    actions=todo,
                )
            )
        return chosen

    def case_fields(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": label,
                "discussed": self[f"{key}_discussed"],
                "decision": self[f"{key}_decision"],
                "action_rows": [
                    (
                        n,
                        self[f"{key}_action{row_suffix(n)}"],
                        self[f"{key}_owner{row_suffix(n)}"],
                        self[f"{key}_due{row_suffix(n)}"],
                    )
                    for n in range(1, SUPERVISION_ACTION_ROWS + 1)
                ],
            }
            for key, label in self.cases
        ]


class MeetingForm(forms.Form):
    team = ModelChoiceField(label="Team", queryset=Team.objects.none(), empty_label=None)
    held_on = DateField(label="Date of the meeting", help_text=DATE_HELP)
    title = forms.CharField(label="Title", max_length=200, initial="MDT meeting")
    attendees = ModelMultipleChoiceField(
        label="Attendees from the service",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    external_attendees = forms.CharField(
        label="Other attendees",
        required=False,
        max_length=2000,
        help_text="One a line: name, role and organisation (for example, Dr A Example, psychiatrist, CMHT)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, team_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", Team.objects.filter(pk__in=team_ids).order_by("name"))
        choose_from(
            self,
            "attendees",
            User.objects.filter(is_active=True, memberships__team_id__in=team_ids, memberships__active=True)
            .distinct()
            .order_by("last_name", "first_name"),
        )


class AgendaForm(forms.Form):
    patient = IntegerField(
        label="Patient", error_messages={"required": "Choose a patient from the search results."}
    )
    reason = forms.CharField(label="Why they are being brought", required=False, max_length=500)


class ActionRowsForm(forms.Form):
    """ACTION_ROWS rows of action, owner (one of `owners`) and due date; blank rows are ignored."""

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any) -> None:
        """`owners` are read once for every form on the page."""
        super().__init__(*args, **kwargs)
        self.owners = {str(u.pk): u for u in owners}
        choices = [("", "Choose someone"), *((k, str(u)) for k, u in self.owners.items())]
        for n in range(1, ACTION_ROWS + 1):
            sfx = row_suffix(n)
            self.fields[f"action{sfx}"] = forms.CharField(
                label="Action agreed" if n == 1 else f"Action {n} agreed", required=False, max_length=500
            )
            self.fields[f"owner{sfx}"] = forms.ChoiceField(
                label="Who will do it" if n == 1 else f"Who will do action {n}",
                required=False,
                choices=choices,
            )
            self.fields[f"due_on{sfx}"] = DateField(
                label="Due by" if n == 1 else f"Action {n} due by", required=False, help_text=DATE_HELP
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, ACTION_ROWS + 1):
            sfx = row_suffix(n)
            owner = data.get(f"owner{sfx}")
            data[f"owner{sfx}"] = self.owners.get(owner) if owner else None
            if data.get(f"action{sfx}") and (not data.get(f"owner{sfx}") or not data.get(f"due_on{sfx}")):
                self.add_error(f"action{sfx}", f"Action {n} needs someone to do it and a due date.")
        return data

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        """The bound fields of each row, for the template."""
        return [
            (self[f"action{row_suffix(n)}"], self[f"owner{row_suffix(n)}"], self[f"due_on{row_suffix(n)}"])
            for n in range(1, ACTION_ROWS + 1)
        ]

    def filled_actions(self) -> list[tuple[str, User, dt.date]]:
        data = self.cleaned_data
        return [
            (data[f"action{row_suffix(n)}"], data[f"owner{row_suffix(n)}"], data[f"due_on{row_suffix(n)}"])
            for n in range(1, ACTION_ROWS + 1)
            if data.get(f"action{row_suffix(n)}")
        ]


class DecisionForm(ActionRowsForm):
    confirm_patient = IntegerField(widget=forms.HiddenInput)
    decision = forms.CharField(
        label="Decision",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the decision."},
    )


class CaseActionsForm(ActionRowsForm):
    """Add actions to a discussion already recorded."""


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Correction",
        choices=(
            (DiscussionCorrection.Kind.ADDENDUM.value, "Add an addendum (the decision stays as recorded)"),
            (
                DiscussionCorrection.Kind.ENTERED_IN_ERROR.value,
                "Mark entered in error (for example, written against the wrong patient)",
            ),
        ),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an addendum or entered in error."},
    )
    text = forms.CharField(
        label="Addendum",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only for an addendum",
    )
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=500,
        error_messages={"required": "Give the reason for the correction."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == DiscussionCorrection.Kind.ADDENDUM and not (data.get("text") or "").strip():
            self.add_error("text", "Write the addendum.")
        return data


class CpdForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of entry", choices=CpdEntry.Kind.choices)
    on = DateField(label="Date", help_text=DATE_HELP)
    activity = forms.CharField(label="Activity", max_length=300)
    hours = forms.DecimalField(
        label="Hours",
        min_value=Decimal("0.25"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "min_value": "Enter at least a quarter of an hour (0.25).",
            "max_value": "Enter at most 100 hours for one entry.",
        },
    )
    reflection = forms.CharField(
        label="Reflection", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_on(self) -> dt.date | None:
        return _not_future(self.cleaned_data.get("on"))


class PeriodForm(forms.Form):
    start = DateField(label="From", required=False, help_text=DATE_HELP)
    end = DateField(label="To", required=False, help_text=DATE_HELP)


class CountersignForm(forms.Form):
    comment = forms.CharField(label="Comment", required=False, max_length=2000)
