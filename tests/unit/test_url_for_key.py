"""``url_for_key``: the diaries' links without reversing each one again (stepcare/templatetags)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

# Every URL name the diary cards link with it.
NAMES = ("scheduling:appointment", "patients:detail", "records:appointment_note", "outcomes:contact")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("key", [1, 7, 42, 918273645, 2**40])
def test_it_gives_what_the_url_tag_gives(name: str, key: int) -> None:
    source = "{% load stepcare %}{{ key|url_for_key:name }}|{% url name key %}"
    ours, django = Template(source).render(Context({"key": key, "name": name})).split("|")
    assert ours == django == reverse(name, args=[key])


def test_it_follows_the_script_prefix() -> None:
    try:
        set_script_prefix("/stepcare/")
        html = Template('{% load stepcare %}{{ 5|url_for_key:"patients:detail" }}').render(Context())
        assert html == reverse("patients:detail", args=[5]) and html.startswith("/stepcare/")
    finally:
        set_script_prefix("/")


def test_a_key_that_is_not_a_whole_number_is_refused() -> None:
    with pytest.raises(ValueError):
        Template('{% load stepcare %}{{ "1/../x"|url_for_key:"patients:detail" }}').render(Context())


def test_a_url_without_one_key_is_refused() -> None:
    with pytest.raises(NoReverseMatch):
        Template('{% load stepcare %}{{ 1|url_for_key:"scheduling:my_day" }}').render(Context())
