"""Monitoring while waiting: people on the waiting list, their latest checks and flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import F, OuterRef, Subquery

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
    page: Page[tuple[int, dt.date | None]]
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
    waiting = Referral.objects.filter(
        team_id__in=list(team_ids),
        status__in=WAITING_STATUSES,
        first_treatment_date__isnull=True,
        patient__isnull=False,
    )
    # The page's keys first, each ordered by its latest current score's date read from the
    # scores' index (narrow rows: the waiting list of a large service is thousands), then the
    # page's referrals with their patients and teams.
    latest = (
        MeasureResponse.objects.filter(referral=OuterRef("pk"), status=MeasureResponse.Status.CURRENT)
        .order_by("-completed_on")
        .values("completed_on")[:1]
    )
    keys = (
        waiting.annotate(last_check=Subquery(latest))
        .order_by(F("last_check").asc(nulls_first=True), "received_on", "pk")
        .values_list("pk", "last_check")
    )
    paginator = Paginator(keys, per_page)
    paginator.count = waiting.count()  # counted without the scores each row's date is read from
    page = paginator.get_page(page_number)
    checked = dict(page.object_list)
    found = Referral.objects.select_related("patient", "team").in_bulk(list(checked))
    referrals = [found[pk] for pk in checked]
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
            last_check=checked[x.pk],
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
