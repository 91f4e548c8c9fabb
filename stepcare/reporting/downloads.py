"""Each reporting table as CSV: the same rows and the same text as on the page (suppressed
equity cells stay ``*``), every cell through ``measures.csvsafe`` so no spreadsheet runs it as
a formula, streamed a row at a time."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

from stepcare.measures.csvsafe import safe_row
from stepcare.reporting.equity import Group
from stepcare.reporting.selectors import Figure, MonthRow

Row = Sequence[object]


class _Line:
    """A file-like object whose ``write`` hands back the line the csv writer made."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with a byte-order mark, so spreadsheets read it as UTF-8)."""
    writer = csv.writer(_Line())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def filename(kind: str, start: dt.date, end: dt.date) -> str:
    return f"stepcare-{kind}-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"


FIGURES_HEADER = ("Measure", "Count", "Out of", "Denominator", "Rate", "Target", "Target met")


def figure_rows(figures: Iterable[Figure]) -> Iterator[Row]:
    for f in figures:
        has_rate = f.denominator is not None
        met = {True: "met", False: "not met"}.get(f.meets_target, "") if f.meets_target is not None else ""
        yield (
            f.label,
            f.numerator,
            f.denominator if has_rate else "",
            f.denominator_label if has_rate else "",
            f.rate_text if has_rate else "",
            f.target_text,
            met,
        )


TREND_HEADER = (
    "Month ended",
    "Finished",
    "Not at caseness",
    "Recovered",
    "Recovery rate",
    "Reliably improved",
    "Reliable improvement rate",
)


def trend_rows(rows: Iterable[MonthRow]) -> Iterator[Row]:
    for r in rows:
        yield (
            f"{r.month:%B %Y}",
            r.finished,
            r.not_at_caseness,
            r.recovered,
            r.recovery_text,
            r.reliably_improved,
            r.reliable_improvement_text,
        )


EQUITY_HEADER = (
    "Group",
    "Finished",
    "Not at caseness",
    "Recovered",
    "Recovery rate",
    "Reliably improved",
    "Reliable improvement rate",
    "Within 6 weeks",
    "Within 6 weeks rate",
    "Within 18 weeks",
    "Within 18 weeks rate",
)


def equity_rows(groups: Iterable[Group]) -> Iterator[Row]:
    for g in groups:
        c = g.cells
        yield (
            g.label,
            c["finished"].text,
            c["not_at_caseness"].text,
            c["recovered"].text,
            g.recovery_rate,
            c["reliably_improved"].text,
            g.reliable_improvement_rate,
            c["within_6_weeks"].text,
            g.within_6_weeks_rate,
            c["within_18_weeks"].text,
            g.within_18_weeks_rate,
        )


ENDINGS_HEADER = ("Ending reason", "Referrals ended")


REFERRALS_HEADER = (
    "Referral",
    "Patient",
    "NHS number",
    "Team",
    "Received",
    "First treatment",
    "Ended",
    "Treatment contacts",
)


def _day(value: dt.date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def referral_rows(referrals: Iterable[Any]) -> Iterator[Row]:
    for r in referrals:
        yield (
            r.reference,
            r.person_name,
            (r.patient.nhs_number or "") if r.patient_id else "",
            r.team.name,
            _day(r.received_on),
            _day(r.first_treatment_date),
            _day(r.discharge_date),
            r.treatment_contact_count,
        )
