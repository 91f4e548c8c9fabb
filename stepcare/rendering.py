"""Forms drawn in the NHS.UK design system's markup, so every form reads the same way."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES: dict[type[forms.Widget], str] = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.CheckboxSelectMultiple: "nhsuk-checkboxes__input",
    forms.RadioSelect: "nhsuk-radios__input",
    forms.widgets.Input: "nhsuk-input",
}


class NHSFormRenderer(TemplatesSetting):
    form_template_name = "_components/form.html"
    field_template_name = "_components/field.html"


def widget_class(widget: forms.Widget) -> str:
    for kind, css in _WIDGET_CLASSES.items():
        if isinstance(widget, kind):
            return css
    return ""
