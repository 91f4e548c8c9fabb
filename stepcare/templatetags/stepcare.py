from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

from stepcare.rendering import widget_class

register = template.Library()


@register.simple_tag
def nhs_widget(field: forms.BoundField, subwidget: object = None) -> SafeString:
    """Render a bound field's widget with the design system's class and error state."""
    css = widget_class(field.field.widget)
    if field.errors and css in {"nhsuk-input", "nhsuk-select", "nhsuk-textarea"}:
        css += f" {css}--error"
    attrs: dict[str, str | bool] = {"class": css}
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-hint"
    return field.as_widget(attrs=attrs)
