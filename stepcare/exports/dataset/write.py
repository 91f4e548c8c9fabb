"""The tables in submission order, written one CSV each, streamed from the database."""

from __future__ import annotations

import csv
from pathlib import Path

from stepcare.exports.dataset.assessments import (
    IDS603_COLUMNS,
    IDS606_COLUMNS,
    IDS607_COLUMNS,
    _ids603,
    _ids603_rows,
    _ids606,
    _ids606_row,
    _ids607,
    _ids607_row,
    snomed_codes,
)
from stepcare.exports.dataset.common import CHUNK, Period, Progress, Table, _one, referrals_in_period
from stepcare.exports.dataset.contacts import (
    IDS201_COLUMNS,
    IDS202_COLUMNS,
    IDS902_COLUMNS,
    _ids201,
    _ids201_row,
    _ids202,
    _ids202_row,
    _ids902,
    _ids902_row,
)
from stepcare.exports.dataset.referral import (
    IDS001_COLUMNS,
    IDS101_COLUMNS,
    IDS105_COLUMNS,
    IDS108_COLUMNS,
    _ids001,
    _ids001_row,
    _ids101,
    _ids101_row,
    _ids105,
    _ids105_row,
    _ids108,
    _ids108_row,
)


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
