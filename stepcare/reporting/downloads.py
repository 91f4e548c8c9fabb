"""Each reporting table as CSV: the same rows and the same text as on the page (suppressed
equity cells stay ``*``), every cell through ``measures.csvsafe`` so no spreadsheet runs it as
a formula, streamed a row at a time."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.http import StreamingHttpResponse

from stepcare.measures.csvsafe import safe_row
from stepcare.reporting import equity, selectors
from stepcare.reporting.equity import Group
from stepcare.reporting.selectors import Figure, MonthRow
from stepcare.reporting.targets import kpi_targets

Row = Sequence[object]


class _Line:
    """A file-like object whose ``write`` hands back the line the csv writer made."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text a line at a time, starting with a byte-order mark (so spreadsheets read it as
    UTF-8): the downloads and the service report's zip write exactly these lines."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_response(filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with a byte-order mark, so spreadsheets read it as UTF-8)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
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


# Each table of the dashboard and the equity page, built once: its download and the service
# report (every table in one zip, as an export job) both use these.


@dataclass(frozen=True)
class Table:
    """One table as CSV: the name in its file name, its header and its rows."""

    name: str
    header: Row
    rows: Iterable[Row]

    def filename(self, start: dt.date, end: dt.date) -> str:
        return filename(self.name, start, end)

    def response(self, start: dt.date, end: dt.date) -> StreamingHttpResponse:
        return csv_response(self.filename(start, end), self.header, self.rows)


def figures_table(start: dt.date, end: dt.date, referrals: Any) -> Table:
    result = selectors.kpis_for(start, end, referrals)
    return Table("kpis", FIGURES_HEADER, figure_rows(selectors.figures(result, kpi_targets())))


def trend_table(start: dt.date, end: dt.date, referrals: Any) -> Table:
    return Table(
        "recovery-by-month", TREND_HEADER, trend_rows(selectors.monthly_trend(start, end, referrals))
    )


def endings_table(start: dt.date, end: dt.date, referrals: Any) -> Table:
    endings = selectors.ending_reasons(start, end, referrals)
    return Table("ending-reasons", ENDINGS_HEADER, [(e.label, e.count) for e in endings])


ATTENDANCE_HEADER = ("Appointments", "Count", "Share of these appointments")


def attendance_table(start: dt.date, end: dt.date, referrals: Any) -> Table:
    return Table("attendance", ATTENDANCE_HEADER, selectors.attendance(start, end, referrals).rows())


SESSIONS_HEADER = (
    "Problem descriptor",
    "Finished courses",
    "Mean treatment contacts",
    "NICE range",
    "Within the range",
)


def sessions_table(start: dt.date, end: dt.date, referrals: Any, modality: str) -> Table:
    rows = selectors.sessions_per_course(start, end, referrals, modality)
    return Table(
        "sessions-per-course",
        SESSIONS_HEADER,
        [(r.label, r.finished, r.mean_text, r.nice_range, r.within_text) for r in rows],
    )


def equity_table(start: dt.date, end: dt.date, referrals: Any, dimension: str) -> Table:
    """One characteristic's equity table, suppressed exactly as on the page."""
    groups = equity.equity(start, end, referrals, dimension)
    header = (equity.DIMENSIONS[dimension], *EQUITY_HEADER[1:])
    return Table(f"outcomes-by-{dimension.replace('_', '-')}", header, equity_rows(groups))


def service_report(
    start: dt.date, end: dt.date, referrals: Callable[[], Any], modality: str = ""
) -> list[Callable[[], Table]]:
    """Every table of the dashboard and of the equity page (one per characteristic), in the
    pages' order, each built only when called; ``referrals`` gives the chosen referrals afresh."""

    def on(build: Callable[..., Table], *extra: str) -> Callable[[], Table]:
        return lambda: build(start, end, referrals(), *extra)

    return [
        on(figures_table),
        on(trend_table),
        on(attendance_table),
        on(sessions_table, modality),
        on(endings_table),
        *(on(partial(equity_table, dimension=d)) for d in equity.DIMENSIONS),
    ]


def write_table(table: Table, folder: Path, start: dt.date, end: dt.date) -> int:
    """Write ``table`` into ``folder`` under its download's file name, byte for byte the same
    as the download; returns its number of rows (the header not counted)."""
    lines = csv_lines(table.header, table.rows)
    with (folder / table.filename(start, end)).open("w", encoding="utf-8", newline="") as out:
        out.write(next(lines))
        count = 0
        for line in lines:
            out.write(line)
            count += 1
    return count
