"""Reads for reporting: the national NHS Talking Therapies KPIs for a period, counted in the
database over the referrals' derived fields (``kpis``, whose docstring defines every count),
the dashboard's figures and drill-down (``figures``), the referrals a report counts
(``scope``) and the tables beside the figures (``tables``).

One module per concern (ADR 0019); this package re-exports every public name, so callers
import ``stepcare.reporting.selectors``. Patch a name on the module that defines it.
"""

from __future__ import annotations

from stepcare.reporting.selectors.dashboard import (
    DASHBOARD_KEY_VERSION,
    DashboardData,
    compute_dashboard,
    dashboard,
    dashboard_cache_key,
    kept_for_a_while,
)
from stepcare.reporting.selectors.figures import (
    DASHBOARD,
    DENOMINATOR_LABELS,
    DRILLDOWN_KEYS,
    DRILLDOWN_ORDER_TEXT,
    Figure,
    drilldown,
    drilldown_order,
    figures,
    in_chunks,
)
from stepcare.reporting.selectors.kpis import (
    COUNT_KEYS,
    EIGHTEEN_WEEKS,
    HIDDEN_WAIT,
    LONDON,
    LONG_HIDDEN_WAIT,
    RATES,
    SIX_WEEKS,
    ReportRefused,
    cohort_filters,
    denominator,
    dna_counts,
    kpi_counts,
    kpis,
    kpis_for,
    period_bounds,
    scoped_referrals,
    with_rates,
)
from stepcare.reporting.selectors.scope import latest_modality, report_referrals, with_modality
from stepcare.reporting.selectors.tables import (
    AttendanceCounts,
    EndingRow,
    MonthRow,
    SessionsRow,
    WaitingNow,
    attendance,
    ending_reasons,
    monthly_trend,
    sessions_per_course,
    waiting_now,
)

__all__ = [
    "COUNT_KEYS",
    "DASHBOARD",
    "DASHBOARD_KEY_VERSION",
    "DENOMINATOR_LABELS",
    "DRILLDOWN_KEYS",
    "DRILLDOWN_ORDER_TEXT",
    "EIGHTEEN_WEEKS",
    "HIDDEN_WAIT",
    "LONDON",
    "LONG_HIDDEN_WAIT",
    "RATES",
    "SIX_WEEKS",
    "AttendanceCounts",
    "DashboardData",
    "EndingRow",
    "Figure",
    "MonthRow",
    "ReportRefused",
    "SessionsRow",
    "WaitingNow",
    "attendance",
    "cohort_filters",
    "compute_dashboard",
    "dashboard",
    "dashboard_cache_key",
    "denominator",
    "dna_counts",
    "drilldown",
    "drilldown_order",
    "ending_reasons",
    "figures",
    "in_chunks",
    "kept_for_a_while",
    "kpi_counts",
    "kpis",
    "kpis_for",
    "latest_modality",
    "monthly_trend",
    "period_bounds",
    "report_referrals",
    "scoped_referrals",
    "sessions_per_course",
    "waiting_now",
    "with_modality",
    "with_rates",
]
