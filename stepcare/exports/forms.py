from __future__ import annotations

from typing import Any

from django import forms

from stepcare import fields
from stepcare.accounts.models import Team


class DatasetExportForm(forms.Form):
    ACTIONS = (
        ("dataset", "Export the dataset (a zip file of one CSV per table)"),
        ("dataset_validation", "Check the records only (the validator's report)"),
    )

    team = fields.ModelChoiceField(queryset=Team.objects.none(), empty_label=None, label="Team")
    start = fields.DateField(
        label="From (first day)", help_text="For example 1/10/2026", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    end = fields.DateField(
        label="To (last day)", help_text="For example 31/10/2026", input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    kind = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect, label="What to do", initial="dataset")

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = teams

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day must be on or after the first day.")
        return data
