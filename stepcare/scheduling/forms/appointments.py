"""One appointment: moving it, cancelling it (or the series), attendance, rebooking and
the follow-up after a missed appointment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from stepcare.accounts.models import Room
from stepcare.fields import DateField, IntegerField, ModelChoiceField, choose_from
from stepcare.scheduling.forms.common import parse_instant
from stepcare.scheduling.models import (
    Appointment,
    Attendee,
)
from stepcare.scheduling.timeslots import LONDON


class MoveForm(forms.Form):
    date = DateField(
        label="New date",
        help_text="For example, 24/03/2026",
        error_messages={"invalid": "Enter the date as day/month/year, for example 24/03/2026."},
    )
    time = forms.TimeField(
        label="New start time",
        help_text="24-hour clock, for example 14:30",
        error_messages={"invalid": "Enter the time like 14:30."},
    )
    room = ModelChoiceField(
        queryset=Room.objects.none(), required=False, label="Room", empty_label="No room (telephone or video)"
    )

    def __init__(self, *args: Any, rooms: QuerySet[Room], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "room", rooms)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("time"):
            data["starts_at"] = dt.datetime.combine(data["date"], data["time"], tzinfo=LONDON)
            if data["starts_at"] < timezone.now():
                self.add_error("date", "The new time is in the past.")
        return data


class CancelForm(forms.Form):
    SCOPE_ONE = "one"
    SCOPE_REST = "rest"
    SCOPE_SKIP = "skip"

    cancelled_by = forms.ChoiceField(
        label="Who cancelled?",
        choices=Appointment.CancelledBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say who cancelled: the patient or the service."},
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason"), *Appointment.CancellationReason.choices],
        error_messages={"required": "Choose the reason for cancelling."},
    )
    note = forms.CharField(label="Note", required=False, max_length=300)
    scope = forms.ChoiceField(
        label="Which appointments?",
        choices=[
            (SCOPE_ONE, "Only this appointment"),
            (SCOPE_SKIP, "Skip this week and add a session at the end of the series"),
            (SCOPE_REST, "This and all later appointments in the series"),
        ],
        initial=SCOPE_ONE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, in_series: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["scope"]


class AttendanceForm(forms.Form):
    attendee = IntegerField(widget=forms.HiddenInput)
    code = forms.ChoiceField(
        label="What happened?",
        choices=[(c.value, c.label) for c in Attendee.OUTCOMES],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened."},
    )


class RebookForm(forms.Form):
    starts_at = forms.CharField(widget=forms.HiddenInput)
    room = ModelChoiceField(queryset=Room.objects.all(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appointment = appointment

    def clean_starts_at(self) -> dt.datetime:
        return parse_instant(self.cleaned_data["starts_at"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        room = cleaned.get("room")
        if not self.errors and room is not None and not self._at_appointment_site(room):
            raise forms.ValidationError(
                "Choose one of the times offered: that room is not at this appointment's site."
            )
        return cleaned

    def _at_appointment_site(self, room: Room) -> bool:
        here = self.appointment.room
        return here is not None and room.site_id == here.site_id

    @property
    def error_message(self) -> str:
        """The one line the page shows for a time that cannot be taken."""
        errors = self.non_field_errors()
        return str(errors[0]) if errors else "Choose a time from the list."


class FollowUpForm(forms.Form):
    attendee = IntegerField(widget=forms.HiddenInput)
    kind = forms.CharField(widget=forms.HiddenInput)
    due_on = DateField(widget=forms.HiddenInput)
