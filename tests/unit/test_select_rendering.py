"""Select widgets are written out in Python (``stepcare.rendering.select_html``) to the same
markup as the select template, which stays the reference: compared here on every kind of
choice a form gives."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from stepcare.rendering import SELECT_TEMPLATE, NHSFormRenderer, select_html

CHOICES = [
    ("", "Anyone"),
    (1, "O'Brien & <Sons>"),
    ("two", mark_safe("<b>Safe</b> label")),
    ("Group <one>", [("3", "Three"), ("4", 'Four "quoted"')]),
    ("", [("5", "Five, grouped under nothing")]),
    (6, 7),
]


class _Form(forms.Form):
    single = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    flagged = forms.ChoiceField(
        choices=CHOICES,
        required=False,
        widget=forms.Select(
            attrs={
                "disabled": True,
                "data-hidden": False,
                "data-x": 'a"b',
                "aria-describedby": mark_safe("x&y"),
            }
        ),
    )


def _through_the_template(widget: forms.Widget, name: str, value: object) -> str:
    context = widget.get_context(name, value, {"class": "nhsuk-select", "id": f"id_{name}"})
    return str(super(NHSFormRenderer, NHSFormRenderer()).render(SELECT_TEMPLATE, context))


@pytest.mark.parametrize("field", ["single", "many", "flagged"])
@pytest.mark.parametrize("value", [None, "", "1", ["1", "4"], "Group <one>", "6", "missing"])
def test_a_select_written_in_python_is_the_templates_markup(field, value) -> None:
    form = _Form()
    widget = form.fields[field].widget
    if field != "many" and isinstance(value, list):
        value = value[0]
    context = widget.get_context(field, value, {"class": "nhsuk-select", "id": f"id_{field}"})
    assert select_html(context["widget"]) == _through_the_template(widget, field, value)


def test_a_form_renders_its_selects_through_the_renderer() -> None:
    html = _Form(data={"single": "1"}, renderer=NHSFormRenderer())["single"].as_widget()
    assert '<option value="1" selected>O&#x27;Brien &amp; &lt;Sons&gt;</option>' in html


def test_an_option_with_a_template_of_its_own_renders_through_the_template() -> None:
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/select_option.html"

        def create_option(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            option = super().create_option(*args, **kwargs)
            option["template_name"] = "django/forms/widgets/select_option.html#custom"
            return option

    context = Custom(choices=[("1", "One")]).get_context("c", "1", {})
    assert select_html(context["widget"]) is None
