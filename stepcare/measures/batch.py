"""Classifying many finished courses from a CSV file, one row at a time (streaming).

Input columns (any order; extra columns are kept and passed through):

    pathway_id,problem_descriptor,phq9_first,phq9_last,gad7_first,gad7_last,adsm,adsm_first,adsm_last

A blank cell is a missing score. `adsm` names the anxiety-disorder-specific measure whose
scores are in `adsm_first` and `adsm_last` (e.g. SPIN, any letter case). An ADSM that does not
match the problem descriptor is not an error: it is simply not used, and GAD-7 is the pair.

Each output row is the input row followed by `OUTPUT_COLUMNS` (`true`/`false` flags). Memory
use does not grow with the number of rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.csvsafe import safe_row
from stepcare.measures.errors import MeasuresError
from stepcare.measures.model import Measure, Number, Registry
from stepcare.measures.outcomes import (
    BACKUP_ANXIETY_MEASURE,
    DEPRESSION_MEASURE,
    OUTCOME_FIELDS,
    CourseOutcome,
    CourseSummary,
    classify_pair,
    expected_total,
)

INPUT_COLUMNS = (
    "pathway_id",
    "problem_descriptor",
    "phq9_first",
    "phq9_last",
    "gad7_first",
    "gad7_last",
    "adsm",
    "adsm_first",
    "adsm_last",
)
OUTPUT_COLUMNS = OUTCOME_FIELDS

PROGRESS_EVERY = 10_000
"""How many rows between calls of the progress callback."""


class CsvFileError(MeasuresError):
    """The file as a whole cannot be classified (empty, or its header lacks columns)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad input row: where it is and everything wrong with it."""

    line: int
    pathway_id: str | None
    problems: tuple[str, ...]

    def __str__(self) -> str:
        who = "" if not self.pathway_id else f" (pathway_id {self.pathway_id})"
        return f"line {self.line}{who}: " + "; ".join(self.problems)


@dataclass
class BatchResult:
    """What a run found: the summary of the good rows and how many rows were bad."""

    summary: CourseSummary = field(default_factory=CourseSummary)
    bad_rows: int = 0


def classify_csv(
    source: TextIO,
    sink: TextIO | None,
    *,
    registry: Registry = DEFAULT_REGISTRY,
    on_bad_row: Callable[[RowProblem], None],
    skip_bad_rows: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Classify every row of `source`, writing the output CSV to `sink` as it goes.

    Every bad row is passed to `on_bad_row`. Without `skip_bad_rows`, the first bad row stops
    the writing (the caller must then discard `sink`), but reading goes on so that every bad
    row is reported. With `skip_bad_rows`, bad rows are reported and left out of the output
    and the summary. Raises `CsvFileError` when the header is missing or incomplete.
    """
    reader = csv.reader(source)
    header = _read_header(reader)
    row_reader = _RowReader(header, registry)
    writer = None
    if sink is not None:
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(safe_row([*header, *OUTPUT_COLUMNS]))
    result = BatchResult()
    seen = 0
    for row in reader:
        if not row:
            continue  # a blank line carries no course
        seen += 1
        if progress is not None and seen % PROGRESS_EVERY == 0:
            progress(seen)
        try:
            outcome = row_reader.classify(row)
        except _BadRow as bad:
            result.bad_rows += 1
            on_bad_row(RowProblem(reader.line_num, row_reader.pathway_id(row), bad.problems))
            if not skip_bad_rows:
                writer = None
            continue
        result.summary.add(outcome)
        if writer is not None:
            writer.writerow(safe_row([*row, *_outcome_cells(outcome)]))
    if progress is not None:
        progress(seen)
    return result


