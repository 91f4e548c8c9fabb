"""The NHS Talking Therapies national dataset (DOMAIN.md §4) for a period, one CSV per table.

Which records are in a period:
- referrals (IDS101) active in it: received on or before its last day and not discharged
  before its first day; entered-in-error referrals never;
- the person of each (IDS001, one row per referral so that every table joins on PathwayID);
- their care contacts (IDS201, IDS202), scored assessments (IDS606/IDS607), presenting
  complaints (IDS603) and onward referrals (IDS105) dated in the period; their waiting-time
  pauses (IDS108) overlapping it; the qualifications (IDS902) of the clinicians in those
  contacts.

Values are the stored codes (ENDCODE, AttendOrDNACode, AppType, ConsMechanism, EthnicCategory,
QualAttainLevelIAPT, ICD-10/SNOMED problem descriptors, SNOMED CT ``CodedAssToolType`` from
``stepcare.measures``). The IDS101 derived fields are the Referral's (docs/adr/0013), so the
KPIs recomputed from IDS101 agree with ``stepcare kpis``. The outcome flags are set only on a
completed course (ended with two or more attended treatment contacts), as the national flags are.

Every table streams from the database (``.iterator``) to a csv writer: memory does not grow
with the size of the service.
"""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Replace, Upper

from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.referrals.models import (
    OnwardReferral,
    ProblemDescriptorRecord,
    Qualification,
    Referral,
    WaitingPause,
)
from stepcare.scheduling.models import AppointmentClinician, Attendee

LONDON = zoneinfo.ZoneInfo("Europe/London")
CHUNK = 2000
GAD7 = "GAD-7"

Progress = Callable[[int, int], None]


class DatasetRefused(Exception):
    """A dataset that cannot be produced (a bad period), with a message."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DatasetRefused(
                f"The period ends ({self.end:%d/%m/%Y}) before it starts ({self.start:%d/%m/%Y})."
            )

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as Europe/London midnights."""
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=LONDON),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON),
        )


def referrals_in_period(period: Period, team_ids: list[int] | None = None) -> QuerySet[Referral]:
    """Referrals active in the period: received by its end, not discharged before its start."""
    qs = Referral.objects.counted().filter(received_on__lte=period.end)
    qs = qs.filter(Q(discharge_date__isnull=True) | Q(discharge_date__gte=period.start))
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    return qs


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _flag(value: bool) -> int:
    return 1 if value else 0


