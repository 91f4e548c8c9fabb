"""What the diary forms share: typed choices of records, and how a referral or clinician is
labelled in a picker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.db.models import Model, QuerySet

from stepcare.accounts.models import User
from stepcare.fields import ModelChoiceField, date_in_range
from stepcare.referrals.models import Referral
from stepcare.scheduling.timeslots import LONDON


def clinician_label(user: User) -> str:
    return user.get_full_name() or user.username


def referral_label(referral: Referral) -> str:
    patient = referral.patient
    assert patient is not None
    return f"{patient.display_name} – NHS {patient.formatted_nhs_number} – {referral.reference}"


class PatientReferralField(ModelChoiceField):
    """A choice of referral labelled by its patient (name, NHS number) and reference."""

    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Referral)
        return referral_label(obj)


def parse_instant(value: str) -> dt.datetime:
    """A time chosen from a list of free times (ISO 8601), in London when it names no zone."""
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


def limit_to_found(field: forms.Field, queryset: QuerySet[Referral], found: Iterable[Referral]) -> None:
    """A patient picker that lists only the people a search found (never the whole team),
    while any open referral of the team remains a valid answer."""
    assert isinstance(field, PatientReferralField)
    field.queryset = queryset
    field.widget.choices = [("", field.empty_label), *((r.pk, referral_label(r)) for r in found)]
