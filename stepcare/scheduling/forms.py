"""Diary forms. Messages are written for the receptionist or therapist at the desk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from stepcare.accounts.models import Room, Site, User
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import Appointment, Attendee, Unavailability, Weekday
from stepcare.scheduling.timeslots import LONDON

REPEAT_CHOICES = [("once", "Once"), ("1", "Every week"), ("2", "Every two weeks")]
PART_OF_DAY_CHOICES = [("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening (after 5pm)")]


def _parse_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise forms.ValidationError(
            "That time could not be read. Choose a time from the list again."
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=LONDON)
    return instant


class FindSlotForm(forms.Form):
    referral = forms.ModelChoiceField(queryset=Referral.objects.none(), empty_label=None, label="Referral")
    clinician = forms.ModelChoiceField(queryset=User.objects.none(), empty_label=None, label="Clinician")
    app_type = forms.ChoiceField(
        label="Appointment type", choices=Appointment.Type.choices, initial=Appointment.Type.TREATMENT
    )
    delivery_mode = forms.ChoiceField(
        label="How it will be held",
        choices=Appointment.DeliveryMode.choices,
        initial=Appointment.DeliveryMode.FACE_TO_FACE,
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        label="Site",
        help_text="Face-to-face appointments need a room at a site.",
    )
    duration = forms.IntegerField(
        label="Length in minutes",
        initial=60,
        min_value=15,
        max_value=180,
        error_messages={
            "min_value": "An appointment is at least 15 minutes.",
            "max_value": "An appointment is at most 3 hours.",
        },
    )
    from_date = forms.DateField(
        label="Look from",
        help_text="For example, 17/03/2026",
        error_messages={"invalid": "Enter the date as day/month/year, for example 17/03/2026."},
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Days the patient can come",
        choices=Weekday.choices[:6],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for any day.",
    )
    parts_of_day = forms.MultipleChoiceField(
        label="Times the patient can come",
        choices=PART_OF_DAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat = forms.ChoiceField(
        label="Repeat", choices=REPEAT_CHOICES, initial="once", widget=forms.RadioSelect
    )
    occurrences = forms.IntegerField(
        label="Number of sessions",
        initial=12,
        min_value=1,
        max_value=52,
        required=False,
        help_text="For a weekly or fortnightly series.",
    )
    interpreter_needed = forms.BooleanField(label="Interpreter needed", required=False)

    def __init__(self, *args: Any, referrals: Any, clinicians: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = referrals  # type: ignore[attr-defined]
        self.fields["clinician"].queryset = clinicians  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["from_date"].initial = timezone.localdate() + dt.timedelta(days=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery_mode") == Appointment.DeliveryMode.FACE_TO_FACE and not data.get("site"):
            self.add_error("site", "Choose a site: a face-to-face appointment needs a room.")
        if data.get("repeat") in ("1", "2") and not data.get("occurrences"):
            self.add_error("occurrences", "Enter how many sessions the series has.")
        return data

    @property
    def interval_weeks(self) -> int:
        repeat = self.cleaned_data.get("repeat", "once")
        return int(repeat) if repeat in ("1", "2") else 1

    @property
    def occurrence_count(self) -> int:
        if self.cleaned_data.get("repeat") in ("1", "2"):
            return int(self.cleaned_data.get("occurrences") or 1)
        return 1


class BookSlotForm(FindSlotForm):
    starts_at = forms.CharField(widget=forms.HiddenInput)
    room = forms.ModelChoiceField(queryset=Room.objects.all(), required=False, widget=forms.HiddenInput)

    def clean_starts_at(self) -> dt.datetime:
        return _parse_instant(self.cleaned_data["starts_at"])


class MoveForm(forms.Form):
    date = forms.DateField(
        label="New date",
        help_text="For example, 24/03/2026",
        error_messages={"invalid": "Enter the date as day/month/year, for example 24/03/2026."},
    )
    time = forms.TimeField(
        label="New start time",
        help_text="24-hour clock, for example 14:30",
        error_messages={"invalid": "Enter the time like 14:30."},
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, label="Room", empty_label="No room (telephone or video)"
    )

    def __init__(self, *args: Any, rooms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]

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
    attendee = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.ChoiceField(
        label="What happened?",
        choices=[(c.value, c.label) for c in Attendee.OUTCOMES],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened."},
    )


class RebookForm(forms.Form):
    starts_at = forms.CharField(widget=forms.HiddenInput)
    room = forms.ModelChoiceField(queryset=Room.objects.all(), required=False, widget=forms.HiddenInput)

    def clean_starts_at(self) -> dt.datetime:
        return _parse_instant(self.cleaned_data["starts_at"])


class FollowUpForm(forms.Form):
    attendee = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.CharField(widget=forms.HiddenInput)
    due_on = forms.DateField(widget=forms.HiddenInput)


class CalendarFeedForm(forms.Form):
    show_initials = forms.BooleanField(
        label="Show patients' initials in my calendar",
        required=False,
        help_text="Leave unticked unless your calendar is only on NHS devices: the address then shows "
        "no patient-identifying text at all.",
    )


class UnavailabilityForm(forms.Form):
    kind = forms.ChoiceField(label="What", choices=Unavailability.Kind.choices)
    date = forms.DateField(label="From date", help_text="For example, 06/04/2026")
    start = forms.TimeField(label="From time", initial=dt.time(9))
    end_date = forms.DateField(label="To date")
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


def clinician_label(user: User) -> str:
    return user.get_full_name() or user.username
