"""A model choice field's options are read from the database once per form, however often the
page lists them, and again for a new queryset or a new form."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stepcare.accounts.models import Team
from stepcare.fields import ModelChoiceField
from tests.factories.accounts import TeamFactory

pytestmark = pytest.mark.django_db


class TeamForm(forms.Form):
    team = ModelChoiceField(queryset=Team.objects.order_by("name"))


def test_the_options_are_read_once_per_form_and_again_for_new_choices() -> None:
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    form = TeamForm()
    with CaptureQueriesContext(connection) as listed:
        first = list(form.fields["team"].choices)
        second = form.as_p()
        assert len(form.fields["team"].choices) == 3 and form.fields["team"].choices
    assert len(listed) == 1
    assert first == [("", "---------"), *((c[0], c[1]) for c in first[1:])]
    assert "North" in second and "South" in second
    form.fields["team"].queryset = Team.objects.filter(pk=north.pk)
    with CaptureQueriesContext(connection) as again:
        assert [label for _value, label in form.fields["team"].choices] == ["---------", "North"]
    assert len(again) == 1
    with CaptureQueriesContext(connection) as other_form:
        assert "South" in TeamForm().as_p()
    assert len(other_form) == 1
    bound = TeamForm({"team": str(south.pk)})
    assert bound.is_valid() and bound.cleaned_data["team"] == south


def test_once_listed_the_answer_is_checked_against_the_options_without_asking_again() -> None:
    from stepcare.fields import list_choices

    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    elsewhere = TeamFactory(name="Elsewhere")

    class NorthOrSouth(forms.Form):
        team = ModelChoiceField(queryset=Team.objects.filter(pk__in=[north.pk, south.pk]).order_by("name"))

    for answer, found in [(str(south.pk), south), (f" {north.pk} ", north)]:
        form = NorthOrSouth({"team": answer})
        list_choices(form, "team")
        with CaptureQueriesContext(connection) as checked:
            assert form.is_valid() and form.cleaned_data["team"] == found
        assert len(checked) == 0
    for wrong in (str(elsewhere.pk), "not a number", "99999999999999999999999", "<script>"):
        form = NorthOrSouth({"team": wrong})
        list_choices(form, "team")
        assert not form.is_valid()
        assert form.errors["team"] == [
            "Select a valid choice. That choice is not one of the available choices."
        ]
