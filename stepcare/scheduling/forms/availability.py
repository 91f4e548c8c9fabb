"""A clinician's working pattern and time away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from django import forms
from django.db.models import QuerySet

from stepcare.accounts.models import Site
from stepcare.fields import DateField, ModelChoiceField
from stepcare.scheduling.models import (
    Unavailability,
    Weekday,
    WorkingHours,
)
from stepcare.scheduling.timeslots import LONDON


class UnavailabilityForm(forms.Form):
    kind = forms.ChoiceField(label="What", choices=Unavailability.Kind.choices)
    date = DateField(label="From date", help_text="For example, 06/04/2026")
    start = forms.TimeField(label="From time", initial=dt.time(9))
    end_date = DateField(label="To date")
    end = forms.TimeField(label="To time", initial=dt.time(17))
    note = forms.CharField(label="Note", required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(k) for k in ("date", "start", "end_date", "end")):
            data["starts_at"] = dt.datetime.combine(data["date"], data["start"], tzinfo=LONDON)
            data["ends_at"] = dt.datetime.combine(data["end_date"], data["end"], tzinfo=LONDON)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_date", "The end must be after the start.")
        return data


PATTERN_HELP = "For example 09:00-17:00, or 09:00-12:30, 13:00-17:00. Leave empty for a day not worked."


def parse_blocks(text: str) -> list[tuple[dt.time, dt.time]]:
    """``"09:00-12:30, 13:00-17:00"`` as a list of (start, end); a clear error otherwise."""
    blocks: list[tuple[dt.time, dt.time]] = []
    for part in text.replace("–", "-").replace(" to ", "-").split(","):
        part = part.strip()
        if not part:
            continue
        pieces = [p.strip() for p in part.split("-")]
        if len(pieces) != 2:
            raise forms.ValidationError(f"“{part}” could not be read. Write times like 09:00-17:00.")
        try:
            start, end = (dt.time.fromisoformat(p.replace(".", ":").zfill(5)) for p in pieces)
        except ValueError:
            raise forms.ValidationError(
                f"“{part}” could not be read. Write times like 09:00-17:00."
            ) from None
        if end <= start:
            raise forms.ValidationError(f"In “{part}” the end is before the start.")
        blocks.append((start, end))
    blocks.sort()
    for (_s1, end_a), (start_b, _e2) in pairwise(blocks):
        if start_b < end_a:
            raise forms.ValidationError("Two blocks of time on this day overlap.")
    return blocks


class WorkingPatternForm(forms.Form):
    """A clinician's week: one line of hours per day, and the site they work at that day."""

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            key = day.name.lower()
            self.fields[f"{key}_hours"] = forms.CharField(
                label=f"{day.label} hours", required=False, max_length=100, help_text=PATTERN_HELP
            )
            self.fields[f"{key}_site"] = ModelChoiceField(
                queryset=sites, required=False, label=f"{day.label} site", empty_label="Any site or remote"
            )
        # The sites are read once for the seven lists (each list read them again to render).
        site_fields = [field for field in self.fields.values() if isinstance(field, forms.ModelChoiceField)]
        options = list(site_fields[0].iterator(site_fields[0]))
        for field in site_fields:
            field.choices = options

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        blocks: list[tuple[int, dt.time, dt.time, Site | None]] = []
        for day in Weekday:
            key = day.name.lower()
            try:
                for start, end in parse_blocks(data.get(f"{key}_hours") or ""):
                    blocks.append((day.value, start, end, data.get(f"{key}_site")))
            except forms.ValidationError as exc:
                self.add_error(f"{key}_hours", exc)
        data["blocks"] = blocks
        return data

    @staticmethod
    def initial_for(rows: Iterable[WorkingHours]) -> dict[str, Any]:
        by_day: dict[int, list[str]] = {}
        sites: dict[int, int] = {}
        for row in rows:
            by_day.setdefault(row.weekday, []).append(f"{row.starts:%H:%M}-{row.ends:%H:%M}")
            if row.site_id:
                sites.setdefault(row.weekday, row.site_id)
        initial: dict[str, Any] = {}
        for day in Weekday:
            key = day.name.lower()
            initial[f"{key}_hours"] = ", ".join(by_day.get(day.value, []))
            initial[f"{key}_site"] = sites.get(day.value)
        return initial
