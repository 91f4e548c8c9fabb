from __future__ import annotations

import functools
from typing import Any

from django import forms, template
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


# A number no page links to, reversed once per URL name to find where the key goes.
_KEY_PLACEHOLDER = 918273645


@functools.lru_cache(maxsize=128)
def _around_the_key(name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_KEY_PLACEHOLDER])
    head, found, tail = url.partition(str(_KEY_PLACEHOLDER))
    if not found or str(_KEY_PLACEHOLDER) in tail:
        raise template.TemplateSyntaxError(f"{name!r} does not take one whole-number key")
    return head, tail


@register.filter
def url_for_key(key: object, name: str) -> str:
    """``{{ a.pk|url_for_key:"scheduling:appointment" }}``: what ``{% url name a.pk %}`` gives for
    a URL with one whole-number key (``<int:pk>``), without reversing the URL again for every
    row. The diaries link each of their hundreds of cards three or four times; reversing each
    link took a third of the team week's rendering."""
    head, tail = _around_the_key(name, get_script_prefix())
    return f"{head}{int(str(key))}{tail}"


@register.simple_tag
def referral_risk_tags(referral: Any) -> SafeString:
    """Risk on a referral row: acute risk noted at screening, and the patient's current risk
    concerns (``patient.active_risk_flags``; clinician judgement, never a score). Written here
    rather than included: the inbox and the waiting list show it on every row."""
    tags = ""
    if referral.acute_risk_identified:
        tags += (
            '<br><strong class="stepcare-tag stepcare-tag--risk" data-testid="row-acute-risk">'
            "Acute risk noted at screening</strong>"
        )
    patient = referral.patient
    if patient is not None and getattr(patient, "active_risk_flags", None):
        tags += (
            '<br><strong class="stepcare-tag stepcare-tag--risk" data-testid="row-risk">'
            "Risk concerns recorded</strong>"
        )
    return mark_safe(tags)  # noqa: S308 (fixed text)


@register.simple_tag
def patient_search_rows(results: list[Any], own_teams: set[int], can_audit: bool) -> SafeString:
    """The rows of "Find a patient", written here as the diaries' cards are (docs/adr/0021): the
    same markup as the table's ``row`` and ``cell`` tags, every value escaped. A search shows
    up to a screen of people; through the template each row cost more than its query."""
    rows = []
    for p in results:
        name = escape(p.display_name)
        own = p.team_id in own_teams
        shown = f'<a href="{url_for_key(p.pk, "patients:detail")}">{name}</a>' if own else name
        if can_audit:
            action = f'<a href="{url_for_key(p.pk, "patients:access_log")}">Access log{_for(name)}</a>'
        elif not own:
            action = f'<a href="{url_for_key(p.pk, "patients:break_glass")}">Break-glass{_for(name)}</a>'
        else:
            action = ""
        born = p.date_of_birth.strftime("%d/%m/%Y") if p.date_of_birth else ""
        cells = (shown, escape(p.formatted_nhs_number), born, escape(p.team.name), action)
        rows.append(
            '<tr class="nhsuk-table__row">'
            + "".join(f'<td class="nhsuk-table__cell">{cell}</td>' for cell in cells)
            + "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (each value escaped above)


def _for(name: str) -> str:
    """A link's words made whole for a screen reader: " for SMITH, Jane", visually hidden."""
    return f'<span class="nhsuk-u-visually-hidden"> for {name}</span>'
