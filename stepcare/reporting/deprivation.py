"""Reading the postcode deprivation lookup (English Indices of Deprivation, through the LSOA).

The file is CSV (UTF-8) with a header row naming three columns, in any order:

    postcode,lsoa_code,imd_decile
    LS1 4AP,E01033010,3

- ``postcode``: a full UK postcode, in any case, with or without its space;
- ``lsoa_code``: the English Lower-layer Super Output Area the postcode lies in (``E01`` and six
  digits), as in the ONS postcode directory;
- ``imd_decile``: that LSOA's Index of Multiple Deprivation decile, 1 (the most deprived tenth
  of LSOAs in England) to 10 (the least deprived), as published with the English Indices of
  Deprivation.

A service builds it by joining the ONS postcode directory (postcode → LSOA) to the IMD file
(LSOA → decile). Every row is checked; each bad row is reported by its line number (the header
is line 1) with what is wrong. Postcodes are matched normalised: capitals, spaces removed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

COLUMNS = ("postcode", "lsoa_code", "imd_decile")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_LSOA = re.compile(r"^E01[0-9]{6}$")


def normalise_postcode(value: str) -> str:
    """A postcode as the lookup keys it: capitals, every space removed (``ls1 4ap`` → ``LS14AP``)."""
    return "".join((value or "").split()).upper()


@dataclass(frozen=True)
class RowProblem:
    line: int
    problems: list[str]

    def __str__(self) -> str:
        return f"Line {self.line}: " + "; ".join(self.problems)


@dataclass
class ParsedLookup:
    good: list[dict[str, Any]] = field(default_factory=list)
    bad: list[RowProblem] = field(default_factory=list)
    file_problem: str = ""


def parse_deprivation_csv(data: bytes) -> ParsedLookup:
    """Check every row of a lookup file; see the module docstring for the layout."""
    result = ParsedLookup()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.file_problem = "The file is not UTF-8 text. Save it as 'CSV UTF-8'."
        return result
    reader = csv.DictReader(io.StringIO(text, newline=None))
    try:
        return _parse_rows(reader, result)
    except csv.Error as exc:
        result.good, result.bad = [], []
        result.file_problem = f"The file could not be read as CSV (line {reader.line_num}: {exc})."
        return result


def _parse_rows(reader: csv.DictReader[str], result: ParsedLookup) -> ParsedLookup:
    headers = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        result.file_problem = (
            "The first line must name the columns postcode,lsoa_code,imd_decile. Missing: "
            + ", ".join(missing)
            + "."
        )
        return result
    reader.fieldnames = headers
    first_seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            result.bad.append(RowProblem(line, ["the row has more cells than there are columns"]))
            continue
        row = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
        if not any(row.values()):
            continue
        problems = []
        postcode = normalise_postcode(row["postcode"])
        if not _POSTCODE.match(postcode):
            problems.append(f"postcode {row['postcode']!r} is not a full UK postcode (for example LS1 4AP)")
        elif postcode in first_seen:
            problems.append(f"postcode {row['postcode']} is already on line {first_seen[postcode]}")
        lsoa = row["lsoa_code"].upper()
        if not _LSOA.match(lsoa):
            problems.append(
                f"lsoa_code {row['lsoa_code']!r} is not an English LSOA code (E01 and six digits)"
            )
        decile = row["imd_decile"]
        if not (decile.isdigit() and 1 <= int(decile) <= 10):
            problems.append(f"imd_decile {decile!r} must be a whole number from 1 to 10")
        if problems:
            result.bad.append(RowProblem(line, problems))
            continue
        first_seen[postcode] = line
        result.good.append({"postcode": postcode, "lsoa_code": lsoa, "imd_decile": int(decile)})
    return result
