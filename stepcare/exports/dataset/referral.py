"""The person and the referral: IDS001 (master patient index), IDS101 (referral, with its
derived fields, docs/adr/0013), IDS105 (onward referral) and IDS108 (waiting-time pauses)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Replace, Upper

from stepcare.exports.dataset.common import Period, _d, _flag, _score
from stepcare.outcomes.models import MeasureResponse
from stepcare.referrals.models import (
    OnwardReferral,
    ProblemDescriptorRecord,
    Referral,
    WaitingPause,
)

GAD7 = "GAD-7"


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
    # The Index of Multiple Deprivation decile of that LSOA (1 most deprived), from the same lookup.
    "IMDDecile",
)


def _ids001(period: Period, referrals: QuerySet[Referral]) -> Any:
    from stepcare.reporting.models import PostcodeDeprivation

    # The lookup keys postcodes normalised: capitals, no spaces (reporting.deprivation).
    found = PostcodeDeprivation.objects.filter(postcode=OuterRef("normal_postcode"))
    lsoa = found.values("lsoa_code")[:1]
    decile = found.values("imd_decile")[:1]
    return (
        referrals.filter(patient__isnull=False)
        .annotate(normal_postcode=Upper(Replace(F("patient__postcode"), Value(" "), Value(""))))
        .annotate(lsoa=Subquery(lsoa), imd_decile=Subquery(decile))
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
            "imd_decile",
        )
    )


def _ids001_row(period_end: dt.date) -> Callable[[Any], tuple[object, ...]]:
    def row(r: Any) -> tuple[object, ...]:
        ref, pid, nhs, born, gender, sex, ethnic, language, interpreter, postcode, gp, lsoa, decile = r
        age = period_end.year - born.year - ((period_end.month, period_end.day) < (born.month, born.day))
        return (ref, pid, nhs or "", _d(born), age, gender, sex, ethnic, language, _flag(interpreter),
                postcode, gp, lsoa or "", decile or "")  # fmt: skip

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
