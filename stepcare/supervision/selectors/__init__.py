"""Reads for supervision, MDT meetings, CPD portfolios and countersignature; each with a
bounded number of queries whatever the size of the service. One module per concern:

- ``team``: who supervises whom (shared teams, trainees, named supervisors)
- ``countersignature``: trainees' documents awaiting a countersignature
- ``sessions``: supervision records, their discussions, corrections and open actions
- ``mdt``: MDT meetings and their agenda
- ``timeline``: discussions as entries of a patient's record timeline
- ``portfolio``: the CPD log and accreditation hours

Every selector is importable from here, as ``stepcare.supervision.selectors.<name>``; patch a
limit on the module that defines it."""

from stepcare.supervision.selectors.countersignature import (
    COUNTERSIGNED_KINDS,
    PENDING_LIMIT,
    awaiting_countersignature,
    awaiting_countersignature_page,
    awaiting_countersignature_total,
    countersign_context,
    countersignature_for,
    may_countersign,
    needs_countersignature,
)
from stepcare.supervision.selectors.mdt import (
    AGENDA_SEARCH_LIMIT,
    agenda_candidates,
    meeting_detail,
    meetings,
)
from stepcare.supervision.selectors.portfolio import Portfolio, portfolio
from stepcare.supervision.selectors.sessions import (
    PACK_RECORD_CAP,
    RecordCases,
    action_owners,
    discussion_detail,
    may_complete,
    may_see_supervision,
    may_write_about,
    open_actions_for,
    open_actions_page,
    record_cases,
    supervision_detail,
    supervision_sessions,
)
from stepcare.supervision.selectors.team import (
    is_trainee,
    named_supervisor_id,
    supervisee_queryset,
    supervising_team,
    team_member_ids,
    team_members,
)
from stepcare.supervision.selectors.timeline import timeline_entries

__all__ = [
    "AGENDA_SEARCH_LIMIT",
    "COUNTERSIGNED_KINDS",
    "PACK_RECORD_CAP",
    "PENDING_LIMIT",
    "Portfolio",
    "RecordCases",
    "action_owners",
    "agenda_candidates",
    "awaiting_countersignature",
    "awaiting_countersignature_page",
    "awaiting_countersignature_total",
    "countersign_context",
    "countersignature_for",
    "discussion_detail",
    "is_trainee",
    "may_complete",
    "may_countersign",
    "may_see_supervision",
    "may_write_about",
    "meeting_detail",
    "meetings",
    "named_supervisor_id",
    "needs_countersignature",
    "open_actions_for",
    "open_actions_page",
    "portfolio",
    "record_cases",
    "supervisee_queryset",
    "supervising_team",
    "supervision_detail",
    "supervision_sessions",
    "team_member_ids",
    "team_members",
    "timeline_entries",
]
