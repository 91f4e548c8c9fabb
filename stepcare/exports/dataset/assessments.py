"""Presenting complaints (IDS603) and coded scored assessments, per referral (IDS606) and
per care activity (IDS607), with their SNOMED CT codes from ``stepcare.measures``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from stepcare.exports.dataset.common import Period, _d, _score
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.referrals.models import (
    ProblemDescriptorRecord,
    Referral,
)
from stepcare.scheduling.models import Attendee

# IDS603 presenting complaints ----------------------------------------------------------------
IDS603_COLUMNS = ("PathwayID", "PresCompId", "PresComp", "PresCompCodSig", "PresCompType", "PresCompDate")


def _ids603(period: Period, referrals: QuerySet[Referral]) -> Any:
    return (
        ProblemDescriptorRecord.objects.filter(
            referral__in=referrals, recorded_on__gte=period.start, recorded_on__lte=period.end
        )
        .order_by("pk")
        .values_list("referral__reference", "pk", "primary", "secondary", "recorded_on")
    )


def _coding(code: str) -> str:
    return "SNOMED" if code.isdigit() else "ICD10"


def _ids603_rows(r: Any) -> Iterator[tuple[object, ...]]:
    ref, pk, primary, secondary, recorded = r
    yield (ref, f"{pk}-P", primary, _coding(primary), "P", _d(recorded))
    if secondary:
        yield (ref, f"{pk}-S", secondary, _coding(secondary), "S", _d(recorded))


# IDS606 / IDS607 coded scored assessments ----------------------------------------------------
IDS606_COLUMNS = ("PathwayID", "UniqueID_IDS606", "CodedAssToolType", "AssToolLocalCode", "PersScore",
                  "AssToolCompDate")  # fmt: skip


IDS607_COLUMNS = ("PathwayID", "UniqueID_IDS607", "CareContactId", "CodedAssToolType", "AssToolLocalCode",
                  "PersScore", "AssToolCompDate")  # fmt: skip


def _responses(period: Period, referrals: QuerySet[Referral]) -> QuerySet[MeasureResponse]:
    return (
        MeasureResponse.objects.current()
        .filter(referral__in=referrals, completed_on__gte=period.start, completed_on__lte=period.end)
        .order_by("pk")
    )


def _ids606(period: Period, referrals: QuerySet[Referral]) -> Any:
    return (
        _responses(period, referrals)
        .filter(appointment__isnull=True)
        .values_list("referral__reference", "pk", "measure", "total", "completed_on")
    )


def _ids607(period: Period, referrals: QuerySet[Referral]) -> Any:
    contact = Attendee.objects.filter(appointment=OuterRef("appointment_id"), patient=OuterRef("patient_id"))
    return (
        _responses(period, referrals)
        .filter(appointment__isnull=False)
        .annotate(contact_id=Subquery(contact.values("pk")[:1]))
        .values_list("referral__reference", "pk", "contact_id", "measure", "total", "completed_on")
    )


def snomed_codes() -> dict[str, str]:
    """Each measure's SNOMED CT concept (CodedAssToolType), from the service's registry."""
    return {m.code: m.snomed_code or "" for m in service_registry()}


def _ids606_row(codes: dict[str, str]) -> Callable[[Any], tuple[object, ...]]:
    def row(r: Any) -> tuple[object, ...]:
        ref, pk, measure, total, completed = r
        return (ref, pk, codes.get(measure, ""), measure, _score(total), _d(completed))

    return row


def _ids607_row(codes: dict[str, str]) -> Callable[[Any], tuple[object, ...]]:
    def row(r: Any) -> tuple[object, ...]:
        ref, pk, contact, measure, total, completed = r
        return (ref, pk, contact or "", codes.get(measure, ""), measure, _score(total), _d(completed))

    return row
