"""Reading an exported dataset back: each table as a list of dicts."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from stepcare.exports.dataset import Period, write_dataset


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def export(start: dt.date, end: dt.date, team_ids=None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dataset-test-"))
    write_dataset(Period(start, end), folder, team_ids=team_ids)
    return folder
