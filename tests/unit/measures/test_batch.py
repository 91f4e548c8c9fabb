"""The streaming CSV classifier that both the CLI and the benchmark use."""

from __future__ import annotations

import io

from stepcare.measures import INPUT_COLUMNS, RowProblem, classify_csv
from stepcare.measures.batch import PROGRESS_EVERY

HEADER = ",".join(INPUT_COLUMNS)
GOOD = "P{n},F32,15,5,12,2,,,"
BAD = "X{n},F32,99,5,12,2,,,"


def csv_text(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([HEADER, *rows]) + "\n")


def test_a_bad_row_stops_the_output_but_every_later_bad_row_is_still_reported() -> None:
    sink = io.StringIO()
    problems: list[RowProblem] = []
    source = csv_text(GOOD.format(n=1), BAD.format(n=2), GOOD.format(n=3), BAD.format(n=4))
    result = classify_csv(source, sink, on_bad_row=problems.append)
    assert result.bad_rows == 2
    assert [(p.line, p.pathway_id) for p in problems] == [(3, "X2"), (5, "X4")]
    written = sink.getvalue().splitlines()
    assert [line.split(",")[0] for line in written[1:]] == ["P1"]


def test_skipped_bad_rows_are_left_out_of_the_output_and_the_summary() -> None:
    sink = io.StringIO()
    source = csv_text(GOOD.format(n=1), BAD.format(n=2), GOOD.format(n=3))
    result = classify_csv(source, sink, on_bad_row=lambda _: None, skip_bad_rows=True)
    assert result.summary.rows == 2
    assert [line.split(",")[0] for line in sink.getvalue().splitlines()[1:]] == ["P1", "P3"]


def test_progress_is_reported_every_so_many_rows_and_at_the_end() -> None:
    seen: list[int] = []
    rows = [GOOD.format(n=n) for n in range(PROGRESS_EVERY + 5)]
    classify_csv(csv_text(*rows), None, on_bad_row=lambda _: None, progress=seen.append)
    assert seen == [PROGRESS_EVERY, PROGRESS_EVERY + 5]


def test_a_row_problem_reads_as_line_pathway_and_every_problem() -> None:
    problem = RowProblem(7, "P9", ("phq9_first: bad", "gad7_last: bad"))
    assert str(problem) == "line 7 (pathway_id P9): phq9_first: bad; gad7_last: bad"
    assert str(RowProblem(3, "", ("short",))) == "line 3: short"


def test_classify_output_never_carries_a_spreadsheet_formula() -> None:
    sink = io.StringIO()
    hostile = ['=HYPERLINK("http://x.invalid"),F32,15,5,12,2,,,', "@SUM(A1),F32,15,5,12,2,,,"]
    classify_csv(csv_text(*hostile), sink, on_bad_row=lambda _: None)
    import csv

    rows = list(csv.reader(io.StringIO(sink.getvalue())))[1:]
    assert [r[0] for r in rows] == ['\'=HYPERLINK("http://x.invalid")', "'@SUM(A1)"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_safe_cells_neutralise_each_formula_start_but_keep_plain_numbers() -> None:
    from stepcare.measures.csvsafe import safe_cell

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}cmd|' /C calc'!A0").startswith("'")
    assert [safe_cell(v) for v in ("-3", "+1.5", "12", "", None, "Smith")] == [
        "-3",
        "+1.5",
        "12",
        "",
        "",
        "Smith",
    ]
