"""SQL text for the vectorised classifier (`stepcare.measures.fast`): quoting, the checks that
`csvsafe.safe_cell` makes, written as DuckDB expressions, and each output line built from the
input line and the flags. Pure functions from Python values to SQL text; nothing here runs SQL.
"""

from __future__ import annotations

from stepcare.measures.csvsafe import FORMULA_STARTS, safe_cell


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def in_list(values: list[str]) -> str:
    return "(" + ", ".join(sql_text(v) for v in values) + ")"


def sql_case(expr: str, mapping: dict[str, str], default: str, *, literal_keys: bool = False) -> str:
    """SQL: `expr` looked up in `mapping` (cell text, or SQL literals) with a default."""
    if not mapping:
        return default
    branches = " ".join(
        f"WHEN {key if literal_keys else sql_text(key)} THEN {value}" for key, value in mapping.items()
    )
    return f"(CASE {expr} {branches} ELSE {default} END)"


_FORMULA_CODES = ", ".join(str(ord(ch)) for ch in FORMULA_STARTS)


def formula_start(expr: str) -> str:
    """SQL: the cell starts as a formula would (`FORMULA_STARTS`)."""
    return f"ascii({expr}) IN ({_FORMULA_CODES})"


def plain_number(expr: str) -> str:
    """SQL: `csvsafe._PLAIN_NUMBER` for ASCII text: after an optional sign, ASCII digits with at
    most one point and at least one digit. Written without a regular expression: with one in
    the SELECT of a COPY, DuckDB 2.0 was seen to write a large file's rows out of order."""
    unsigned = f"(CASE WHEN ascii({expr}) IN (43, 45) THEN substr({expr}, 2) ELSE {expr} END)"
    return f"(translate({unsigned}, '0123456789', '') IN ('', '.') AND {unsigned} NOT IN ('', '.'))"


def safe_sql(expr: str) -> str:
    """SQL: `safe_cell`. Its plain-number test is ASCII-only here, so `odd` sends a
    formula-like cell with any other character to the pure path."""
    return when_formula(expr, f"CASE WHEN {plain_number(expr)} THEN {expr} ELSE '''' || {expr} END", expr)


def when_formula(expr: str, then: str, otherwise: str) -> str:
    """SQL: `then` for a cell that starts as a formula would, else `otherwise`. A CASE, so that
    `then` is worked out for those few cells only (DuckDB works out both sides of an AND in a
    SELECT list for every row)."""
    return f"(CASE WHEN {formula_start(expr)} THEN {then} ELSE {otherwise} END)"


def _suffix_texts() -> list[str]:
    """The outcome cells after anxiety_measure, as text, for each of the 32 combinations of
    the flags (index 1 + paired + 2 at_caseness + 4 recovered + 8 improved + 16 deteriorated);
    reliable recovery and no reliable change follow from these as in `classify_pair`."""
    texts = []
    for code in range(32):
        paired, caseness, recovered, improved, deteriorated = ((code >> bit) & 1 == 1 for bit in range(5))
        flags = (
            paired,
            caseness,
            recovered,
            improved,
            deteriorated,
            recovered and improved,
            paired and not improved and not deteriorated,
        )
        texts.append("," + ",".join("true" if flag else "false" for flag in flags))
    return texts


SUFFIXES = _suffix_texts()


def suffixes_sql() -> str:
    """SQL: the list of `SUFFIXES`, indexed by the code of the flags plus one."""
    return "[" + ", ".join(sql_text(text) for text in SUFFIXES) + "]"


FLAGS_CODE = (
    "(paired::INT + 2 * at_caseness::INT + 4 * recovered::INT + 8 * improved::INT + 16 * deteriorated::INT)"
)


def passed_through(col: dict[str, str], width: int) -> list[str]:
    """The columns the rules do not read (pathway_id and any others): `safe_cell` in SQL."""
    rules = {column for name, column in col.items() if name != "pathway_id"}
    return [f"c{i}" for i in range(width) if f"c{i}" not in rules]


def odd_sql(columns: list[str]) -> str:
    """SQL: a formula-like cell in `columns` that SQL cannot judge exactly (not ASCII)."""
    odd = " OR ".join(when_formula(c, f"strlen({c}) <> length({c})", "false") for c in columns)
    return f"coalesce({odd or 'false'}, false)"


def unsafe_sql(columns: list[str]) -> str:
    """SQL: a cell in `columns` that `safe_cell` changes (`safe_sql`; exact with `odd_sql` false)."""
    unsafe = " OR ".join(when_formula(c, f"NOT {plain_number(c)}", "false") for c in columns)
    return f"coalesce({unsafe or 'false'}, false)"


def line_sql(width: int, known: dict[str, list[str]], *, unsafe: bool) -> str:
    """SQL over the flagged rows: each output row as one line of text (no cell of a plain file
    needs quoting).

    A column whose distinct cells are all `known` gets `safe_cell` from Python, cell by cell;
    the others (pathway_id and passed-through columns) get it in SQL. When no cell needs it
    (none `known` is changed by it, and the passed-through columns are not `unsafe`), the input
    line is the output's first cells as they stand, and is not split and joined again."""
    cells: list[str] = []
    changed_any = unsafe
    for i in range(width):
        column = f"c{i}"
        if column in known:
            changed = {cell: safe_cell(cell) for cell in known[column] if safe_cell(cell) != cell}
            changed_any = changed_any or bool(changed)
            cells.append(sql_case(column, {cell: sql_text(text) for cell, text in changed.items()}, column))
        else:
            cells.append(safe_sql(column))
    start = f"concat_ws(',', {', '.join(cells)}, anx)" if changed_any else "line || ',' || anx"
    return f"{start} || {suffixes_sql()}[code + 1]"