def _score(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


@dataclass(frozen=True)
class Table:
    """One dataset table: its official name, its columns, its rows for a period."""

    name: str
    title: str
    columns: tuple[str, ...]
    source: Callable[[Period, QuerySet[Referral]], Any]
    rows: Callable[[Any], Iterable[tuple[object, ...]]]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


# IDS001 MPI ----------------------------------------------------------------------------------
IDS001_COLUMNS = (
    "PathwayID",
    "LocalPatientId",
    "NHSNumber",
    "PersonBirthDate",
    "AgeRepPeriodEnd",
    "Gender",
    "PersonStatedGenderCode",
    "EthnicCategory",
    "LanguageCodePreferred",
    "InterpreterRequired",
    "Postcode",
    "OrgIDGPPrac",
    # The LSOA of residence, from the postcode deprivation lookup (reporting.PostcodeDeprivation);
    # empty when the postcode is not in it. Which LSOA vintage depends on the lookup loaded.
    "LSOA2011",
)


def _ids001(period: Period, referrals: QuerySet[Referral]) -> Any:
    from stepcare.reporting.models import PostcodeDeprivation

    # The lookup keys postcodes normalised: capitals, no spaces (reporting.deprivation).
    lsoa = PostcodeDeprivation.objects.filter(postcode=OuterRef("normal_postcode")).values("lsoa_code")[:1]
    return (
        referrals.filter(patient__isnull=False)
        .annotate(normal_postcode=Upper(Replace(F("patient__postcode"), Value(" "), Value(""))))
        .annotate(lsoa=Subquery(lsoa))
        .order_by("pk")
        .values_list(
            "reference",
            "patient_id",
            "patient__nhs_number",
            "patient__date_of_birth",
            "patient__gender_identity",
            "patient__stated_sex",
            "patient__ethnic_category",
            "patient__preferred_language",
            "patient__interpreter_required",
            "patient__postcode",
            "patient__gp_practice_code",
            "lsoa",
        )
    )


def _ids001_row(period_end: dt.date) -> Callable[[Any], tuple[object, ...]]:
    def row(r: Any) -> tuple[object, ...]:
        ref, pid, nhs, born, gender, sex, ethnic, language, interpreter, postcode, gp, lsoa = r
        age = period_end.year - born.year - ((period_end.month, period_end.day) < (born.month, born.day))
        return (ref, pid, nhs or "", _d(born), age, gender, sex, ethnic, language, _flag(interpreter),
                postcode, gp, lsoa or "")  # fmt: skip

    return row


# IDS101 referral -----------------------------------------------------------------------------
IDS101_COLUMNS = (
    "PathwayID",
    "LocalPatientId",
    "OrgID_Provider",
    "ReferralRequestReceivedDate",
    "SourceOfReferralIAPT",
    "ServDischDate",
    "ENDCODE",
    "TherapySession_FirstDate",
    "TherapySession_SecondDate",
    "TherapySession_LastDate",
    "TreatmentCareContact_Count",
    "CompletedTreatment_Flag",
    "Caseness_Flag",
    "NotCaseness_Flag",
    "Recovery_Flag",
    "ReliableImprovement_Flag",
    "ReliableDeterioration_Flag",
    "ReliableRecovery_Flag",
    "NoChange_Flag",
    "PHQ9_FirstScore",
    "PHQ9_LastScore",
    "GAD7_FirstScore",
    "GAD7_LastScore",
    "ADSM",
    "ADSM_FirstScore",
    "ADSM_LastScore",
    "PresentingComplaintHigherCategory",
)


def _gad7_annotations() -> dict[str, Any]:
    """First and last current GAD-7 totals of each referral (the last only when later)."""
    gad7 = MeasureResponse.objects.current().filter(referral=OuterRef("pk"), measure=GAD7)
    first = gad7.order_by("completed_on", "recorded_at", "id")
    last = gad7.order_by("-completed_on", "-recorded_at", "-id")
    latest_descriptor = ProblemDescriptorRecord.objects.filter(referral=OuterRef("pk")).order_by(
        "-recorded_on", "-recorded_at", "-id"
    )
    return {
        "gad7_first": Subquery(first.values("total")[:1]),
        "gad7_first_id": Subquery(first.values("id")[:1]),
        "gad7_last": Subquery(last.values("total")[:1]),
        "gad7_last_id": Subquery(last.values("id")[:1]),
        "current_descriptor": Subquery(latest_descriptor.values("primary")[:1]),
    }


def _ids101(period: Period, referrals: QuerySet[Referral]) -> Any:
    annotated: Any = referrals.annotate(**_gad7_annotations(), ods=F("team__service__organisation__ods_code"))
    return annotated.order_by("pk").values_list(
        "reference",
        "patient_id",
        "ods",
        "received_on",
        "source",
        "status",
        "discharge_date",
        "end_code",
        "first_treatment_date",
        "second_treatment_date",
        "last_treatment_date",
        "treatment_contact_count",
        "outcome_paired",
        "outcome_at_caseness",
        "outcome_recovered",
        "outcome_reliable_improvement",
        "outcome_reliable_deterioration",
        "outcome_reliable_recovery",
        "outcome_no_reliable_change",
        "outcome_phq9_first",
        "outcome_phq9_last",
        "outcome_anxiety_measure",
        "outcome_anxiety_first",
        "outcome_anxiety_last",
        "gad7_first",
        "gad7_first_id",
        "gad7_last",
        "gad7_last_id",
        "current_descriptor",
    )


def _ids101_row(r: Any) -> tuple[object, ...]:
    (ref, pid, ods, received, source, status, discharged, end_code, first, second, last, count,
     paired, caseness, recovered, improved, deteriorated, reliably_recovered, no_change,
     phq9_first, phq9_last, anxiety, anxiety_first, anxiety_last,
     gad7_first, gad7_first_id, gad7_last, gad7_last_id, descriptor) = r  # fmt: skip
    ended = status == Referral.Status.ENDED
    completed = ended and count >= 2
    adsm = anxiety if anxiety and anxiety != GAD7 else ""
    return (
        ref,
        pid or "",
        ods or "",
        _d(received),
        source,
        _d(discharged) if ended else "",
        end_code if ended else "",
        _d(first),
        _d(second),
        _d(last),
        count,
        _flag(completed),
        _flag(completed and paired and caseness),
        _flag(completed and paired and not caseness),
        _flag(completed and recovered),
        _flag(completed and improved),
        _flag(completed and deteriorated),
        _flag(completed and reliably_recovered),
        _flag(completed and paired and no_change),
        _score(phq9_first),
        _score(phq9_last),
        _score(gad7_first),
        _score(gad7_last) if gad7_last_id != gad7_first_id else "",
        adsm,
        _score(anxiety_first) if adsm else "",
        _score(anxiety_last) if adsm else "",
        descriptor or "",
    )


# IDS105 onward referral ----------------------------------------------------------------------
IDS105_COLUMNS = (
    "PathwayID",
    "OnwardReferralId",
    "OnwardReferDate",
    "OnwardReferralType",
    "ReceivingOrgName",
)


def _ids105(period: Period, referrals: QuerySet[Referral]) -> Any:
    return (
        OnwardReferral.objects.filter(
            referral__in=referrals, made_on__gte=period.start, made_on__lte=period.end
        )
        .order_by("pk")
        .values_list("referral__reference", "pk", "made_on", "kind", "agency__name", "organisation_name")
    )


def _ids105_row(r: Any) -> tuple[object, ...]:
    ref, pk, made_on, kind, agency, typed = r
    return (ref, pk, _d(made_on), kind, agency or typed)


# IDS108 waiting-time pauses ------------------------------------------------------------------
IDS108_COLUMNS = ("PathwayID", "WaitingTimePauseId", "PauseStartDate", "PauseEndDate")


def _ids108(period: Period, referrals: QuerySet[Referral]) -> Any:
    return (
        WaitingPause.objects.filter(referral__in=referrals, start_date__lte=period.end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
        .order_by("pk")
        .values_list("referral__reference", "pk", "start_date", "end_date")
    )


def _ids108_row(r: Any) -> tuple[object, ...]:
    ref, pk, start, end = r
    return (ref, pk, _d(start), _d(end))


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


def _one(row: Callable[[Any], tuple[object, ...]]) -> Callable[[Any], Iterable[tuple[object, ...]]]:
    return lambda record: (row(record),)


def tables(period: Period) -> list[Table]:
    """The tables in submission order, their rows bound to the period's values."""
    codes = snomed_codes()
    return [
        Table("IDS001", "Master patient index", IDS001_COLUMNS, _ids001, _one(_ids001_row(period.end))),
        Table("IDS101", "Referral", IDS101_COLUMNS, _ids101, _one(_ids101_row)),
        Table("IDS105", "Onward referral", IDS105_COLUMNS, _ids105, _one(_ids105_row)),
        Table("IDS108", "Waiting-time pauses", IDS108_COLUMNS, _ids108, _one(_ids108_row)),
        Table("IDS201", "Care contact", IDS201_COLUMNS, _ids201, _one(_ids201_row)),
        Table("IDS202", "Care activity", IDS202_COLUMNS, _ids202, _one(_ids202_row)),
        Table("IDS603", "Presenting complaints", IDS603_COLUMNS, _ids603, _ids603_rows),
        Table(
            "IDS606", "Coded scored assessment (referral)", IDS606_COLUMNS, _ids606, _one(_ids606_row(codes))
        ),
        Table(
            "IDS607",
            "Coded scored assessment (care activity)",
            IDS607_COLUMNS,
            _ids607,
            _one(_ids607_row(codes)),
        ),
        Table("IDS902", "Care personnel qualification", IDS902_COLUMNS, _ids902, _one(_ids902_row)),
    ]


def write_dataset(
    period: Period,
    folder: Path,
    *,
    team_ids: list[int] | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write one CSV per table into ``folder``; the number of rows of each table.

    ``progress(done, total)`` is called as rows are written (total: every table's row count)."""
    referrals = referrals_in_period(period, team_ids)
    chosen = tables(period)
    totals = {t.name: t.source(period, referrals).count() for t in chosen}
    total = sum(totals.values())
    done = 0
    written: dict[str, int] = {}
    if progress:
        progress(0, total)
    for table in chosen:
        rows = 0
        with (folder / table.filename).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            for record in table.source(period, referrals).iterator(chunk_size=CHUNK):
                for row in table.rows(record):
                    writer.writerow(row)
                    rows += 1
                done += 1
                if progress and done % 500 == 0:
                    progress(min(done, total), total)
        written[table.name] = rows
    if progress:
        progress(total, total)
    return written


def patient_ids(period: Period, team_ids: list[int] | None = None) -> list[int]:
    """The patients an export of the period names (for the audit event of a download)."""
    return sorted(
        set(
            referrals_in_period(period, team_ids)
            .filter(patient__isnull=False)
            .values_list("patient_id", flat=True)
            .distinct()
        )
    )
