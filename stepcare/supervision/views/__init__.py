"""Supervision pages, one module per concern: check, validate, call one action, redirect.
Every response that shows a patient writes an audit event naming them.

- ``records``: a supervisee's caseload, recording supervision, the records, their actions and corrections
- ``countersignature``: documents awaiting a countersignature, and countersigning one
- ``mdt``: MDT meetings, their agenda and decisions
- ``cpd``: the CPD and accreditation portfolio (page, PDF, CSV)
- ``common``: what they share (refusals, audit of what is shown, fetching a supervisee)

Every view is importable from here, as ``stepcare.supervision.views.<name>``."""

from stepcare.supervision.views.countersignature import awaiting, countersign
from stepcare.supervision.views.cpd import portfolio, portfolio_csv, portfolio_pdf
from stepcare.supervision.views.mdt import agenda, decision, meeting, meeting_new, meetings
from stepcare.supervision.views.records import (
    OPEN_ACTIONS_SHOWN,
    SUPERVISEES_SHOWN,
    action_done,
    correct,
    discussion_actions,
    record_new,
    supervisee_caseload,
    supervision_list,
    supervision_record,
)

__all__ = [
    "OPEN_ACTIONS_SHOWN",
    "SUPERVISEES_SHOWN",
    "action_done",
    "agenda",
    "awaiting",
    "correct",
    "countersign",
    "decision",
    "discussion_actions",
    "meeting",
    "meeting_new",
    "meetings",
    "portfolio",
    "portfolio_csv",
    "portfolio_pdf",
    "record_new",
    "supervisee_caseload",
    "supervision_list",
    "supervision_record",
]
