"""Outcomes and waits by ethnic category, age band, gender, employment status, interpreter
need, preferred language and deprivation decile, with small numbers suppressed so that no one
can be recognised.

The deprivation decile is the patient's postcode's, through the lookup loaded by
``stepcare import-deprivation`` (``reporting.models.PostcodeDeprivation``): a correlated
subquery on the normalised postcode (capitals, spaces removed) inside the same grouped query.
A postcode missing from the lookup, or no postcode, is "Not known".

One grouped query per page. A count from 1 to threshold - 1 (``STEPCARE_SMALL_NUMBER_THRESHOLD``,
default 5) is suppressed (primary suppression); a rate is suppressed when its numerator or
denominator is. When a column has exactly one suppressed cell, the smallest other non-zero cell
in that column is suppressed too (secondary suppression), so the hidden value cannot be worked
out from the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Replace, Upper

from stepcare.patients.codes import EmploymentStatus, EthnicCategory, GenderIdentity, Language
from stepcare.reporting.models import PostcodeDeprivation
from stepcare.reporting.rates import percent_text, rate
from stepcare.reporting.selectors import EIGHTEEN_WEEKS, SIX_WEEKS, cohort_filters

DEFAULT_THRESHOLD = 5
DIMENSIONS = {
    "ethnic_category": "Ethnic category",
    "age_band": "Age band (at the end of the period)",
    "gender": "Gender",
    "employment": "Employment status",
    "interpreter": "Interpreter needed",
    "language": "Preferred language",
    "long_term_condition": "Long-term physical health condition",
    "deprivation": "Deprivation decile (from the postcode; 1 is the most deprived)",
}
# The same, as a phrase in a sentence ("Download outcomes by deprivation decile").
DIMENSION_NAMES = {
    "ethnic_category": "ethnic category",
    "age_band": "age band",
    "gender": "gender",
    "employment": "employment status",
    "interpreter": "interpreter need",
    "language": "preferred language",
    "long_term_condition": "long-term condition",
    "deprivation": "deprivation decile",
}
NOT_KNOWN = "Not known"
COLUMNS = (
    "finished",
    "not_at_caseness",
    "recovered",
    "reliably_improved",
    "within_6_weeks",
    "within_18_weeks",
)
AGE_BANDS = (
    (18, "Under 18"),
    (25, "18 to 24"),
    (35, "25 to 34"),
    (45, "35 to 44"),
    (55, "45 to 54"),
    (65, "55 to 64"),
    (None, "65 and over"),
)


def threshold() -> int:
    return int(getattr(settings, "STEPCARE_SMALL_NUMBER_THRESHOLD", DEFAULT_THRESHOLD))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _group_expression(dimension: str, period_end: dt.date) -> Any:
    if dimension == "ethnic_category":
        return F("patient__ethnic_category")
    if dimension == "gender":
        return F("patient__gender_identity")
    if dimension == "employment":
        return F("patient__employment_status")
    if dimension == "language":
        return F("preferred_language")
    if dimension == "long_term_condition":
        return Case(
            When(patient__isnull=True, then=Value("")),
            When(patient__long_term_conditions=[], then=Value("no")),
            default=Value("yes"),
            output_field=CharField(),
        )
    if dimension == "deprivation":
        return Subquery(
            PostcodeDeprivation.objects.filter(
                postcode=Upper(Replace(OuterRef("patient__postcode"), Value(" "), Value("")))
            ).values("imd_decile")[:1]
        )
    if dimension == "interpreter":
        return Case(
            When(interpreter_required=True, then=Value("yes")), default=Value("no"), output_field=CharField()
        )
    whens = []
    for upper, label in AGE_BANDS:
        if upper is None:
            break
        # Younger than `upper` at the period end: born after the date `upper` years before it.
        whens.append(When(patient__date_of_birth__gt=_years_before(period_end, upper), then=Value(label)))
    return Case(*whens, default=Value(AGE_BANDS[-1][1]), output_field=CharField())


def _label(dimension: str, value: Any) -> str:
    labels: dict[str, dict[str, str]] = {
        "ethnic_category": dict(EthnicCategory.choices),
        "gender": dict(GenderIdentity.choices),
        "employment": dict(EmploymentStatus.choices),
        "interpreter": {"yes": "Interpreter needed", "no": "No interpreter needed"},
        "long_term_condition": {"yes": "At least one recorded", "no": "None recorded"},
    }
    if dimension == "age_band":
        return str(value)
    if dimension == "deprivation":
        if value is None:
            return NOT_KNOWN
        extreme = {1: " (most deprived)", 10: " (least deprived)"}.get(int(value), "")
        return f"{int(value)}{extreme}"
    if dimension == "language":
        return dict(Language.choices).get(str(value or ""), "Not stated")
    return labels[dimension].get(str(value or ""), "Not stated")


@dataclass
class Cell:
    value: int
    suppressed: bool = False

    @property
    def text(self) -> str:
        return "*" if self.suppressed else str(self.value)


@dataclass
class Group:
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)

    def _rate(self, numerator: str, denominator: int, *deps: str) -> str:
        if any(self.cells[name].suppressed for name in (numerator, *deps)):
            return "*"
        return percent_text(rate(self.cells[numerator].value, denominator))

    @property
    def recovery_rate(self) -> str:
        c = self.cells
        return self._rate(
            "recovered", c["finished"].value - c["not_at_caseness"].value, "finished", "not_at_caseness"
        )

    @property
    def reliable_improvement_rate(self) -> str:
        return self._rate("reliably_improved", self.cells["finished"].value, "finished")

    @property
    def within_6_weeks_rate(self) -> str:
        return self._rate("within_6_weeks", self.cells["finished"].value, "finished")

    @property
    def within_18_weeks_rate(self) -> str:
        return self._rate("within_18_weeks", self.cells["finished"].value, "finished")


def suppress(groups: list[Group], limit: int) -> None:
    """Primary then secondary suppression, column by column, in place."""
    for column in COLUMNS:
        cells = [g.cells[column] for g in groups]
        for cell in cells:
            cell.suppressed = 0 < cell.value < limit
        hidden = [c for c in cells if c.suppressed]
        if len(hidden) == 1:
            others = sorted((c for c in cells if not c.suppressed and c.value > 0), key=lambda c: c.value)
            if others:
                others[0].suppressed = True


@dataclass(frozen=True)
class EquityTable:
    """One characteristic's groups and when they were counted (kept a few minutes, as the
    dashboard's figures are)."""

    groups: list[Group]
    computed_at: dt.datetime


