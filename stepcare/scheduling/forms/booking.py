"""Finding free times for a referral and booking one of them (once or as a series)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from stepcare.accounts.models import Room, Site, User
from stepcare.fields import DateField, IntegerField, ModelChoiceField, choose_from
from stepcare.referrals.models import Referral
from stepcare.scheduling.forms.common import PatientReferralField, limit_to_found, parse_instant
from stepcare.scheduling.models import (
    BOOKING_LENGTH,
    Appointment,
    Weekday,
)

REPEAT_CHOICES = [("once", "Once"), ("1", "Every week"), ("2", "Every two weeks")]


PART_OF_DAY_CHOICES = [("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening (after 5pm)")]


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
    partner_referral = PatientReferralField(
        queryset=Referral.objects.none(),
        required=False,
        label="Second patient",
        empty_label="None: a one-to-one appointment",
        help_text="Both people attend, each under their own open referral. Both must be free.",
    )

    def __init__(
        self,
        *args: Any,
        referrals: QuerySet[Referral],
        clinicians: QuerySet[User],
        sites: QuerySet[Site],
        partners: QuerySet[Referral] | None = None,
        partner_choices: Iterable[Referral] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self, "referral", referrals)
        if partners is None:
            del self.fields["partner_referral"]
            del self.fields["partner_search"]
        else:
            limit_to_found(self.fields["partner_referral"], partners, partner_choices)
        choose_from(self, "clinician", clinicians)
        choose_from(self, "site", sites)
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
        return parse_instant(self.cleaned_data["starts_at"])

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
