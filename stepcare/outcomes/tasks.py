"""Background jobs of outcome monitoring: the day's expected-response curves worked out before a
clinician opens a caseload (``selectors.curves.warm_curves``, on Celery beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="stepcare.outcomes.tasks.warm_expected_curves")  # type: ignore[untyped-decorator]
def warm_expected_curves() -> int:
    """Compute the curves the cache lacks for today, for every service; returns how many
    services had curves to compute (Celery beat, every 15 minutes)."""
    from stepcare.outcomes.selectors.curves import warm_curves

    return warm_curves()
