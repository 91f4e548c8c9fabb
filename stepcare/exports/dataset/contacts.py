"""Care: IDS201 (care contact), IDS202 (care activity) and IDS902 (the qualifications of the
clinicians in those contacts)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from stepcare.exports.dataset.common import Period, _d, _local
from stepcare.referrals.models import (
    Qualification,
    Referral,
)
from stepcare.scheduling.models import AppointmentClinician, Attendee

# IDS201 care contact and IDS202 care activity ------------------------------------------------
IDS201_COLUMNS = (
    "PathwayID",
    "CareContactId",
    "CareContDate",
    "CareContTime",
    "AttendOrDNACode",
    "AppType",
    "ConsMechanism",
    "ClinContDurOfCareCont",
    "CareProfLocalId",
)


IDS202_COLUMNS = (
    "PathwayID",
    "CareActId",
    "CareContactId",
    "CareProfLocalId",
    "ClinContactDurOfCareAct",
    "CodeProcAndProcStatus",
)


def _contacts(period: Period, referrals: QuerySet[Referral]) -> Any:
    start, end = period.bounds
    lead = AppointmentClinician.objects.filter(appointment=OuterRef("appointment_id")).order_by("id")
    return (
        Attendee.objects.filter(referral__in=referrals, starts_at__gte=start, starts_at__lt=end)
        .annotate(lead_clinician=Subquery(lead.values("clinician_id")[:1]))
        .order_by("pk")
    )


def _ids201(period: Period, referrals: QuerySet[Referral]) -> Any:
    return _contacts(period, referrals).values_list(
        "referral__reference",
        "pk",
        "starts_at",
        "ends_at",
        "attendance",
        "appointment__cancelled_by",
        "appointment__app_type",
        "appointment__delivery_mode",
        "lead_clinician",
    )


def _ids201_row(r: Any) -> tuple[object, ...]:
    ref, pk, starts, ends, attendance, cancelled_by, app_type, mode, clinician = r
    minutes = int((ends - starts).total_seconds() // 60)
    local = _local(starts)
    return (ref, pk, local.date().isoformat(), local.strftime("%H:%M"), attendance or cancelled_by,
            app_type, mode, minutes, clinician or "")  # fmt: skip


def _ids202(period: Period, referrals: QuerySet[Referral]) -> Any:
    # A care activity for each attended contact. Stepcare records no SNOMED procedure for the
    # therapy given, so CodeProcAndProcStatus is empty (see the validator's warning).
    return (
        _contacts(period, referrals)
        .filter(attendance__in=sorted(Attendee.ATTENDED))
        .values_list("referral__reference", "pk", "lead_clinician", "starts_at", "ends_at")
    )


def _ids202_row(r: Any) -> tuple[object, ...]:
    ref, pk, clinician, starts, ends = r
    return (ref, f"{pk}-1", pk, clinician or "", int((ends - starts).total_seconds() // 60), "")


# IDS902 care personnel qualification ---------------------------------------------------------
IDS902_COLUMNS = ("CareProfLocalId", "QualAttainLevelIAPT", "QualAwardedDate", "QualPlannedCompDate")


def _ids902(period: Period, referrals: QuerySet[Referral]) -> Any:
    start, end = period.bounds
    clinicians = AppointmentClinician.objects.filter(
        appointment__attendees__referral__in=referrals, starts_at__gte=start, starts_at__lt=end
    ).values("clinician_id")
    return (
        Qualification.objects.filter(user_id__in=clinicians)
        .order_by("user_id", "level")
        .values_list("user_id", "level", "awarded_on", "planned_completion_on")
    )


def _ids902_row(r: Any) -> tuple[object, ...]:
    user_id, level, awarded, planned = r
    return (user_id, level, _d(awarded), _d(planned))
