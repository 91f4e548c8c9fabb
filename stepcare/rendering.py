"""Forms drawn in the NHS.UK design system's markup, so every form reads the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"

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

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        # A select of a hundred clinicians took a template render per option; it is written out
        # here instead, to the same markup as the select template (which stays the reference,
        # and renders any select whose options use a template of their own).
        if template_name == SELECT_TEMPLATE:
            written = select_html(context["widget"])
            if written is not None:
                return written
        return str(super().render(template_name, context, request))


def _text(value: Any) -> str:
    """``{{ value }}``: localised and escaped, as the template engine writes a value."""
    return str(conditional_escape(localize(value)))


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps safe text safe, and other text is escaped."""
    return str(value) if isinstance(value, SafeData) else str(escape(str(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html``: `` name="value"``, a bare `` name`` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(out)


def select_html(widget: dict[str, Any]) -> str | None:
    """A select widget's markup from its context, as ``select.html`` writes it (stripped, as a
    renderer returns it); None when an option has a template of its own."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts).strip()


def widget_class(widget: forms.Widget) -> str:
    for kind, css in _WIDGET_CLASSES.items():
        if isinstance(widget, kind):
            return css
    return ""
