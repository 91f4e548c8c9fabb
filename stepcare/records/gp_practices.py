"""Reading the national GP practice file (NHS Digital ODS ``epraccur``).

The file is a CSV with no header row; the columns used here are (0-based): 0 organisation
code, 1 name, 4–8 address lines 1–5, 9 postcode, 12 status code (A active, C closed,
D dormant, P proposed), 17 contact telephone number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any


class BadPracticeFile(ValueError):
    pass


def _title(value: str) -> str:
    """NATIONAL FILES ARE IN CAPITALS; letters read better in title case (postcodes excepted)."""
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in value.split())


def read_epraccur(handle: IO[str]) -> Iterator[dict[str, Any]]:
    for number, row in enumerate(csv.reader(handle), start=1):
        if not row or not any(row):
            continue
        if len(row) < 13:
            raise BadPracticeFile(
                f"Line {number}: expected the epraccur layout (27 columns), found {len(row)}."
            )
        code, name = row[0].strip().upper(), row[1].strip()
        if not code or not name:
            raise BadPracticeFile(f"Line {number}: the organisation code and name are required.")
        status = row[12].strip().upper() or "A"
        if status not in {"A", "C", "D", "P"}:
            raise BadPracticeFile(f"Line {number}: unknown status code {status!r}.")
        yield {
            "ods_code": code,
            "name": _title(name),
            "address_lines": [_title(x.strip()) for x in row[4:9] if x.strip()],
            "postcode": row[9].strip().upper(),
            "status": status,
            "phone": row[17].strip() if len(row) > 17 else "",
        }
