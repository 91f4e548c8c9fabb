"""Supervision and MDT discussions as entries of a patient's record timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from stepcare.patients.models import Patient
from stepcare.supervision.models import (
    CaseAction,
    CaseDiscussion,
)
from stepcare.supervision.selectors.sessions import _corrections


def _notes(d: CaseDiscussion) -> tuple[str, ...]:
    """The corrections beside a discussion's decision, then its actions, for the timeline."""
    notes = [
        f"{c.get_kind_display()} on {c.recorded_at:%d/%m/%Y} by {c.recorded_by}: "
        + (f"{c.text} (reason: {c.reason})" if c.text else c.reason)
        for c in d.corrections.all()
    ]
    for a in d.actions.all():
        state = f"done {a.done_at:%d/%m/%Y}" if a.done_at else "open"
        notes.append(f"Action for {a.owner}, due {a.due_on:%d/%m/%Y} ({state}): {a.description}")
    return tuple(notes)


def timeline_entries(patient: Patient, cut: int) -> list[Any]:
    """The patient's supervision and MDT discussions for the record's timeline, each with its
    corrections and actions (one query, and two more only when there are discussions)."""
    from stepcare.records.selectors import TimelineEntry

    entries = []
    for d in (
        CaseDiscussion.objects.filter(patient=patient)
        .select_related("supervision__supervisor", "supervision__supervisee", "meeting")
        .prefetch_related(
            Prefetch("actions", queryset=CaseAction.objects.select_related("owner").order_by("due_on", "id")),
            _corrections(),
        )
        .order_by("-added_at", "-id")[:cut]
    ):
        if d.meeting is not None:
            title = f"{d.meeting.title}, {d.meeting.held_on:%d/%m/%Y}"
            url = ("supervision:meeting", (d.meeting_id,))
        else:
            s = d.supervision
            assert s is not None
            title = f"{s.supervisee} with {s.supervisor}, {s.held_on:%d/%m/%Y}"
            url = ("supervision:record", (d.supervision_id,))
        entries.append(
            TimelineEntry(
                "supervision",
                d.where,
                d.decided_at or d.added_at,
                title,
                f"Decision: {d.decision}" if d.decision else "On the agenda; no decision recorded yet",
                url[0],
                url[1],
                "Entered in error"
                if d.error_correction
                else "Corrected"
                if d.addenda
                else "Decided"
                if d.decision
                else "Open",
                _notes(d),
            )
        )
    return entries
