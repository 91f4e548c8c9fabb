"""Reads for outcome monitoring: what is due at a contact, a course's progress and status, the
clinician's caseload, the supervision pack, monitoring while waiting and the PHQ-9 item 9
prompt. Every score shown was computed by `stepcare.measures` (stored at recording) or is
classified by it here.

One module per page or concern (ADR 0019); this package re-exports every public name, so
callers import ``stepcare.outcomes.selectors``. Patch a name on the module that defines it.
"""

from __future__ import annotations

from stepcare.outcomes.selectors.caseload import (
    FILTERS,
    SORTS,
    Capacity,
    Caseload,
    CaseloadRow,
    capacity_for,
    caseload,
    service_and_settings,
    service_of,
)
from stepcare.outcomes.selectors.common import (
    ATTENDED,
    GAP_DAYS,
    STANDARD_WEEK_HOURS,
    TIMEPOINT_FOR_APP_TYPE,
    descriptor_on,
    outcome_settings,
)
from stepcare.outcomes.selectors.contact import (
    ContactMeasures,
    DueRow,
    contact_measures,
    item9_annotations,
    pair_gaps,
    risk_check_required,
    session_number,
)
from stepcare.outcomes.selectors.curves import (
    CURVE_CACHE_SECONDS,
    computed_curves,
    configuration_digest,
    curve_cache_key,
    service_curve,
    service_curves,
)
from stepcare.outcomes.selectors.progress import ContactRow, Progress, chart_measures, course_chart, progress
from stepcare.outcomes.selectors.supervision import (
    PACK_PAGE_SIZE,
    PackItem,
    SupervisionPack,
    supervisees,
    supervision_pack,
)
from stepcare.outcomes.selectors.waiting import (
    WAITING_MEASURES,
    WAITING_STATUSES,
    WaitingMonitor,
    WaitingRow,
    waiting_flags,
    waiting_history,
    waiting_monitor,
)

__all__ = [
    "ATTENDED",
    "CURVE_CACHE_SECONDS",
    "FILTERS",
    "GAP_DAYS",
    "PACK_PAGE_SIZE",
    "SORTS",
    "STANDARD_WEEK_HOURS",
    "TIMEPOINT_FOR_APP_TYPE",
    "WAITING_MEASURES",
    "WAITING_STATUSES",
    "Capacity",
    "Caseload",
    "CaseloadRow",
    "ContactMeasures",
    "ContactRow",
    "DueRow",
    "PackItem",
    "Progress",
    "SupervisionPack",
    "WaitingMonitor",
    "WaitingRow",
    "capacity_for",
    "caseload",
    "chart_measures",
    "computed_curves",
    "configuration_digest",
    "contact_measures",
    "course_chart",
    "curve_cache_key",
    "descriptor_on",
    "item9_annotations",
    "outcome_settings",
    "pair_gaps",
    "progress",
    "risk_check_required",
    "service_and_settings",
    "service_curve",
    "service_curves",
    "service_of",
    "session_number",
    "supervisees",
    "supervision_pack",
    "waiting_flags",
    "waiting_history",
    "waiting_monitor",
]
