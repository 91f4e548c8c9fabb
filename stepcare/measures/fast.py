"""Vectorised classification of a course CSV with DuckDB (the optional `fast` extra, ADR 0017).

`classify_file` gives exactly what `stepcare.measures.batch.classify_csv` gives for the same
file and registry (the same output bytes and the same summary), but classifies the whole file
in a few column-wise SQL passes instead of one Python call per row. The pure core stays the
reference: the rules are not written out a second time here.

- Every number the rules use (caseness cut-offs and their comparators, reliable-change values,
  total ranges, which ADSM matches which problem descriptor) is read from the registry that the
  pure path uses, so a service's configuration applies to both.
- The meaning of each distinct cell (a score, a measure name, a problem descriptor) is worked
  out once in Python by the same functions the pure path calls, and only the arithmetic of the
  pair (first minus last, compared with the same tolerances) runs in SQL on whole columns.
- The file is handed to DuckDB only when it is plain: UTF-8 without NUL bytes, no double
  quotes, and every line ending the same way (`\\n`, or `\\r\\n` throughout). For such a file
  DuckDB and Python's `csv` module split cells identically. Anything else, any bad row, or a
  formula-like cell with non-ASCII text returns a `Fallback`, and the caller classifies the
  file with the pure path, which reports bad rows with their line numbers as it always has.

Importable without DuckDB installed: `available()` says whether the extra is there.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stepcare.measures.batch import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    BatchResult,
    CsvFileError,
    _BadRow,
    _read_header,
    _RowReader,
)
from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.csvsafe import safe_row
from stepcare.measures.fast_sql import (
    FLAGS_CODE,
    in_list,
    line_sql,
    odd_sql,
    passed_through,
    sql_case,
    sql_text,
    unsafe_sql,
)
from stepcare.measures.model import TOLERANCE, Comparator, Measure, Number, Registry
from stepcare.measures.outcomes import BACKUP_ANXIETY_MEASURE, DEPRESSION_MEASURE, CourseSummary

_CHUNK = 8 * 2**20
_DISTINCT_LIMIT = 100_000
"""More distinct values than this in a score, measure or descriptor column: use the pure path."""


def available() -> bool:
    """Whether the optional `fast` extra (DuckDB) is installed."""
    return importlib.util.find_spec("duckdb") is not None


@dataclass(frozen=True, slots=True)
class Fallback:
    """The file cannot be classified by the vectorised path; `reason` says why."""

    reason: str


def classify_file(
    source: Path, output: Path | None, *, registry: Registry = DEFAULT_REGISTRY
) -> BatchResult | Fallback:
    """Classify every row of the CSV at `source`, writing the output CSV to `output`.

    Returns the result (no bad rows) or a `Fallback` saying why the pure path must do it; then
    `output` may hold a partial file, which the caller discards. Raises `CsvFileError` for a
    missing or incomplete header, exactly as the pure path does.
    """
    with source.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header = _read_header(csv.reader(handle))
        except (csv.Error, UnicodeDecodeError):
            return Fallback("the header row is not plain CSV")
    problem = _plain_text_problem(source)
    if problem is not None:
        return Fallback(problem)
    import duckdb  # the optional extra; only imported once it is needed

    con = duckdb.connect(":memory:")
    try:
        return _classify(con, source, output, header, registry)
    except duckdb.Error as exc:  # e.g. a row with the wrong number of cells
        if _MISALIGNED in str(exc):
            return Fallback(_MISALIGNED)
        return Fallback(f"DuckDB could not read the file as plain CSV ({type(exc).__name__})")
    finally:
        con.close()


def _plain_text_problem(source: Path) -> str | None:
    """Why the raw file is not plain enough for DuckDB to split exactly like `csv`, or None."""
    crlf = lf = False
    with source.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            if chunk.endswith(b"\r"):
                chunk += raw.read(1)  # keep a CR LF pair in one chunk
            if b'"' in chunk:
                return "the file has double quotes (quoted cells)"
            if b"\x00" in chunk:
                return "the file has NUL bytes"
            if b"\r" not in chunk:  # the usual case: one search, no counting
                lf = lf or b"\n" in chunk
            else:
                pairs = chunk.count(b"\r\n")
                if chunk.count(b"\r") != pairs:
                    return "the file has carriage returns that do not end a line"
                crlf = True
                lf = lf or chunk.count(b"\n") > pairs
            if crlf and lf:
                return "the file mixes line endings"
    return None


class _Sql:
    """SQL literals checked against DuckDB, so that a threshold means the same number in SQL."""

    def __init__(self, con: Any) -> None:
        self.con = con

    def double(self, value: float) -> str:
        literal = f"CAST({sql_text(repr(float(value)))} AS DOUBLE)"
        if self.con.execute(f"SELECT {literal}").fetchone()[0] != float(value):
            raise _NotExact(f"DuckDB reads {value!r} as a different number")
        return literal


class _NotExact(Exception):
    pass


def _classify(
    con: Any, source: Path, output: Path | None, header: list[str], reg: Registry
) -> BatchResult | Fallback:
    width = len(header)
    names = [name.strip() for name in header]
    col = {column: f"c{names.index(column)}" for column in INPUT_COLUMNS}
    # The file is read as whole lines (a plain file has no NUL byte to split them on) into a
    # table, on every thread: a scan of one file into a table keeps the file's order while
    # `preserve_insertion_order` is on (DuckDB's documented order preservation, set here so a
    # changed default cannot undo it), which the million-row test checks byte for byte; one
    # thread took 0.09 s against 0.06 s (a table holds only the lines: far less memory and
    # time than a column per cell). Each pass
    # below splits a line on commas into its cells: the CSV reader's own splitting would cost
    # as much, and the line is then written out as it came when no cell needs changing. A blank
    # line is skipped, as `csv` skips it; every other line must have the header's number of
    # cells (`ragged`).
    con.execute("SET preserve_insertion_order = true")
    con.execute(
        f"CREATE TEMP TABLE lines AS SELECT line FROM read_csv({sql_text(str(source))}, "
        "delim=chr(0), quote='', escape='', header=true, auto_detect=false, strict_mode=true, "
        "encoding='utf-8', columns={'line': 'VARCHAR'}) WHERE line IS NOT NULL"
    )
    con.execute(
        f"CREATE TEMP VIEW src AS SELECT line, len(cells) <> {width} AS ragged, "
        + ", ".join(f"cells[{i + 1}] AS c{i}" for i in range(width))
        + " FROM (SELECT line, string_split(line, ',') AS cells FROM lines)"
    )
    try:
        expressions = _expressions(con, col, width, header, reg)
    except _NotExact as exc:
        return Fallback(str(exc))
    if isinstance(expressions, Fallback):
        return expressions
    outcome, known, unsafe = expressions
    flagged = f"SELECT *, {FLAGS_CODE} AS code FROM ({outcome})"
    if output is None:
        grouped = con.execute(f"SELECT code, count(*) FROM ({flagged}) GROUP BY code").fetchall()
        return BatchResult(summary=_summary(grouped), bad_rows=0)
    # Every row's flags in one pass (on every thread), kept beside the lines: the output and
    # the summary are both made from them, and nothing is worked out twice. Each flags row
    # carries the hash of its line, and the output checks it against the line it is written
    # beside (one thread, in table order): a row out of place stops the COPY with an error,
    # and the pure path classifies the file.
    con.execute(f"CREATE TEMP TABLE flags AS SELECT anx, code, hash(line) AS line_hash FROM ({flagged})")
    misaligned = f"error({sql_text(_MISALIGNED)})"
    line = (
        f"CASE WHEN line_hash = hash(line) THEN {line_sql(width, known, unsafe=unsafe)} ELSE {misaligned} END"
    )
    # The header as `csv` writes it for the pure path, then every row in file order; the
    # summary is counted from the flags table (a few groups).
    header_text = io.StringIO()
    csv.writer(header_text, lineterminator="\n").writerow(safe_row([*header, *OUTPUT_COLUMNS]))
    _write(
        con,
        output,
        header_text.getvalue().removesuffix("\n"),
        line,
        "SELECT * FROM src POSITIONAL JOIN flags",
    )
    grouped = con.execute("SELECT code, count(*) FROM flags GROUP BY code").fetchall()
    return BatchResult(summary=_summary(grouped), bad_rows=0)


_MISALIGNED = "a row's flags are not beside its line"


@contextlib.contextmanager
def _one_thread(con: Any) -> Iterator[None]:
    """DuckDB on one thread for the statements inside: rows in the order they are read."""
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute("RESET threads")


def _summary(grouped: list[tuple[int, int]]) -> CourseSummary:
    """The summary from the number of rows with each code of flags (see `FLAGS_CODE`)."""
    summary = CourseSummary()
    for code, count in grouped:
        paired, caseness, recovered, improved, deteriorated = ((code >> bit) & 1 == 1 for bit in range(5))
        summary.rows += count
        summary.paired += count * paired
        summary.at_caseness += count * caseness
        summary.recovered += count * recovered
        summary.reliable_improvement += count * improved
        summary.reliable_deterioration += count * deteriorated
        summary.reliable_recovery += count * (recovered and improved)
        summary.no_reliable_change += count * (paired and not improved and not deteriorated)
    return summary


def _expressions(
    con: Any, col: dict[str, str], width: int, header: list[str], reg: Registry
) -> tuple[str, dict[str, list[str]], bool] | Fallback:
    """The SELECT that gives every row its outcome flags, the distinct cells of each column
    whose every value the pure path has read (their output text is worked out in Python), and
    whether any passed-through cell needs `safe_cell`.

    Raises `_NotExact` if a number would not mean the same in SQL."""
    sql = _Sql(con)
    reader = _RowReader(header, reg)
    depression, backup = reg.get(DEPRESSION_MEASURE), reg.get(BACKUP_ANXIETY_MEASURE)
    adsm_position = [name.strip() for name in header].index("adsm")

    # The distinct cells of every column the rules read, in one pass over the file (one hash
    # table per grouping set, built in parallel); with them, whether a row has the wrong number
    # of cells (`ragged`), whether a row is longer than the pure path allows, whether a
    # formula-like cell needs the pure path (`odd_sql`) and whether a passed-through cell needs
    # `safe_cell` (`unsafe`: if none does, and no cell the rules read does, each output line is
    # the input line as it came).
    adsm, first, last = col["adsm"], col["adsm_first"], col["adsm_last"]
    guards = ("ragged", "long", "odd", "unsafe")  # bits of one small number, `guard`
    # Pairs where a pair is few (every score is read for its measure; the two scores of one
    # measure have few combinations): fewer hash tables than one per column.
    sets = [
        (adsm, first),
        (adsm, last),
        (col["phq9_first"], col["phq9_last"]),
        (col["gad7_first"], col["gad7_last"]),
        (col["problem_descriptor"],),
        ("guard",),
    ]
    names = list(dict.fromkeys(name for group in sets for name in group))
    passed = passed_through(col, width)
    long = f"strlen(line) - {width - 1} > {csv.field_size_limit()}"  # the sum of its cells' lengths
    guard_sql = (
        f"ragged::INT + 2 * ({long})::INT + 4 * {odd_sql(passed)}::INT + 8 * {unsafe_sql(passed)}::INT"
    )
    rows = con.execute(
        f"SELECT {', '.join(names)} FROM (SELECT *, {guard_sql} AS guard FROM src) "
        f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(group) + ')' for group in sets)})"
    ).fetchall()
    distinct: dict[tuple[str, ...], list[Any]] = {group: [] for group in sets}
    for row in rows:
        present = tuple(name for name, value in zip(names, row, strict=True) if value is not None)
        values = [row[names.index(name)] for name in present]
        if present in distinct:  # a ragged row may have no cell where others have one
            distinct[present].append(values[0] if len(values) == 1 else values)
    guard = {name: any(code >> bit & 1 for code in distinct[("guard",)]) for bit, name in enumerate(guards)}
    if guard["ragged"]:
        return Fallback("DuckDB found a row without the header's number of cells")
    if guard["long"]:
        return Fallback("a row is longer than the csv module's field size limit")
    if guard["odd"]:
        return Fallback("a formula-like cell has non-ASCII text")
    adsm_firsts, adsm_lasts, phq_pairs, gad_pairs, descriptors = (distinct[group] for group in sets[:-1])
    if (
        max(len(values) for values in (adsm_firsts, adsm_lasts, phq_pairs, gad_pairs, descriptors))
        > _DISTINCT_LIMIT
    ):
        return Fallback("too many distinct ADSM names, scores or problem descriptors")
    adsm_names = list(dict.fromkeys(name for name, _score in [*adsm_firsts, *adsm_lasts]))
    phq_firsts, phq_lasts = (list(dict.fromkeys(pair[n] for pair in phq_pairs)) for n in (0, 1))
    gad_firsts, gad_lasts = (list(dict.fromkeys(pair[n] for pair in gad_pairs)) for n in (0, 1))

    # What each distinct ADSM name stands for, by the pure path's own lookup.
    adsm_of: dict[str, Measure] = {}
    blank_cells: list[str] = []
    for name in adsm_names:
        if not name.strip():
            continue
        problems: list[str] = []
        row = [name if i == adsm_position else "" for i in range(width)]
        found = reader._adsm(row, problems)
        if problems or found is None:
            return Fallback("a row names an unknown ADSM")
        adsm_of[name] = found
    adsms = {m.code: m for m in adsm_of.values()}

    # Every distinct score cell, read by the pure path's own parser for its measure; SQL reads
    # it with TRY_CAST, and any cell where the two differ is spelled out.
    read_as: dict[str, float | None] = {}
    checks: list[tuple[Measure, list[str]]] = [
        (depression, [*phq_firsts, *phq_lasts]),
        (backup, [*gad_firsts, *gad_lasts]),
    ]
    for name, cell in [*adsm_firsts, *adsm_lasts]:
        if name in adsm_of:
            checks.append((adsm_of[name], [cell]))
        elif cell.strip():  # the pure path's check, with its own idea of blank
            return Fallback("a row has ADSM scores without an ADSM name")
        else:
            blank_cells.append(cell)
    for measure, cells in checks:
        for cell in cells:
            parsed = _cell(reader, cell, measure)
            if isinstance(parsed, _BadRow):
                return Fallback("a row has a score that is not a valid total")
            read_as[cell] = None if parsed is None else float(parsed)
    overrides: dict[str, str] = {}
    if read_as:
        casts = con.execute(
            "SELECT text, TRY_CAST(text AS DOUBLE) FROM (SELECT unnest(?::VARCHAR[]) AS text)",
            [list(read_as)],
        ).fetchall()
        for text, cast in casts:
            if cast != read_as[text]:
                overrides[text] = "NULL" if read_as[text] is None else sql.double(read_as[text])  # type: ignore[arg-type]

    def score(column: str) -> str:
        return sql_case(column, overrides, f"TRY_CAST({column} AS DOUBLE)")

    # Which ADSM a problem descriptor admits, by the registry's own matching.
    admitted: dict[str, list[str]] = {code: [] for code in adsms}
    for descriptor in descriptors:
        for measure in reg.adsms_for_descriptor(descriptor):
            if measure.code in admitted:
                admitted[measure.code].append(descriptor)

    # The thresholds of each measure the pair can use, from the registry: position 1 is the
    # depression measure, 2 the back-up anxiety measure, then each ADSM named in the file.
    pair_measures = [depression, backup, *adsms.values()]
    cuts: list[str] = []
    above: list[str] = []
    rcis: list[str] = []
    for measure in pair_measures:
        if measure.caseness is None or measure.reliable_change is None:
            return Fallback(f"{measure.code} has no caseness cut-off or reliable-change value")
        is_above = measure.caseness.comparator is Comparator.ABOVE
        cuts.append(sql.double(measure.caseness.value + (TOLERANCE if is_above else -TOLERANCE)))
        above.append("true" if is_above else "false")
        rcis.append(sql.double(measure.reliable_change.value - TOLERANCE))
    position = {measure.code: n for n, measure in enumerate(pair_measures, start=1)}

    def met(score_sql: str, k: str) -> str:
        """SQL: the score is at caseness on the measure at position `k` (`>` or `>=` its cut)."""
        cut = f"[{', '.join(cuts)}][{k}]"
        return f"(CASE WHEN [{', '.join(above)}][{k}] THEN {score_sql} > {cut} ELSE {score_sql} >= {cut} END)"

    def rci(k: str) -> str:
        return f"[{', '.join(rcis)}][{k}]"

    adsm_at = sql_case(col["adsm"], {name: str(position[m.code]) for name, m in adsm_of.items()}, "0")
    matched = sql_case(
        "ak",
        {str(position[code]): f"pd IN {in_list(ds)}" for code, ds in admitted.items() if ds},
        "false",
        literal_keys=True,
    )
    codes = f"[{', '.join(sql_text(m.code) for m in pair_measures)}]"
    outcome = f"""
        SELECT *, {codes}[k] AS anx,
            (df IS NOT NULL AND dl IS NOT NULL AND a1 IS NOT NULL AND a2 IS NOT NULL) AS paired,
            coalesce(paired AND cs, false) AS at_caseness,
            coalesce(paired AND cs AND NOT ce, false) AS recovered,
            coalesce(paired AND fall AND NOT rise, false) AS improved,
            coalesce(paired AND rise AND NOT fall, false) AS deteriorated
        FROM (
            SELECT *,
                {met("df", "1")} OR {met("a1", "k")} AS cs,
                {met("dl", "1")} OR {met("a2", "k")} AS ce,
                df - dl >= {rci("1")} OR a1 - a2 >= {rci("k")} AS fall,
                dl - df >= {rci("1")} OR a2 - a1 >= {rci("k")} AS rise
            FROM (
                SELECT *, CASE WHEN use_adsm THEN ak ELSE 2 END AS k,
                    CASE WHEN use_adsm THEN af ELSE {score(col["gad7_first"])} END AS a1,
                    CASE WHEN use_adsm THEN al ELSE {score(col["gad7_last"])} END AS a2
                FROM (
                    SELECT *, coalesce(ak > 0 AND {matched} AND af IS NOT NULL AND al IS NOT NULL, false)
                        AS use_adsm
                    FROM (
                        SELECT *, CASE WHEN ak = 0 THEN NULL ELSE {score(col["adsm_first"])} END AS af,
                            CASE WHEN ak = 0 THEN NULL ELSE {score(col["adsm_last"])} END AS al
                        FROM (
                            SELECT src.*, {col["problem_descriptor"]} AS pd, {adsm_at} AS ak,
                                {score(col["phq9_first"])} AS df, {score(col["phq9_last"])} AS dl
                            FROM src
                        )
                    )
                )
            )
        )
    """
    known = {
        col["adsm"]: adsm_names,
        col["problem_descriptor"]: descriptors,
        col["phq9_first"]: list(read_as),
        col["phq9_last"]: list(read_as),
        col["gad7_first"]: list(read_as),
        col["gad7_last"]: list(read_as),
        col["adsm_first"]: [*read_as, *blank_cells],
        col["adsm_last"]: [*read_as, *blank_cells],
    }
    return outcome, known, guard["unsafe"]


def _write(con: Any, output: Path, header: str, line: str, rows_sql: str) -> Path:
    """The output CSV, written by DuckDB in one COPY (the header as the name of its one column)
    in a private folder beside `output` (DuckDB creates its files readable by all), made
    readable by its owner only, then moved onto `output`."""
    folder = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}."))
    try:
        rows = folder / "rows.csv"
        name = '"' + header.replace('"', '""') + '"'
        # One thread writes the rows, so that they are in file order by construction: with two,
        # DuckDB 2.0 was seen to write a large file's rows out of order (a CASE with a regular
        # expression in the SELECT), and to hold more rows in memory while keeping the order.
        # On two shared cores one thread takes less CPU time and no longer in wall time.
        with _one_thread(con):
            con.execute(
                f"COPY (SELECT {line} AS {name} FROM ({rows_sql})) TO "
                f"{sql_text(str(rows))} (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', NEW_LINE '\\n')"
            )
        rows.chmod(0o600)
        os.replace(rows, output)
        return output
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _cell(reader: _RowReader, text: str, measure: Measure) -> Number | _BadRow | None:
    """A score cell read by the pure path's parser: a total, None (blank) or the problem."""
    problems: list[str] = []
    value = reader._total(text, measure, measure.code, problems)
    return _BadRow(problems) if problems else value


__all__ = ["CsvFileError", "Fallback", "available", "classify_file"]
