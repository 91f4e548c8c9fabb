"""The supervision pack: the supervisee's courses that need discussing, and why."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from stepcare.accounts.models import User
from stepcare.measures import Registry
from stepcare.outcomes.registry import service_registry
from stepcare.outcomes.selectors.caseload import Caseload, CaseloadRow, caseload
from stepcare.outcomes.selectors.progress import course_chart
from stepcare.referrals.models import StepChange

# Supervision ------------------------------------------------------------------------------------


PACK_PAGE_SIZE = 25  # courses per page of the supervision pack


@dataclass
class PackItem:
    row: CaseloadRow
    reasons: list[str]
    chart: SafeString


@dataclass
class SupervisionPack:
    supervisee: User
    caseload: Caseload
    items: list[PackItem]
    # A trainee's signed notes and assessments still needing the supervisor's countersignature.
    awaiting_countersignature: list[Any] = field(default_factory=list)
    # How many more wait beyond the list (listed in full, paged, on supervision:awaiting).
    awaiting_more: int = 0


def supervision_pack(
    *,
    supervisee: User,
    page_number: int | str = 1,
    registry: Registry | None = None,
    per_page: int | None = None,
    charts: bool = True,
    trainee: bool | None = None,
) -> SupervisionPack:
    """The supervisee's open caseload (paged), with each course that needs discussing, why,
    and its progress chart: not on track, no reliable improvement after 6 sessions, risk
    concerns or PHQ-9 item 9 above 0, more sessions than planned, missed appointments, gaps.
    `charts=False` leaves the charts out (recording supervision needs only the reasons)."""
    registry = registry or service_registry()
    data = caseload(
        user=supervisee,
        sort="name",
        page_number=page_number,
        registry=registry,
        per_page=per_page or PACK_PAGE_SIZE,
        with_capacity=False,
    )
    ids = [row.referral.pk for row in data.rows]
    steps: dict[int, list[StepChange]] = defaultdict(list)
    for step in StepChange.objects.filter(referral_id__in=ids).exclude(from_step="").order_by("changed_on"):
        steps[step.referral_id].append(step)
    items = []
    for row in data.rows:
        reasons = []
        for measure in row.off_track:
            reasons.append(f"Not on track ({measure} above the expected range)")
        if row.no_reliable_change_after_six:
            reasons.append(f"No reliable improvement after {row.sessions_used} sessions")
        if row.risk_flags:
            reasons.append("Current risk concerns recorded")
        if row.item9_raised:
            reasons.append("PHQ-9 item 9 answered above 0 in this course")
        if row.over_planned_sessions:
            reasons.append(
                f"{row.sessions_used} sessions, more than the {row.planned_sessions} "
                "in the agreed treatment plan"
            )
        if row.over_nice_range and row.nice_range is not None:
            reasons.append(
                f"{row.sessions_used} sessions, more than the NICE range ({row.nice_range.describe()})"
            )
        if row.dnas:
            reasons.append(f"{row.dnas} missed appointment{'s' if row.dnas != 1 else ''}")
        if row.gap_over_28_days:
            reasons.append(f"No contact for {row.days_since_contact} days")
        if not reasons:
            continue
        if not charts:
            items.append(PackItem(row=row, reasons=reasons, chart=mark_safe("")))
            continue
        _measures, _rows, chart = course_chart(
            reference=row.referral.reference,
            current=row.responses,
            descriptor=row.descriptor,
            steps=steps[row.referral.pk],
            registry=registry,
        )
        items.append(PackItem(row=row, reasons=reasons, chart=chart))
    from stepcare.supervision.selectors import (
        PENDING_LIMIT,
        awaiting_countersignature,
        awaiting_countersignature_total,
    )

    waiting = awaiting_countersignature(supervisee, trainee_role=trainee) if charts else []
    # Counted only when the list is full: the pack then says how many more wait.
    full = len(waiting) >= PENDING_LIMIT
    total = sum(awaiting_countersignature_total(supervisee, trainee_role=trainee).values()) if full else 0
    return SupervisionPack(
        supervisee=supervisee,
        caseload=data,
        items=items,
        awaiting_countersignature=waiting,
        awaiting_more=max(0, total - len(waiting)),
    )


def supervisees(user: User) -> QuerySet[User]:
    """Clinicians in the teams where `user` supervises (themselves excluded)."""
    from stepcare.accounts.permissions import Permission, team_ids_with_permission

    teams = team_ids_with_permission(user, Permission.SUPERVISE)
    return (
        User.objects.filter(is_active=True, memberships__team_id__in=teams, memberships__active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )
