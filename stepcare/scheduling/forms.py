"""Diary forms. Messages are written for the receptionist or therapist at the desk."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any

from django import forms
from django.utils import timezone

from stepcare.accounts.models import Room, Site, Team, User
from stepcare.fields import DateField, IntegerField, ModelChoiceField, ModelMultipleChoiceField, date_in_range
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import (
    BOOKING_LENGTH,
    GROUP_SESSION_LENGTH,
    Appointment,
    Attendee,
    Group,
    Unavailability,
    Weekday,
)
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
    if not date_in_range(instant.date()):
        raise forms.ValidationError("That time could not be read. Choose a time from the list again.")
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=LONDON)
    return instant


class FindSlotForm(forms.Form):
    referral = ModelChoiceField(queryset=Referral.objects.none(), empty_label=None, label="Referral")
    clinician = ModelChoiceField(queryset=User.objects.none(), empty_label=None, label="Clinician")
    app_type = forms.ChoiceField(
        label="Appointment type", choices=Appointment.Type.choices, initial=Appointment.Type.TREATMENT
    )
    delivery_mode = forms.ChoiceField(
        label="How it will be held",
        choices=Appointment.DeliveryMode.choices,
        initial=Appointment.DeliveryMode.FACE_TO_FACE,
    )
    site = ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        label="Site",
        help_text="Face-to-face appointments need a room at a site.",
    )
    duration = IntegerField(
        label="Length in minutes",
        initial=60,
        min_value=BOOKING_LENGTH.shortest_minutes,
        max_value=BOOKING_LENGTH.longest_minutes,
        error_messages={
            "min_value": "An appointment is at least 15 minutes.",
            "max_value": "An appointment is at most 3 hours.",
        },
    )
    from_date = DateField(
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
    occurrences = IntegerField(
        label="Number of sessions",
        initial=12,
        min_value=1,
        max_value=52,
        required=False,
        help_text="For a weekly or fortnightly series.",
    )
    interpreter_needed = forms.BooleanField(label="Interpreter needed", required=False)
    partner_search = forms.CharField(
        label="Find a second patient (behavioural couples therapy)",
        required=False,
        max_length=100,
        help_text="Their name, NHS number or date of birth. Then choose them below and find free times.",
    )
    partner_referral = ModelChoiceField(
        queryset=Referral.objects.none(),
        required=False,
        label="Second patient",
        empty_label="None: a one-to-one appointment",
        help_text="Both people attend, each under their own open referral. Both must be free.",
    )

    def __init__(
        self,
        *args: Any,
        referrals: Any,
        clinicians: Any,
        sites: Any,
        partners: Any = None,
        partner_choices: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = referrals  # type: ignore[attr-defined]
        if partners is None:
            del self.fields["partner_referral"]
            del self.fields["partner_search"]
        else:
            limit_to_found(self.fields["partner_referral"], partners, partner_choices)
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
    room = ModelChoiceField(queryset=Room.objects.all(), required=False, widget=forms.HiddenInput)

    def clean_starts_at(self) -> dt.datetime:
        return _parse_instant(self.cleaned_data["starts_at"])

    def clean(self) -> dict[str, Any]:
        """Only a room the search offered: at the chosen site, and only face to face."""
        data = super().clean()
        room, site = data.get("room"), data.get("site")
        if data.get("delivery_mode") == Appointment.DeliveryMode.FACE_TO_FACE:
            if room is not None and site is not None and room.site_id != site.pk:
                self.add_error(None, "That room is not at the site chosen. Choose one of the times offered.")
        elif room is not None:
            self.add_error(
                None, "Only a face-to-face appointment has a room. Choose one of the times offered."
            )
        return data


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
        return _parse_instant(self.cleaned_data["starts_at"])

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


class CalendarFeedForm(forms.Form):
    show_initials = forms.BooleanField(
        label="Show patients' initials in my calendar",
        required=False,
        help_text="Leave unticked unless your calendar is only on NHS devices: the address then shows "
        "no patient-identifying text at all.",
    )


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


def clinician_label(user: User) -> str:
    return user.get_full_name() or user.username


def referral_label(referral: Referral) -> str:
    patient = referral.patient
    assert patient is not None
    return f"{patient.display_name} – NHS {patient.formatted_nhs_number} – {referral.reference}"


# Groups

GROUP_MODES = [
    (Appointment.DeliveryMode.FACE_TO_FACE.value, Appointment.DeliveryMode.FACE_TO_FACE.label),
    (Appointment.DeliveryMode.VIDEO.value, Appointment.DeliveryMode.VIDEO.label),
]


class GroupForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=120, help_text="For example, MBCT Tuesday evenings, spring"
    )
    kind = forms.ChoiceField(label="Kind of group", choices=Group.Kind.choices)
    team = ModelChoiceField(queryset=Team.objects.none(), empty_label=None, label="Team")
    capacity = IntegerField(
        label="Places",
        min_value=2,
        max_value=40,
        initial=12,
        error_messages={
            "min_value": "A group has at least 2 places.",
            "max_value": "A group has at most 40 places.",
        },
    )
    facilitators = ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label="Facilitators",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one facilitator."},
    )
    delivery_mode = forms.ChoiceField(
        label="How it will be held", choices=GROUP_MODES, initial=Appointment.DeliveryMode.FACE_TO_FACE
    )
    room = ModelChoiceField(
        queryset=Room.objects.none(),
        required=False,
        label="Room",
        empty_label="No room (video)",
        help_text="A face-to-face group needs a room big enough for everyone.",
    )
    first_date = DateField(
        label="Date of the first session",
        help_text="For example, 14/04/2026",
        error_messages={"invalid": "Enter the date as day/month/year, for example 14/04/2026."},
    )
    time = forms.TimeField(
        label="Start time",
        initial=dt.time(18),
        help_text="24-hour clock, for example 18:00",
        error_messages={"invalid": "Enter the time like 18:00."},
    )
    duration = IntegerField(
        label="Length of each session in minutes",
        initial=120,
        min_value=GROUP_SESSION_LENGTH.shortest_minutes,
        max_value=GROUP_SESSION_LENGTH.longest_minutes,
        error_messages={
            "min_value": "A session is at least 30 minutes.",
            "max_value": "A session is at most 4 hours.",
        },
    )
    sessions = IntegerField(
        label="Number of weekly sessions",
        initial=8,
        min_value=1,
        max_value=52,
        error_messages={
            "min_value": "A group has at least one session.",
            "max_value": "A group has at most 52 weekly sessions.",
        },
    )

    def __init__(self, *args: Any, teams: Any, facilitators: Any, rooms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["facilitators"].queryset = facilitators  # type: ignore[attr-defined]
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]
        self.fields["first_date"].initial = timezone.localdate() + dt.timedelta(days=7)
        team_list = list(teams)
        if len(team_list) == 1:
            self.fields["team"].widget = forms.HiddenInput()
            self.fields["team"].initial = team_list[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery_mode") == Appointment.DeliveryMode.FACE_TO_FACE and not data.get("room"):
            self.add_error("room", "Choose a room: a face-to-face group needs one.")
        if data.get("first_date") and data["first_date"] < timezone.localdate():
            self.add_error("first_date", "The first session cannot be in the past.")
        return data


def limit_to_found(field: forms.Field, queryset: Any, found: Any) -> None:
    """A patient picker that lists only the people a search found (never the whole team),
    while any open referral of the team remains a valid answer."""
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
    field.label_from_instance = referral_label  # type: ignore[assignment]
    field.widget.choices = [("", field.empty_label), *((r.pk, referral_label(r)) for r in found)]


class GroupMemberSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        required=False,
        max_length=100,
        help_text="Their name, NHS number or date of birth.",
    )


class GroupMemberForm(forms.Form):
    referral = ModelChoiceField(
        queryset=Referral.objects.none(),
        label="Patient",
        empty_label="Choose a patient",
        help_text="Patients in this team with an open referral who are not already in the group.",
        error_messages={"required": "Choose the patient to add."},
    )

    def __init__(self, *args: Any, referrals: Any, found: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_to_found(self.fields["referral"], referrals, found)


GROUP_ATTENDANCE_CHOICES = [
    ("", "Not recorded"),
    *[(c.value, c.label) for c in Attendee.OUTCOMES],
    (Attendee.AttendOrDNA.CANCELLED_BY_PATIENT.value, "Cancelled their place"),
]


class _RegisterChoice(forms.ChoiceField):
    """A member's line in the register: "Not recorded" is an answer, not a missing one."""

    def validate(self, value: Any) -> None:
        if value:
            super().validate(value)


class GroupAttendanceForm(forms.Form):
    """One choice per member of one session: the register."""

    def __init__(self, *args: Any, attendees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees = list(attendees)
        for attendee in self.attendees:
            self.fields[f"attendee_{attendee.pk}"] = _RegisterChoice(
                label=attendee.patient.display_name,
                choices=GROUP_ATTENDANCE_CHOICES,
                initial=attendee.attendance,
            )

    def codes(self) -> dict[int, str]:
        return {a.pk: self.cleaned_data.get(f"attendee_{a.pk}") or "" for a in self.attendees}


# Working patterns

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

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            key = day.name.lower()
            self.fields[f"{key}_hours"] = forms.CharField(
                label=f"{day.label} hours", required=False, max_length=100, help_text=PATTERN_HELP
            )
            self.fields[f"{key}_site"] = ModelChoiceField(
                queryset=sites, required=False, label=f"{day.label} site", empty_label="Any site or remote"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        blocks: list[tuple[int, dt.time, dt.time, Any]] = []
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
    def initial_for(rows: Any) -> dict[str, Any]:
        by_day: dict[int, list[str]] = {}
        sites: dict[int, Any] = {}
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
