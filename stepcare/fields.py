"""Form fields that refuse values the database or the calendar cannot hold, with a message,
instead of failing later with a server error.

- Dates: between the years 1000 and 8999 (beyond them a date is a typing slip, and at
  0001-01-01 or 9999-12-31 date arithmetic overflows). Each form's own rules (a birth date in
  the past, a diary date near today) still apply inside this range, with their own messages.
- Whole numbers and record ids: within a signed 64-bit integer, the databases' limit.

Every Stepcare form uses these in place of Django's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

M = TypeVar("M", bound=models.Model)

EARLIEST = dt.date(1000, 1, 1)
LATEST = dt.date(8999, 12, 31)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
DATE_RANGE_MESSAGE = "That date is too far in the past or the future. Check the year."


def date_in_range(value: dt.date) -> bool:
    return EARLIEST <= value <= LATEST


def check_date(value: dt.date | None) -> None:
    if value is not None and not date_in_range(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


class DateField(forms.DateField):
    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        check_date(day)
        return day


class IntegerField(forms.IntegerField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


def _out_of_range(value: Any) -> bool:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False
    return not INT64_MIN <= number <= INT64_MAX


class ReadOnceChoices(forms.models.ModelChoiceIterator):
    """A model choice field's options read from the database once per form: Django's iterator
    asks again each time the options are listed (the widget's context, its length, its groups),
    and a booking page listed its clinicians and referrals twice."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.rows():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.rows()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.rows())

    def rows(self) -> list[Any]:
        """The queryset's objects, read at the first listing; read again for a new queryset
        (each form's copy of the field, or choices changed by the page)."""
        read: tuple[Any, list[Any]] | None = getattr(self.field, "read_choices", None)
        if read is None or read[0] is not self.queryset:
            read = (self.queryset, list(self.queryset))
            self.field.read_choices = read  # type: ignore[attr-defined]
        return read[1]


class ModelChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = ReadOnceChoices

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _out_of_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        read = getattr(self, "read_choices", None)
        if value in self.empty_values or read is None or read[0] is not self.queryset or self.to_field_name:
            return super().to_python(value)
        # The options were listed already (``list_choices``): the answer is one of them or none.
        if isinstance(value, self.queryset.model):
            value = value.pk
        try:
            key = self.queryset.model._meta.pk.to_python(value)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        for obj in read[1]:
            if obj.pk == key:
                return obj
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


def list_choices(form: forms.BaseForm, *names: str) -> None:
    """Read the options of these model choice fields now, for a page that lists them anyway:
    the answer is then checked against them, not read from the database a second time."""
    for name in names:
        field = form.fields.get(name)
        if isinstance(field, ModelChoiceField):
            ReadOnceChoices(field).rows()


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and any(_out_of_range(v) for v in value):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": "?"}
            )
        return super().clean(value)


def choose_from(form: forms.BaseForm, name: str, queryset: models.QuerySet[M]) -> forms.ModelChoiceField[M]:
    """Limit the model choice field ``name`` of ``form`` to ``queryset`` (the objects this page
    offers: the patient's referrals, people, the user's teams), and return the field."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
    return field
