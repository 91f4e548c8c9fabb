"""KPI targets shown beside each figure. Configuration, not constants: a service sets
``STEPCARE_KPI_TARGETS`` (a dict of the keys below, fractions 0-1) to override any of them."""

from __future__ import annotations

from django.conf import settings

DEFAULT_TARGETS: dict[str, float] = {
    # The long-standing national recovery standard (DOMAIN.md §2).
    "recovery": 0.50,
    # NHS England performance ambitions 2023/24-2024/25 (DOMAIN.md §2, UNVERIFIED).
    "reliable_improvement": 0.67,
    "reliable_recovery": 0.48,
    # 2015 access standards: finished courses starting treatment within 6 / 18 weeks (UNVERIFIED citation).
    "six_weeks": 0.75,
    "eighteen_weeks": 0.95,
}


def kpi_targets() -> dict[str, float]:
    """The targets in force: the defaults with the service's overrides."""
    return {**DEFAULT_TARGETS, **getattr(settings, "STEPCARE_KPI_TARGETS", {})}