def equity(period_start: dt.date, period_end: dt.date, referrals: Any, dimension: str) -> list[Group]:
    """Finished courses' outcomes and waits by one characteristic (one grouped query)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    finished = cohort_filters(period_start, period_end)["finished_course"]
    rows = (
        referrals.filter(finished)
        .annotate(group=_group_expression(dimension, period_end))
        .values("group")
        .annotate(
            finished=Count("pk"),
            not_at_caseness=Count("pk", filter=Q(outcome_paired=True, outcome_at_caseness=False)),
            recovered=Count("pk", filter=Q(outcome_recovered=True)),
            reliably_improved=Count("pk", filter=Q(outcome_reliable_improvement=True)),
            within_6_weeks=Count("pk", filter=Q(first_treatment_date__lte=F("received_on") + SIX_WEEKS)),
            within_18_weeks=Count(
                "pk", filter=Q(first_treatment_date__lte=F("received_on") + EIGHTEEN_WEEKS)
            ),
        )
        .order_by("group")
    )
    if dimension == "deprivation":  # deciles in order, "Not known" last, on every database
        rows = sorted(rows, key=lambda r: (r["group"] is None, r["group"] or 0))
    groups = [Group(_label(dimension, r["group"]), {c: Cell(int(r[c])) for c in COLUMNS}) for r in rows]
    suppress(groups, threshold())
    return groups
