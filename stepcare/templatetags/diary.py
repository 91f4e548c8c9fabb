"""The diaries' cards, written out in Python: ``{% diary_entries day.entries card_access %}``.

A team's week shows a few hundred cards (an appointment, time away or free time each), and the
card template included once per card was most of the page's cost. This tag writes the same
markup directly, every value escaped as the template engine escapes it. The appointment's
attendees and clinicians are the lists the diary selectors attach (``card_attendees``,
``card_clinician_ids``), so a card costs no query and no queryset.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from stepcare.scheduling.models import Appointment
from stepcare.templatetags.stepcare import url_for_key

register = template.Library()

NOTE, MEASURES = "records:appointment_note", "outcomes:contact"  # a card's links beside its title


@dataclass(frozen=True)
class CardAccess:
    """What a diary's cards show the user, by the appointment's team: its patients' names (and
    risk), and each link only where the page behind it opens for them (a service manager sees a
    team's names but does not book, write notes or record measures)."""

    names: frozenset[int]
    supported: frozenset[int]  # patients an employment adviser sees (referred to them)
    opens: frozenset[int]  # the appointment's page (booking)
    notes: frozenset[int]
    measures: frozenset[int]


def _hm(moment: dt.datetime) -> str:
    """``{{ moment|date:"H:i" }}``: the local time of day."""
    return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).strftime("%H:%M")


@functools.cache
def _labels(field: str) -> dict[str, str]:
    """An appointment field's choice labels (``get_<field>_display`` builds the map each call)."""
    choices = {"app_type": Appointment.Type, "delivery_mode": Appointment.DeliveryMode}[field]
    return {str(value): str(label) for value, label in choices.choices}


def _label(appointment: Any, field: str) -> str:
    value = getattr(appointment, field)
    return _labels(field).get(str(value), str(value))


def _span(moment_from: dt.datetime, moment_to: dt.datetime) -> str:
    return f'<span class="stepcare-entry__time">{_hm(moment_from)}–{_hm(moment_to)}</span>'


def _who(appointment: Any, attendees: list[Any], visible: bool) -> str:
    if appointment.kind == "group":
        group = appointment.group
        return escape(group.name if group is not None and group.name else "Group session")
    if visible:
        return " &amp; ".join(escape(att.patient.display_name) for att in attendees)
    return "Booked (another team)"


def _records(appointment: Any, attendees: list[Any]) -> str:
    links = []
    for att in attendees:
        patient = att.patient
        if appointment.kind == "individual":
            text = (
                f'Patient record<span class="nhsuk-u-visually-hidden">: {escape(patient.display_name)}</span>'
            )
        else:
            text = f"{escape(patient.given_name)}'s record"
        href = url_for_key(patient.pk, "patients:detail")
        links.append(f'<a href="{href}" data-testid="diary-patient-record">{text}</a> ')
    return f'<span class="stepcare-entry__record">{"".join(links)}</span>'


def _risks(appointment: Any, attendees: list[Any]) -> str:
    tags = []
    for att in attendees:
        patient = att.patient
        whose = "" if appointment.kind == "individual" else f": {escape(patient.given_name)}"
        if patient.risk_concerns:
            tags.append(
                f'<strong class="stepcare-tag stepcare-tag--risk" data-testid="diary-risk">'
                f"Risk concerns{whose}</strong> "
            )
        if patient.risk_review_overdue:
            tags.append(
                '<strong class="stepcare-tag stepcare-tag--risk" '
                f'data-testid="diary-risk-review-overdue">Risk review overdue{whose}</strong> '
            )
    return "".join(tags)


def _what(appointment: Any) -> str:
    parts = [escape(_label(appointment, "app_type")), " · ", escape(_label(appointment, "delivery_mode"))]
    if appointment.room:
        parts.append(f" · {escape(appointment.room.name)}")
    if appointment.interpreter_needed:
        parts.append(" · interpreter")
    if appointment.series_id:
        parts.append(f" · session {escape(appointment.series_position)}")
    return f'<span class="stepcare-entry__what">{"".join(parts)}</span>'


def reach(appointment: Any, access: CardAccess) -> tuple[bool, bool]:
    """Does the card name the appointment's patients, and does it link its page? A team's
    patients are named to those who see the whole team; an employment adviser sees an
    appointment's names when every patient in it was referred to them, and opens its page when
    one was (the access policy's rule)."""
    team = appointment.team_id
    theirs = [att.patient_id in access.supported for att in appointment.card_attendees]
    whole = team in access.names
    return whole or (bool(theirs) and all(theirs)), team in access.opens and (whole or any(theirs))


def appointment_card(appointment: Any, access: CardAccess) -> str:
    attendees = appointment.card_attendees
    team = appointment.team_id
    visible, opens = reach(appointment, access)
    kind = escape(appointment.kind)
    who = _who(appointment, attendees, visible)
    href = url_for_key(appointment.pk, "scheduling:appointment")
    lines = [
        f'<li class="stepcare-entry stepcare-entry--{kind}" data-testid="diary-appointment">',
        _span(appointment.starts_at, appointment.ends_at),
        f'<a href="{href}" class="stepcare-entry__who">{who}</a>'
        if opens
        else f'<span class="stepcare-entry__who">{who}</span>',
        _records(appointment, attendees) if visible and appointment.kind != "group" else "",
        _risks(appointment, attendees) if visible else "",
        (
            f'<a class="stepcare-entry__note" href="{url_for_key(appointment.pk, NOTE)}" '
            'data-testid="diary-note-link">Note</a>'
        )
        if visible
        and team in access.notes
        and appointment.kind == "individual"
        and not appointment.is_cancelled
        else "",
        (
            f'<a class="stepcare-entry__measures" href="{url_for_key(appointment.pk, MEASURES)}" '
            'data-testid="diary-measures">Measures</a>'
        )
        if visible
        and team in access.measures
        and appointment.kind != "group"
        and appointment.status != "cancelled"
        else "",
        _what(appointment),
    ]
    return "\n" + "\n  ".join(lines) + "\n</li>\n"


def entry_card(entry: Any, access: CardAccess) -> str:
    """One card of a diary day (an appointment, time away, or free time), as escaped markup."""
    if entry.kind == "appointment":
        return appointment_card(entry.appointment, access)
    span = _span(entry.starts_at, entry.ends_at)
    if entry.kind == "away":
        note = entry.away.note and f' <span class="stepcare-entry__what">{escape(entry.away.note)}</span>'
        return (
            f'\n<li class="stepcare-entry stepcare-entry--away">{span} '
            f'<span class="stepcare-entry__who">{escape(entry.away.get_kind_display())}</span>{note}</li>\n'
        )
    return (
        f'\n<li class="stepcare-entry stepcare-entry--free" data-testid="diary-free">{span} '
        '<span class="stepcare-entry__who">Free</span></li>\n'
    )


@register.simple_tag
def diary_entries(entries: Any, access: CardAccess) -> SafeString:
    """A diary day's cards, in order: ``{% diary_entries day.entries card_access %}``."""
    return mark_safe("".join(entry_card(entry, access) + "\n" for entry in entries))  # noqa: S308


@register.filter
def card_reach(appointment: Any, access: CardAccess) -> tuple[bool, bool]:
    """``reach`` for a template: ``{% with shown=a|card_reach:card_access %}`` then
    ``shown.0`` (its patients named) and ``shown.1`` (its page linked)."""
    return reach(appointment, access)
