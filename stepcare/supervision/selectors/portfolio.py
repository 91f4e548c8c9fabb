"""The CPD and accreditation portfolio: the log and hours between two dates."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Sum

from stepcare.accounts.models import User
from stepcare.supervision.models import (
    CpdEntry,
    SupervisionSession,
)
from stepcare.supervision.selectors.team import is_trainee


@dataclass
class Portfolio:
    user: User
    start: dt.date
    end: dt.date
    entries: list[CpdEntry]
    cpd_hours: Decimal
    supervision_received_recorded: Decimal
    supervision_received_manual: Decimal
    supervision_given_recorded: Decimal
    supervision_given_manual: Decimal
    trainee: bool
    practice_hours_recorded: Decimal = Decimal("0")
    practice_hours_manual: Decimal = Decimal("0")
    cases_by_modality: list[tuple[str, int, int]] = field(default_factory=list)  # (modality, cases, finished)

    @property
    def supervision_received(self) -> Decimal:
        return self.supervision_received_recorded + self.supervision_received_manual

    @property
    def supervision_given(self) -> Decimal:
        return self.supervision_given_recorded + self.supervision_given_manual

    @property
    def practice_hours(self) -> Decimal:
        return self.practice_hours_recorded + self.practice_hours_manual

    def csv_rows(self) -> list[list[str]]:
        """The portfolio as CSV rows (section, date, kind, activity, hours, reflection): the log,
        the totals, and for a trainee supervised practice and training cases."""
        rows = [["section", "date", "kind", "activity", "hours", "reflection"]]
        for e in self.entries:
            rows.append(
                ["log", e.on.isoformat(), e.get_kind_display(), e.activity, f"{e.hours}", e.reflection]
            )
        totals: list[tuple[str, Decimal]] = [
            ("CPD hours", self.cpd_hours),
            ("Supervision received (recorded in Stepcare)", self.supervision_received_recorded),
            ("Supervision received (entered)", self.supervision_received_manual),
            ("Supervision given (recorded in Stepcare)", self.supervision_given_recorded),
            ("Supervision given (entered)", self.supervision_given_manual),
        ]
        if self.trainee:
            totals += [
                ("Supervised practice (attended appointments)", self.practice_hours_recorded),
                ("Supervised practice (entered)", self.practice_hours_manual),
            ]
        rows += [["total", "", label, "", f"{hours}", ""] for label, hours in totals]
        if self.trainee:
            for modality, cases, finished in self.cases_by_modality:
                rows.append(["training cases", "", modality, f"{cases} cases, {finished} finished", "", ""])
        return rows


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / Decimal(60)).quantize(Decimal("0.01"))


def portfolio(*, user: User, start: dt.date, end: dt.date, limit: int = 500) -> Portfolio:
    """The CPD log and hours between two dates; for a trainee, supervised practice hours (their
    attended appointments) and training cases by modality (their signed treatment plans)."""
    from stepcare.referrals.models import Referral

    entries = list(
        CpdEntry.objects.filter(user=user, on__gte=start, on__lte=end).order_by("-on", "-id")[:limit]
    )
    manual: dict[str, Decimal] = {
        k: Decimal(v or 0).quantize(Decimal("0.01"))
        for k, v in CpdEntry.objects.filter(user=user, on__gte=start, on__lte=end)
        .values("kind")
        .annotate(total=Sum("hours"))
        .values_list("kind", "total")
    }
    sessions = SupervisionSession.objects.filter(held_on__gte=start, held_on__lte=end)
    received = sessions.filter(supervisee=user).aggregate(m=Sum("duration_minutes"))["m"]
    given = sessions.filter(supervisor=user).aggregate(m=Sum("duration_minutes"))["m"]
    result = Portfolio(
        user=user,
        start=start,
        end=end,
        entries=entries,
        cpd_hours=manual.get(CpdEntry.Kind.CPD, Decimal("0")),
        supervision_received_recorded=_hours(received),
        supervision_received_manual=manual.get(CpdEntry.Kind.SUPERVISION_RECEIVED, Decimal("0")),
        supervision_given_recorded=_hours(given),
        supervision_given_manual=manual.get(CpdEntry.Kind.SUPERVISION_GIVEN, Decimal("0")),
        trainee=is_trainee(user),
    )
    if result.trainee:
        result.practice_hours_recorded = _practice_hours(user, start, end)
        result.practice_hours_manual = manual.get(CpdEntry.Kind.SUPERVISED_PRACTICE, Decimal("0"))
        result.cases_by_modality = _cases_by_modality(user, start, end, Referral.Status.ENDED)
    return result


def _practice_hours(user: User, start: dt.date, end: dt.date) -> Decimal:
    from stepcare.scheduling.models import AppointmentClinician, Attendee

    attended = Attendee.objects.filter(appointment_id=OuterRef("appointment_id"), attendance__in=("5", "6"))
    rows = (
        AppointmentClinician.objects.filter(
            clinician=user, starts_at__date__gte=start, starts_at__date__lte=end
        )
        .filter(Exists(attended))
        .values_list("starts_at", "ends_at")
    )
    minutes = sum(int((e - s).total_seconds() // 60) for s, e in rows)
    return _hours(minutes)


def _cases_by_modality(user: User, start: dt.date, end: dt.date, ended: str) -> list[tuple[str, int, int]]:
    from stepcare.records.models import TreatmentPlan

    plans = (
        TreatmentPlan.objects.signed()
        .filter(author=user, signed_at__date__gte=start, signed_at__date__lte=end)
        .exclude(modality="")
        .values_list("modality", "referral_id", "referral__status")
    )
    cases: dict[str, set[Any]] = {}
    finished: Counter[str] = Counter()
    seen: set[tuple[str, Any]] = set()
    for modality, referral_id, status in plans:
        key = (modality, referral_id)
        if key in seen:
            continue
        seen.add(key)
        cases.setdefault(modality, set()).add(referral_id)
        finished[modality] += status == ended
    labels = dict(TreatmentPlan.Modality.choices)
    return sorted(((labels.get(m, m), len(ids), finished[m]) for m, ids in cases.items()), key=lambda r: r[0])
