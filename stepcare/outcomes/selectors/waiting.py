"""Monitoring while waiting: people on the waiting list, their latest checks and flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Q

from stepcare.measures import Registry
from stepcare.outcomes import due as due_rules
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.referrals.models import Referral

# Monitoring while waiting ------------------------------------------------------------------------


WAITING_STATUSES = (Referral.Status.WAITING, Referral.Status.ALLOCATED)
WAITING_MEASURES = (due_rules.DEPRESSION, due_rules.BACKUP_ANXIETY)


def waiting_flags(responses: list[MeasureResponse], registry: Registry) -> list[str]:
    """Why someone waiting needs a call back: a rise from their first score of at least the
    measure's reliable-change value (the core's definition), or PHQ-9 item 9 above 0 at the
    latest check. `responses` are current, in completed order."""
    flags = []
    for code in WAITING_MEASURES:
        totals = [r.total for r in responses if r.measure == code]
        measure = registry.get(code)
        if len(totals) >= 2 and measure.reliable_change is not None:
            rise = totals[-1] - totals[0]
            if rise > 0 and measure.reliable_change.is_reliable(rise):
                flags.append(f"{code} rose from {totals[0]:g} to {totals[-1]:g} (reliable change)")
    phq = [r for r in responses if r.measure == due_rules.DEPRESSION]
    if phq and (phq[-1].item9 or 0) > 0:
        flags.append(f"PHQ-9 item 9 answered {phq[-1].item9} on {phq[-1].completed_on:%-d %b %Y}")
    return flags


@dataclass
class WaitingRow:
    referral: Referral
    last_check: dt.date | None
    latest: dict[str, MeasureResponse]
    flags: list[str]


@dataclass
class WaitingMonitor:
    page: Page[Referral]
    rows: list[WaitingRow]


def waiting_monitor(
    *,
    team_ids: Iterable[int],
    flagged_first: bool = True,
    page_number: int | str = 1,
    per_page: int = 25,
    registry: Registry | None = None,
) -> WaitingMonitor:
    """People on the waiting list in these teams, longest since their last check first, paged
    in the database, with their latest PHQ-9 and GAD-7 and any flags."""
    registry = registry or service_registry()
    qs = (
        Referral.objects.filter(
            team_id__in=list(team_ids),
            status__in=WAITING_STATUSES,
            first_treatment_date__isnull=True,
            patient__isnull=False,
        )
        .select_related("patient", "team")
        .annotate(
            last_check=Max(
                "measure_responses__completed_on",
                filter=Q(measure_responses__status=MeasureResponse.Status.CURRENT),
            )
        )
        .order_by(F("last_check").asc(nulls_first=True), "received_on", "pk")
    )
    page = Paginator(qs, per_page).get_page(page_number)
    referrals = list(page.object_list)
    by_referral: dict[int, list[MeasureResponse]] = defaultdict(list)
    for r in (
        MeasureResponse.objects.current()
        .filter(referral_id__in=[x.pk for x in referrals], measure__in=WAITING_MEASURES)
        .in_order()
    ):
        by_referral[r.referral_id].append(r)
    rows = [
        WaitingRow(
            referral=x,
            last_check=x.last_check,
            latest={r.measure: r for r in by_referral[x.pk]},
            flags=waiting_flags(by_referral[x.pk], registry),
        )
        for x in referrals
    ]
    return WaitingMonitor(page=page, rows=rows)


def waiting_history(referral: Referral) -> list[MeasureResponse]:
    """The current PHQ-9 and GAD-7 scores of the referral, in completed order (one query)."""
    return list(
        MeasureResponse.objects.current()
        .filter(referral=referral, measure__in=WAITING_MEASURES)
        .select_related("recorded_by")
        .in_order()
    )
