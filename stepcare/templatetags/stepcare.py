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


PATIENT_PAGES = (
    ("Record", "patients:detail"),
    ("Appointments", "scheduling:patient_appointments"),
    ("Referrals", "referrals:patient_referrals"),
)


@register.inclusion_tag("_components/patient_nav.html", takes_context=True)
def patient_nav(context: template.Context, patient: object) -> dict[str, object]:
    """Links between a patient's pages, shown under the banner to those who may open them."""
    from django.urls import reverse

    from stepcare.accounts.permissions import Permission, has_permission

    request = context.get("request")
    user = getattr(request, "user", None)
    if patient is None or not has_permission(user, Permission.VIEW_PATIENT, obj=patient):
        return {"links": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    pk = getattr(patient, "pk", None)
    return {
        "links": [(label, reverse(name, kwargs={"pk": pk}), name == current) for label, name in PATIENT_PAGES]
    }
