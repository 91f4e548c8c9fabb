"""The dashboard's figures (numerator, denominator, rate and target) and the referrals behind
each count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stepcare.reporting.rates import percent_text
from stepcare.reporting.selectors.kpis import COUNT_KEYS, RATES, ReportRefused, cohort_filters, denominator


@dataclass(frozen=True)
class Figure:
    """One figure of the dashboard: what it counts, over what, and the target beside it."""

    key: str
    label: str
    numerator: int
    denominator: int | None
    denominator_label: str
    rate: float | None
    target: float | None

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)

    @property
    def target_text(self) -> str:
        return "" if self.target is None else percent_text(self.target)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.rate is None:
            return None
        return self.rate >= self.target


# (label, numerator key, rate key or None, target key or None)
DASHBOARD: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("Referrals received", "referrals_received", None, None),
    ("Entered treatment", "entered_treatment", None, None),
    ("Ended", "ended", None, None),
    ("Ended before treatment", "ended_before_treatment", None, None),
    ("Ended after one treatment", "ended_after_one_treatment", None, None),
    ("Finished a course of treatment", "finished_course", None, None),
    ("Finished without a score pair", "not_paired", None, None),
    ("At caseness at the start", "at_caseness", None, None),
    ("Not at caseness at the start", "not_at_caseness", None, None),
    ("Recovered", "recovered", "recovery_rate", "recovery"),
    ("Reliably improved", "reliably_improved", "reliable_improvement_rate", "reliable_improvement"),
    ("Reliably recovered", "reliably_recovered", "reliable_recovery_rate", "reliable_recovery"),
    ("Reliably deteriorated", "reliably_deteriorated", "reliable_deterioration_rate", None),
    ("No reliable change", "no_reliable_change", "no_reliable_change_rate", None),
    (
        "First treatment within 6 weeks (42 days)",
        "first_treatment_within_6_weeks",
        "first_treatment_within_6_weeks_rate",
        "six_weeks",
    ),
    (
        "First treatment within 18 weeks (126 days)",
        "first_treatment_within_18_weeks",
        "first_treatment_within_18_weeks_rate",
        "eighteen_weeks",
    ),
    (
        "First to second treatment over 28 days",
        "first_to_second_over_28_days",
        "first_to_second_over_28_days_rate",
        None,
    ),
    (
        "First to second treatment over 90 days",
        "first_to_second_over_90_days",
        "first_to_second_over_90_days_rate",
        None,
    ),
)
DENOMINATOR_LABELS = {
    "finished_course": "finished courses",
    "finished_course - not_at_caseness": "finished courses minus those not at caseness",
}


def figures(result: dict[str, Any], targets: dict[str, float]) -> list[Figure]:
    """The dashboard's figures, each with numerator, denominator, rate and target."""
    rows = []
    for label, key, rate_key, target_key in DASHBOARD:
        if rate_key is None:
            rows.append(Figure(key, label, result[key], None, "", None, None))
            continue
        how = RATES[rate_key][1]
        rows.append(
            Figure(
                key,
                label,
                result[key],
                denominator(result, how),
                DENOMINATOR_LABELS[how],
                result[rate_key],
                targets.get(target_key) if target_key else None,
            )
        )
    rows.append(
        Figure("dna", "Appointments missed (DNA)", result["dna"], result["attended_or_missed"],
               "appointments attended or missed", result["dna_rate"], None)
    )  # fmt: skip
    return rows


DRILLDOWN_KEYS = frozenset(COUNT_KEYS)
# Each figure's referrals in the order of the date that puts them in its period (the cohort's
# own index serves that order and stops after a page: ordered by date received, a year's
# courses that entered treatment were read from among every referral received before them).
DRILLDOWN_ORDER = {"referrals_received": "received_on", "entered_treatment": "first_treatment_date"}
DRILLDOWN_ORDER_TEXT = {
    "received_on": "the order they were received",
    "first_treatment_date": "the order they entered treatment",
    "discharge_date": "the order they ended",
}


def drilldown_order(key: str) -> str:
    """The date field the referrals behind figure ``key`` are listed by (every other figure is a
    set of ended referrals)."""
    return DRILLDOWN_ORDER.get(key, "discharge_date")


def drilldown(key: str, period_start: dt.date, period_end: dt.date, referrals: Any) -> Any:
    """The referrals behind a count, earliest first by the date that puts them in the period
    (a queryset to page in the database)."""
    if key not in DRILLDOWN_KEYS:
        raise ReportRefused("Choose a figure from the dashboard.")
    return (
        referrals.filter(cohort_filters(period_start, period_end)[key])
        .select_related("patient", "team", "allocated_to")
        .order_by(drilldown_order(key), "pk")
    )


DOWNLOAD_CHUNK = 2000  # referrals read at a time for a download


# What a download of the referrals behind a figure writes (``downloads.referral_rows``).
DOWNLOAD_FIELDS = (
    "reference",
    "submitted_details",
    "received_on",
    "first_treatment_date",
    "discharge_date",
    "treatment_contact_count",
    "patient__given_name",
    "patient__family_name",
    "patient__nhs_number",
    "team__name",
)


def in_chunks(referrals: Any, keys: list[int], size: int | None = None) -> Iterator[Any]:
    """The referrals of ``keys``, in that order, read ``size`` at a time with the columns a
    download writes: a download of a year's referrals holds one chunk in memory, not the year."""
    size = size or DOWNLOAD_CHUNK
    rows = referrals.order_by().select_related(None).select_related("patient", "team").only(*DOWNLOAD_FIELDS)
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        found = rows.in_bulk(chunk)
        yield from (found[pk] for pk in chunk if pk in found)
