"""The vectorised classifier (`stepcare[fast]`, DuckDB) gives exactly what the pure core gives.

Both classify the same generated courses, built around every boundary of every measure in
the outcome pair (caseness cut-offs, a change of exactly the reliable-change value, the
Mobility Inventory's decimals and `>` cut-off, the ADSM with GAD-7 as back-up, missing scores),
and their outputs are compared row by row and byte for byte, with the same summary.
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from stepcare.measures import DEFAULT_REGISTRY, INPUT_COLUMNS, classify_csv
from stepcare.measures.config import apply_overrides
from stepcare.measures.csvsafe import safe_cell
from stepcare.measures.model import Measure, Registry
from stepcare.measures.outcomes import BACKUP_ANXIETY_MEASURE, DEPRESSION_MEASURE

pytest.importorskip("duckdb")
from stepcare.measures import fast
from stepcare.measures.cli import main

ROOT = Path(__file__).resolve().parents[3]
ADSM_DESCRIPTOR = {"SPIN": "F40.1", "PDSS": "F41.0", "MI": "F40.0", "OCI-R": "F42.2", "PCL-5": "F43.1",
                   "IES-R": "F43.10", "HAI": "F45.2"}  # fmt: skip


Pair = tuple[str, str]


def _text(value: Decimal, measure: Measure) -> str:
    return f"{value:.2f}" if not measure.whole_number_total else str(int(value))


def boundary_pairs(measure: Measure) -> list[tuple[str, str]]:
    """First and last scores at and either side of the cut-off, changing by exactly the
    reliable-change value and by one step less or more, in both directions."""
    assert measure.caseness is not None and measure.reliable_change is not None
    step = Decimal("1") if measure.whole_number_total else Decimal("0.01")
    low, high = Decimal(str(measure.total_min)), Decimal(str(measure.total_max))
    cut, rci = Decimal(str(measure.caseness.value)), Decimal(str(measure.reliable_change.value))
    firsts = {low, cut - step, cut, cut + step, high, cut + rci, cut + rci - step}
    changes = {Decimal(0), rci - step, rci, rci + step, -rci + step, -rci, -rci - step}
    pairs = []
    for first in sorted(firsts):
        for change in sorted(changes):
            last = first - change
            if low <= first <= high and low <= last <= high:
                pairs.append((_text(first, measure), _text(last, measure)))
    return pairs


def generated_rows(registry: Registry = DEFAULT_REGISTRY, seed: int = 15) -> list[list[str]]:
    rng = random.Random(seed)
    phq = boundary_pairs(registry.get(DEPRESSION_MEASURE))
    gad = boundary_pairs(registry.get(BACKUP_ANXIETY_MEASURE))
    rows: list[list[str]] = []

    def row(descriptor: str, p: Pair, g: Pair, adsm: str = "", a: Pair = ("", "")) -> None:
        rows.append([f"P{len(rows):06d}", descriptor, *p, *g, adsm, *a])

    for p in phq:  # depression with GAD-7, every boundary against every boundary
        for g in gad:
            row(rng.choice(["F32.1", "F41.1", "", "83482000"]), p, g)
    for code, descriptor in ADSM_DESCRIPTOR.items():
        measure = registry.get(code)
        for a in boundary_pairs(measure):
            for p in rng.sample(phq, 6):
                g = rng.choice(gad)
                name = rng.choice([code, code.lower(), code.replace("-", ""), f" {code} "])
                row(descriptor, p, g, name, a)  # the ADSM is the pair
                row("F32.1", p, g, name, a)  # it does not match the descriptor: GAD-7 is
                row(descriptor, p, g, name, (a[0], ""))  # one ADSM score missing: GAD-7 is
                row(descriptor.lower() + " - text", p, ("", g[1]), name, a)  # the ADSM pair, no GAD-7
    for _ in range(3000):  # missing scores anywhere, and cells written in other ways
        cells = rows[rng.randrange(len(rows))][:]
        cells[0] = f"R{len(rows):06d}"
        for column in rng.sample(range(2, 9), rng.randint(0, 3)):
            if column == 6:
                continue
            cells[column] = rng.choice(
                ["", " ", cells[column] + ".0" if cells[column].isdigit() else cells[column]]
            )
        if cells[2].isdigit():
            cells[2] = rng.choice([cells[2], f"+{cells[2]}", f" {cells[2]}", f"0{cells[2]}"])
        rows.append(cells)
    # Cells a spreadsheet would run, and plain signed numbers, in the passed-through id.
    for pid in ["=1+1", "-3", "+1.5", "@SUM(A1)", "\tx", "-x", "'quoted'", "é", "-é"[:1] + "1"]:
        rows.append([pid, "F32", "15", "5", "12", "2", "", "", ""])
    return rows


def write_csv(path: Path, rows: list[list[str]], *, newline: str = "\n", extra: bool = False) -> Path:
    header = [*INPUT_COLUMNS, "team"] if extra else list(INPUT_COLUMNS)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(header)
        for row in rows:
            writer.writerow([*row, "Team; North"] if extra else row)
    return path


def pure_and_fast(source: Path, tmp_path: Path, registry: Registry = DEFAULT_REGISTRY) -> tuple[str, str]:
    pure_out = io.StringIO()
    with source.open(encoding="utf-8-sig", newline="") as handle:
        expected = classify_csv(handle, pure_out, registry=registry, on_bad_row=pytest.fail)
    fast_out = tmp_path / "fast.csv"
    result = fast.classify_file(source, fast_out, registry=registry)
    assert not isinstance(result, fast.Fallback), result
    assert result.summary.as_dict() == expected.summary.as_dict()
    assert result.bad_rows == 0
    return pure_out.getvalue(), fast_out.read_text(encoding="utf-8")


def assert_same_rows(pure: str, vectorised: str) -> None:
    pure_rows = list(csv.reader(io.StringIO(pure)))
    fast_rows = list(csv.reader(io.StringIO(vectorised)))
    assert len(fast_rows) == len(pure_rows)
    for number, (want, got) in enumerate(zip(pure_rows, fast_rows, strict=True), start=1):
        assert got == want, f"output line {number} differs"
    assert vectorised == pure  # and byte for byte


def test_every_boundary_classifies_the_same_row_by_row(tmp_path: Path) -> None:
    rows = generated_rows()
    assert len(rows) > 5000
    pure, vectorised = pure_and_fast(write_csv(tmp_path / "courses.csv", rows), tmp_path)
    assert_same_rows(pure, vectorised)
    flags = list(csv.DictReader(io.StringIO(pure)))
    # The generated courses do reach every outcome, with each ADSM as the pair.
    for column in ("recovered", "reliable_improvement", "reliable_deterioration", "no_reliable_change"):
        assert any(r[column] == "true" for r in flags), column
    assert {r["anxiety_measure"] for r in flags} == {"GAD-7", *ADSM_DESCRIPTOR}
    assert any(r["paired"] == "false" for r in flags)


def test_windows_line_endings_and_passed_through_columns_classify_the_same(tmp_path: Path) -> None:
    rows = generated_rows(seed=2)[:3000]
    source = write_csv(tmp_path / "courses.csv", rows, newline="\r\n", extra=True)
    pure, vectorised = pure_and_fast(source, tmp_path)
    assert_same_rows(pure, vectorised)


def test_a_service_configuration_applies_to_the_vectorised_path_too(tmp_path: Path) -> None:
    registry = apply_overrides(
        DEFAULT_REGISTRY,
        {
            "measures": {
                "SPIN": {"caseness": {"value": 10, "source": "local"}},
                "MI": {"reliable_change": {"value": 0.5, "source": "local"}},
            }
        },
    )
    rows = generated_rows(registry, seed=3)
    pure, vectorised = pure_and_fast(write_csv(tmp_path / "courses.csv", rows), tmp_path, registry)
    assert_same_rows(pure, vectorised)
    default_pure, _ = pure_and_fast(write_csv(tmp_path / "courses.csv", rows), tmp_path)
    assert default_pure != pure  # the override changed some outcomes


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('P1,F32,15,5,12,2,,,\nP2,"F32, depression",15,5,12,2,,,\n', "double quotes"),
        ("P1,F32,15,5,12,2,,,\nP2,F32,99,5,12,2,,,\n", "score"),
        ("P1,F32,15,5,12,2,,\n", "DuckDB"),
        ("P1,F32,15,5,12,2,,,\r\nP2,F32,15,5,12,2,,,\n", "line endings"),
        ("P1,F32,15,5,12,2,,,\rP2,F32,15,5,12,2,,,\n", "carriage returns"),
        ("P1,F32,15,5,12,2,,,\nP2,F32,15,5,12,2,,7,\n", "without an ADSM name"),
        ("P1,F40.1,15,5,12,2,PHQ-9,3,4\n", "unknown ADSM"),
        ("P\x001,F32,15,5,12,2,,,\n", "NUL"),
        ("-é,F32,15,5,12,2,,,\n", "non-ASCII"),
        ("P" + "x" * 200_000 + ",F32,15,5,12,2,,,\n", "field size limit"),
    ],
)
def test_files_it_cannot_read_exactly_go_to_the_pure_path(tmp_path: Path, body: str, reason: str) -> None:
    source = tmp_path / "courses.csv"
    source.write_text(",".join(INPUT_COLUMNS) + "\n" + body, encoding="utf-8", newline="")
    result = fast.classify_file(source, tmp_path / "out.csv")
    assert isinstance(result, fast.Fallback)
    assert reason in result.reason


def test_bad_rows_are_reported_exactly_as_the_pure_path_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "courses.csv"
    source.write_text(
        ",".join(INPUT_COLUMNS) + "\nP1,F32,15,5,12,2,,,\nP2,F32,99,5,12,2,,,\nP3,F32,1,5,,x,,,\n",
        encoding="utf-8",
    )
    reports = {}
    for engine in ("pure", "fast"):
        status = main(["classify", str(source), "-o", str(tmp_path / f"{engine}.csv"), "--engine", engine])
        assert status == 2
        err = capsys.readouterr().err
        reports[engine] = [line for line in err.splitlines() if "bad row" in line]
        assert not (tmp_path / f"{engine}.csv").exists()
    assert reports["fast"] == reports["pure"]
    assert len(reports["pure"]) == 3  # two rows and the closing line


def test_the_command_gives_the_same_file_and_summary_with_either_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "courses.csv", generated_rows(seed=4)[:2000])
    summaries = {}
    for engine in ("pure", "fast", "auto"):
        output = str(tmp_path / f"{engine}.csv")
        assert main(["classify", str(source), "-o", output, "--summary", "--engine", engine]) == 0
        summaries[engine] = json.loads(capsys.readouterr().out)
    assert summaries["pure"] == summaries["fast"] == summaries["auto"]
    pure = (tmp_path / "pure.csv").read_bytes()
    assert (tmp_path / "fast.csv").read_bytes() == pure == (tmp_path / "auto.csv").read_bytes()
    assert main(["classify", str(source), "-o", "-", "--engine", "fast"]) == 0
    assert capsys.readouterr().out.encode() == pure


def test_the_clinical_core_works_without_the_extra(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "courses.csv", generated_rows()[:50])
    check = (
        "import sys; sys.modules['duckdb'] = None\n"
        "import importlib.util; importlib.util.find_spec = lambda name, *a: None\n"
        "from stepcare.measures import fast; from stepcare.measures.cli import main\n"
        "assert not fast.available()\n"
        f"assert main(['classify', {str(source)!r}, '-o', {str(tmp_path / 'o.csv')!r}]) == 0\n"
        f"assert main(['classify', {str(source)!r}, '-o', {str(tmp_path / 'p.csv')!r},"
        " '--engine', 'fast']) == 2\n"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "needs the 'fast' extra" in result.stderr


def _without_formula_cells(rows: list[list[str]]) -> list[list[str]]:
    """The rows whose cells `safe_cell` leaves as they are (each output line then starts with
    its input line as it came)."""
    return [row for row in rows if all(safe_cell(cell) == cell for cell in row)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_file_with_no_cell_to_protect_and_blank_lines_classifies_the_same(
    tmp_path: Path, newline: str
) -> None:
    rows = _without_formula_cells(generated_rows(seed=5))
    assert len(rows) > 5000
    source = write_csv(tmp_path / "courses.csv", rows, newline=newline, extra=True)
    text = source.read_bytes().decode("utf-8")
    lines = text.split(newline)
    lines[3:3] = ["", ""]  # blank lines carry no course; the csv module skips them
    source.write_text(newline.join(lines), encoding="utf-8", newline="")
    pure, vectorised = pure_and_fast(source, tmp_path)
    assert_same_rows(pure, vectorised)


@pytest.mark.parametrize("protect", [False, True])
def test_a_million_rows_are_written_in_file_order(tmp_path: Path, protect: bool) -> None:
    """A national-size file (DuckDB reads it in parallel): the output, byte for byte, is what
    the pure core writes for each row, in the input's order. The pure core classifies one block
    of rows; the file repeats the block under new ids."""
    block = _without_formula_cells(generated_rows(seed=7))[:1000]
    pure_out = io.StringIO()
    classify_csv(
        io.StringIO("\n".join([",".join(INPUT_COLUMNS), *map(",".join, block)])),
        pure_out,
        on_bad_row=pytest.fail,
    )
    outcomes = [
        line[len(",".join(row)) :]
        for row, line in zip(block, pure_out.getvalue().splitlines()[1:], strict=True)
    ]
    ids = [f"Q{n:07d}" for n in range(1_000_000)]
    if protect:
        ids[600_000] = "=Q0600000"  # a cell to protect: every line is built again from its cells
    source = tmp_path / "courses.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(INPUT_COLUMNS) + "\n")
        handle.writelines(f"{i},{','.join(block[n % 1000][1:])}\n" for n, i in enumerate(ids))
    result = fast.classify_file(source, tmp_path / "fast.csv")
    assert not isinstance(result, fast.Fallback), result
    assert result.summary.rows == 1_000_000
    got = (tmp_path / "fast.csv").read_text(encoding="utf-8").splitlines()
    assert got[0] == pure_out.getvalue().splitlines()[0]
    for n, i in enumerate(ids):
        want = f"{safe_cell(i)},{','.join(block[n % 1000][1:])}{outcomes[n % 1000]}"
        assert got[n + 1] == want, f"output line {n + 2} is not the input's line {n + 2}"


def test_flags_out_of_place_stop_the_output_and_go_to_the_pure_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output line is built from the line and the flags beside it (a positional join of
    two tables); each flags row carries its line's hash, checked as the line is written. Here
    the flags are put out of place on purpose: the vectorised path gives up, not a wrong row."""
    import duckdb

    class Shuffled:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def execute(self, query: str, *args: object) -> duckdb.DuckDBPyConnection:
            if query.startswith("CREATE TEMP TABLE flags"):
                query += " ORDER BY line_hash"
            return self.con.execute(query, *args)

        def __getattr__(self, name: str) -> object:
            return getattr(self.con, name)

    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *args, **kwargs: Shuffled(connect(*args, **kwargs)))
    source = write_csv(tmp_path / "courses.csv", generated_rows(seed=5)[:500])
    result = fast.classify_file(source, tmp_path / "fast.csv")
    assert isinstance(result, fast.Fallback)
    assert "not beside its line" in result.reason