def _read_header(reader: Iterator[list[str]]) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFileError(
            f"the input is empty: expected a header row with {', '.join(INPUT_COLUMNS)}"
        ) from None
    names = [name.strip() for name in header]
    missing = [column for column in INPUT_COLUMNS if column not in names]
    if missing:
        raise CsvFileError(
            f"line 1 (header): missing column(s) {', '.join(missing)}; expected {','.join(INPUT_COLUMNS)}"
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CsvFileError(f"line 1 (header): column(s) {', '.join(duplicates)} appear twice")
    return header


def _outcome_cells(outcome: CourseOutcome) -> tuple[str, ...]:
    return (
        outcome.anxiety_measure,
        _BOOL[outcome.paired],
        _BOOL[outcome.at_caseness],
        _BOOL[outcome.recovered],
        _BOOL[outcome.reliable_improvement],
        _BOOL[outcome.reliable_deterioration],
        _BOOL[outcome.reliable_recovery],
        _BOOL[outcome.no_reliable_change],
    )


_BOOL = {True: "true", False: "false"}
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")


class _BadRow(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class _RowReader:
    """Turns one CSV row into a course outcome, collecting every problem in the row."""

    def __init__(self, header: list[str], registry: Registry) -> None:
        names = [name.strip() for name in header]
        self.width = len(header)
        self.index = {column: names.index(column) for column in INPUT_COLUMNS}
        self.registry = registry
        self.depression = registry.get(DEPRESSION_MEASURE)
        self.backup = registry.get(BACKUP_ANXIETY_MEASURE)
        self._adsm_names: dict[str, Measure | str] = {}
        self._limit_cache: dict[str, tuple[Number, Number, bool]] = {}

    def pathway_id(self, row: list[str]) -> str | None:
        position = self.index["pathway_id"]
        return row[position].strip() if position < len(row) else None

    def classify(self, row: list[str]) -> CourseOutcome:
        if len(row) != self.width:
            raise _BadRow([f"expected {self.width} columns, found {len(row)}"])
        index = self.index
        problems: list[str] = []
        dep, backup = self.depression, self.backup
        phq_first = self._total(row[index["phq9_first"]], dep, "phq9_first", problems)
        phq_last = self._total(row[index["phq9_last"]], dep, "phq9_last", problems)
        gad_first = self._total(row[index["gad7_first"]], backup, "gad7_first", problems)
        gad_last = self._total(row[index["gad7_last"]], backup, "gad7_last", problems)
        adsm = self._adsm(row, problems)
        adsm_first = adsm_last = None
        if adsm is not None:
            adsm_first = self._total(row[index["adsm_first"]], adsm, "adsm_first", problems)
            adsm_last = self._total(row[index["adsm_last"]], adsm, "adsm_last", problems)
        if problems:
            raise _BadRow(problems)
        if (
            adsm is not None
            and adsm_first is not None
            and adsm_last is not None
            and adsm in self.registry.adsms_for_descriptor(row[index["problem_descriptor"]])
        ):
            return classify_pair(dep, adsm, phq_first, phq_last, adsm_first, adsm_last)
        return classify_pair(dep, backup, phq_first, phq_last, gad_first, gad_last)

    def _adsm(self, row: list[str], problems: list[str]) -> Measure | None:
        """The measure named in `adsm`, or None when blank (then its scores must be blank)."""
        name = row[self.index["adsm"]].strip()
        if not name:
            if row[self.index["adsm_first"]].strip() or row[self.index["adsm_last"]].strip():
                problems.append(
                    "adsm_first/adsm_last are given but adsm is blank: expected the name of the "
                    "measure they belong to (e.g. SPIN)"
                )
            return None
        found = self._adsm_names.get(name)
        if found is None:
            found = self._lookup_adsm(name)
            if len(self._adsm_names) < 1000:
                self._adsm_names[name] = found
        if isinstance(found, str):
            problems.append(found)
            return None
        return found

    def _lookup_adsm(self, name: str) -> Measure | str:
        """The ADSM for a name, or the problem to report (a string) when there is none."""
        adsms = ", ".join(m.code for m in self.registry if m.is_adsm)
        measure = self.registry.find(name)
        if measure is None:
            return f"adsm: unknown measure {name!r}: expected one of {adsms}"
        if not measure.is_adsm:
            return (
                f"adsm: {measure.code} is not an anxiety-disorder-specific measure: expected one of {adsms}"
            )
        return measure

    def _total(self, text: str, measure: Measure, column: str, problems: list[str]) -> Number | None:
        """A total from its cell: blank is missing; otherwise it must be a valid total."""
        low, high, whole = self._limits(measure)
        if text.isdigit() and text.isascii():  # the common case, kept fast
            number = int(text)
            if low <= number <= high:
                return number
        elif not text.strip():
            return None
        elif _DECIMAL.fullmatch(text.strip()):
            value = float(text)
            if low <= value <= high and not (whole and not value.is_integer()):
                return int(value) if whole else value
        problems.append(
            f"{column}: expected {measure.code} score as {expected_total(measure)}, got {text.strip()!r}"
        )
        return None

    def _limits(self, measure: Measure) -> tuple[Number, Number, bool]:
        """The lowest and highest total and whether totals are whole numbers (cached)."""
        limits = self._limit_cache.get(measure.code)
        if limits is None:
            limits = (measure.total_min, measure.total_max, measure.whole_number_total)
            self._limit_cache[measure.code] = limits
        return limits
