"""Groups: setting one up, adding members, and a session's register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from stepcare.accounts.models import Room, Team, User
from stepcare.fields import DateField, IntegerField, ModelChoiceField, ModelMultipleChoiceField, choose_from
from stepcare.referrals.models import Referral
from stepcare.scheduling.forms.common import PatientReferralField, limit_to_found
from stepcare.scheduling.models import (
    GROUP_SESSION_LENGTH,
    Appointment,
    Attendee,
    Group,
)

GROUP_MODES = [
    (Appointment.DeliveryMode.FACE_TO_FACE.value, Appointment.DeliveryMode.FACE_TO_FACE.label),
    (Appointment.DeliveryMode.VIDEO.value, Appointment.DeliveryMode.VIDEO.label),
]


class GroupTeamForm(forms.Form):
    """The first step of starting a group for someone who books for several teams: the group's
    team, whose clinicians are then offered as its facilitators."""

    team = ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label=None,
        label="Which team is the group for?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the team the group is for.",
            "invalid_choice": "Choose one of your teams.",
        },
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", teams)


class GroupForm(forms.Form):
    """A group of ``team`` (chosen before): its facilitators are the team's clinicians."""

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

    def __init__(
        self,
        *args: Any,
        team: Team,
        facilitators: QuerySet[User],
        rooms: QuerySet[Room],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "team", Team.objects.filter(pk=team.pk))
        choose_from(self, "facilitators", facilitators)
        choose_from(self, "room", rooms)
        self.fields["first_date"].initial = timezone.localdate() + dt.timedelta(days=7)
        self.fields["team"].widget = forms.HiddenInput()
        self.fields["team"].initial = team.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery_mode") == Appointment.DeliveryMode.FACE_TO_FACE and not data.get("room"):
            self.add_error("room", "Choose a room: a face-to-face group needs one.")
        if data.get("first_date") and data["first_date"] < timezone.localdate():
            self.add_error("first_date", "The first session cannot be in the past.")
        return data


class GroupMemberSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        required=False,
        max_length=100,
        help_text="Their name, NHS number or date of birth.",
    )


class GroupMemberForm(forms.Form):
    referral = PatientReferralField(
        queryset=Referral.objects.none(),
        label="Patient",
        empty_label="Choose a patient",
        help_text="Patients in this team with an open referral who are not already in the group.",
        error_messages={"required": "Choose the patient to add."},
    )

    def __init__(
        self, *args: Any, referrals: QuerySet[Referral], found: Iterable[Referral] = (), **kwargs: Any
    ) -> None:
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

    def __init__(self, *args: Any, attendees: Iterable[Attendee], **kwargs: Any) -> None:
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
