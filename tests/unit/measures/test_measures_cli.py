"""`stepcare measures list | score | classify`, called through `main` and once as a process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stepcare.measures import CONFIG_ENV_VAR, INPUT_COLUMNS, OUTPUT_COLUMNS
from stepcare.measures.cli import main
from tests.unit.measures.helpers import course_row

ROOT = Path(__file__).resolve().parents[3]
HEADER = ",".join(INPUT_COLUMNS)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=INPUT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- score ---------------------------------------------------------------------------------


def test_score_json_prints_exactly_the_line_from_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "score", "PHQ-9", "0", "1", "2", "3", "0", "1", "2", "3", "1", "--json")
    assert status == 0
    assert (
        out
        == '{"measure": "PHQ-9", "total": 13, "severity": "moderate", "caseness": true, "flags": ["item9"]}\n'
    )
    assert err == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["gad7", "3", "3", "3", "3", "3", "3", "3"],
            {"measure": "GAD-7", "total": 21, "severity": "severe", "caseness": True, "flags": []},
        ),
        (
            ["WSAS", "NA", "1", "2", "3", "4"],
            {
                "measure": "WSAS",
                "total": 10,
                "severity": "significant impairment",
                "caseness": None,
                "flags": [],
            },
        ),
        (
            ["phobia", "0", "4", "0"],
            {"measure": "PHOBIA", "total": 4, "severity": None, "caseness": True, "flags": []},
        ),
        (
            ["MI", *["3"] * 27],
            {"measure": "MI", "total": 3.0, "severity": None, "caseness": True, "flags": []},
        ),
        (
            ["spin", *["1"] * 17],
            {"measure": "SPIN", "total": 17, "severity": None, "caseness": False, "flags": []},
        ),
    ],
)
def test_score_json_has_the_same_five_keys_for_every_measure(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: dict[str, object]
) -> None:
    status, out, _ = run(capsys, "score", *argv, "--json")
    assert status == 0
    assert list(json.loads(out).items()) == list(expected.items())


def test_score_without_json_prints_a_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "score", "PHQ-9", "0", "1", "2", "3", "0", "1", "2", "3", "1")
    assert status == 0
    assert out.startswith("PHQ-9 total 13: moderate; at caseness (>= 10)")
    assert "item9" in out and "not a risk score" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["PHQ-9", "0", "1", "2"], "PHQ-9: expected 9 answers (items 1 to 9), got 3"),
        (
            ["PHQ-9", "0", "1", "2", "3", "0", "1", "2", "3", "4"],
            "PHQ-9 item 9: expected a whole number from 0 to 3, got 4",
        ),
        (
            ["GAD-7", "-1", "0", "0", "0", "0", "0", "0"],
            "GAD-7 item 1: expected a whole number from 0 to 3, got -1",
        ),
        (
            ["GAD-7", "0", "x", "0", "0", "0", "0", "0"],
            "GAD-7 item 2: expected a whole number from 0 to 3, got 'x'",
        ),
        (
            ["WSAS", "0", "na", "0", "0", "0"],
            "WSAS item 2 (Home management): 'not applicable' is not allowed",
        ),
        (["BDI", "1"], "unknown measure 'BDI'"),
    ],
)
def test_bad_answers_exit_2_naming_the_measure_item_and_expectation(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, "score", *argv, "--json")
    assert status == 2
    assert out == ""
    assert message in err


def test_a_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "frobnicate")
    assert status == 2
    assert "usage: stepcare measures" in err


# --- list ----------------------------------------------------------------------------------


def test_list_json_describes_every_measure_with_thresholds_and_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "list", "--json")
    measures = {entry["code"]: entry for entry in json.loads(out)}
    assert status == 0
    assert list(measures) == [
        "PHQ-9",
        "GAD-7",
        "WSAS",
        "PHOBIA",
        "SPIN",
        "PDSS",
        "MI",
        "OCI-R",
        "PCL-5",
        "IES-R",
        "HAI",
    ]
    phq9 = measures["PHQ-9"]
    assert (phq9["total_min"], phq9["total_max"], phq9["snomed_code"]) == (0, 27, "720433000")
    assert phq9["caseness"]["value"] == 10 and phq9["caseness"]["source"]
    assert phq9["reliable_change"]["value"] == 6 and phq9["reliable_change"]["source"]
    assert [b["label"] for b in phq9["severity_bands"]["bands"]][-1] == "severe"
    assert measures["MI"]["caseness"]["comparator"] == ">"
    assert measures["SPIN"]["items"][0] == {
        "number": 1,
        "key": "item1",
        "label": "Item 1",
        "text": None,
        "allows_not_applicable": False,
        "flag": None,
    }


def test_list_shows_a_table_with_the_sources(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "list")
    assert status == 0
    assert out.splitlines()[0].split()[:3] == ["code", "items", "item"]
    assert "MI caseness > 2.3: DOMAIN.md" in out


def test_list_with_a_wording_file_shows_the_licensed_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wording = tmp_path / "wording.json"
    wording.write_text(
        json.dumps({"source": "licence", "measures": {"PDSS": {"items": [f"q{n}" for n in range(1, 8)]}}})
    )
    status, out, _ = run(capsys, "list", "--json", "--wording", str(wording))
    pdss = next(entry for entry in json.loads(out) if entry["code"] == "PDSS")
    assert status == 0
    assert pdss["items"][0]["text"] == "q1"
    assert pdss["wording_source"] == "licence"


def test_a_bad_wording_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wording = tmp_path / "wording.json"
    wording.write_text(json.dumps({"source": "x", "measures": {"PDSS": {"items": ["only one"]}}}))
    status, _, err = run(capsys, "list", "--wording", str(wording))
    assert status == 2
    assert "PDSS.items: expected a list of 7 item texts" in err


# --- config --------------------------------------------------------------------------------


def spin_cut_off_config(tmp_path: Path, value: int) -> Path:
    path = tmp_path / "service.json"
    path.write_text(json.dumps({"measures": {"SPIN": {"caseness": {"value": value, "source": "local"}}}}))
    return path


def test_the_config_option_changes_a_cut_off(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = spin_cut_off_config(tmp_path, 10)
    status, out, _ = run(capsys, "score", "SPIN", *["1"] * 10, *["0"] * 7, "--json", "--config", str(config))
    assert status == 0
    assert json.loads(out)["caseness"] is True


def test_the_config_environment_variable_is_honoured(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV_VAR, str(spin_cut_off_config(tmp_path, 10)))
    _, out, _ = run(capsys, "list", "--json")
    spin = next(entry for entry in json.loads(out) if entry["code"] == "SPIN")
    assert spin["caseness"] == {
        "value": 10,
        "comparator": ">=",
        "applies_to": "total",
        "source": "local",
        "national": False,
    }


def test_a_bad_config_file_exits_2_naming_the_measure_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"measures": {"SPIN": {"caseness": {"value": "high", "source": "x"}}}}))
    status, _, err = run(capsys, "score", "PHQ-9", *["0"] * 9, "--config", str(config))
    assert status == 2
    assert "SPIN.caseness.value: expected a number from 0 to 68, got 'high'" in err


# --- classify ------------------------------------------------------------------------------


GOOD_ROWS = [
    course_row(
        pathway_id="P1",
        problem_descriptor="F40.1",
        phq9_first="14",
        phq9_last="5",
        gad7_first="12",
        gad7_last="4",
        adsm="spin",
        adsm_first="30",
        adsm_last="12",
    ),
    course_row(pathway_id="P2", problem_descriptor="F32.1", phq9_first="14", phq9_last="5"),
    course_row(
        pathway_id="P3",
        problem_descriptor="F41.1",
        phq9_first="8",
        phq9_last="9",
        gad7_first="6",
        gad7_last="12",
    ),
    course_row(
        pathway_id="P4",
        problem_descriptor="f400",
        phq9_first="9",
        phq9_last="9",
        gad7_first="7",
        gad7_last="7",
        adsm="MI",
        adsm_first="2.31",
        adsm_last="1.5",
    ),
    course_row(
        pathway_id="P5",
        problem_descriptor="F32",
        phq9_first="15",
        phq9_last="12",
        gad7_first="9",
        gad7_last="9",
        adsm="PDSS",
        adsm_first="20",
        adsm_last="2",
    ),
]


def test_classify_writes_every_input_column_and_the_outcome_flags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", GOOD_ROWS)
    status, out, err = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"))
    rows = read_csv(tmp_path / "out.csv")
    assert (status, out, err) == (0, "", "")
    assert list(rows[0]) == [*INPUT_COLUMNS, *OUTPUT_COLUMNS]
    assert [row["pathway_id"] for row in rows] == ["P1", "P2", "P3", "P4", "P5"]
    assert rows[0]["adsm"] == "spin"  # input passed through unchanged
    outcome = {row["pathway_id"]: [row[c] for c in OUTPUT_COLUMNS] for row in rows}
    assert outcome["P1"] == ["SPIN", "true", "true", "true", "true", "false", "true", "false"]
    assert outcome["P2"] == ["GAD-7", "false", "false", "false", "false", "false", "false", "false"]
    assert outcome["P3"] == ["GAD-7", "true", "false", "false", "false", "true", "false", "false"]
    assert outcome["P4"] == ["MI", "true", "true", "true", "true", "false", "true", "false"]
    assert outcome["P5"] == ["GAD-7", "true", "true", "false", "false", "false", "false", "true"]


def test_classify_summary_prints_counts_and_the_four_rates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", GOOD_ROWS)
    status, out, _ = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"), "--summary")
    assert status == 0
    assert json.loads(out) == {
        "rows": 5,
        "paired": 4,
        "not_paired": 1,
        "at_caseness": 3,
        "not_at_caseness": 1,
        "recovered": 2,
        "reliable_improvement": 2,
        "reliable_deterioration": 1,
        "reliable_recovery": 2,
        "no_reliable_change": 1,
        "recovery_rate": 2 / 3,
        "reliable_improvement_rate": 2 / 4,
        "reliable_deterioration_rate": 1 / 4,
        "reliable_recovery_rate": 2 / 3,
    }


def test_classify_of_a_header_only_file_gives_null_rates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", [])
    status, out, _ = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"), "--summary")
    summary = json.loads(out)
    assert status == 0
    assert summary["rows"] == 0 and summary["recovery_rate"] is None
    assert (tmp_path / "out.csv").read_text() == ",".join([*INPUT_COLUMNS, *OUTPUT_COLUMNS]) + "\n"


BAD_ROWS = [
    (
        course_row(pathway_id="B1", phq9_first="28", phq9_last="5"),
        "phq9_first: expected PHQ-9 score as a whole number from 0 to 27, got '28'",
    ),
    (
        course_row(pathway_id="B2", gad7_first="abc"),
        "gad7_first: expected GAD-7 score as a whole number from 0 to 21, got 'abc'",
    ),
    (
        course_row(pathway_id="B3", phq9_last="9.5"),
        "phq9_last: expected PHQ-9 score as a whole number from 0 to 27, got '9.5'",
    ),
    (course_row(pathway_id="B4", adsm="BDI", adsm_first="1"), "adsm: unknown measure 'BDI'"),
    (
        course_row(pathway_id="B5", adsm_first="20", adsm_last="10"),
        "adsm_first/adsm_last are given but adsm is blank",
    ),
    (
        course_row(pathway_id="B6", adsm="SPIN", adsm_first="69"),
        "adsm_first: expected SPIN score as a whole number from 0 to 68, got '69'",
    ),
    (
        course_row(pathway_id="B7", adsm="MI", adsm_last="5.5"),
        "adsm_last: expected MI score as a number from 1.0 to 5.0, got '5.5'",
    ),
    (course_row(pathway_id="B8", adsm="GAD-7"), "adsm: GAD-7 is not an anxiety-disorder-specific measure"),
    (
        course_row(pathway_id="B9", phq9_first="-1"),
        "phq9_first: expected PHQ-9 score as a whole number from 0 to 27, got '-1'",
    ),
    (course_row(pathway_id="B10", phq9_first="nan"), "got 'nan'"),
]


def write_with_bad_rows(path: Path) -> Path:
    rows = [GOOD_ROWS[0], *(row for row, _ in BAD_ROWS), GOOD_ROWS[1]]
    write_csv(path, rows)
    with path.open("a", newline="") as handle:
        handle.write("B11,F32,1,2\n")  # too few columns
    return path


def test_classify_reports_every_bad_row_and_writes_no_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_with_bad_rows(tmp_path / "in.csv")
    status, out, err = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"), "--summary")
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    for n, (row, message) in enumerate(BAD_ROWS):
        line = next(text for text in lines if f"(pathway_id {row['pathway_id']})" in text)
        assert f"line {n + 3} (pathway_id {row['pathway_id']})" in line
        assert message in line
    assert "line 14 (pathway_id B11): expected 9 columns, found 4" in err
    assert "11 bad row(s); no output written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_classify_reports_several_problems_of_one_row_together(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", [course_row(pathway_id="X", phq9_first="x", gad7_last="99")])
    status, _, err = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"))
    assert status == 2
    assert "phq9_first: expected PHQ-9" in err and "; gad7_last: expected GAD-7" in err


def test_classify_does_not_replace_an_existing_output_when_rows_are_bad(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"
    output.write_text("previous run\n")
    source = write_with_bad_rows(tmp_path / "in.csv")
    assert run(capsys, "classify", str(source), "-o", str(output))[0] == 2
    assert output.read_text() == "previous run\n"


def test_skip_bad_rows_reports_them_and_classifies_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_with_bad_rows(tmp_path / "in.csv")
    status, out, err = run(
        capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"), "--skip-bad-rows", "--summary"
    )
    assert status == 0
    assert [row["pathway_id"] for row in read_csv(tmp_path / "out.csv")] == ["P1", "P2"]
    assert json.loads(out)["rows"] == 2
    assert err.count("bad row: line") == 11
    assert "skipped 11 bad row(s)" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the input is empty: expected a header row"),
        (
            "pathway_id,problem_descriptor,phq9_first\nP1,F32,3\n",
            "line 1 (header): missing column(s) phq9_last, gad7_first",
        ),
        (HEADER + ",phq9_first\n", "line 1 (header): column(s) phq9_first appear twice"),
    ],
)
def test_a_file_without_the_required_header_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(content)
    status, _, err = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"))
    assert status == 2
    assert message in err
    assert not (tmp_path / "out.csv").exists()


def test_extra_columns_and_a_byte_order_mark_are_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\ufeffsite," + HEADER + "\nNorth,P1,F32,15,5,12,2,,,\n\n", encoding="utf-8")
    status, _, _ = run(capsys, "classify", str(source), "-o", str(tmp_path / "out.csv"))
    rows = read_csv(tmp_path / "out.csv")
    assert status == 0
    assert (rows[0]["site"], rows[0]["recovered"]) == ("North", "true")
    assert len(rows) == 1


def test_a_missing_input_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "classify", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "out.csv"))
    assert status == 2
    assert "nope.csv" in err


def test_classify_reads_stdin_and_writes_stdout_with_the_summary_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(HEADER + "\nP1,F32,15,5,12,2,,,\n"))
    status, out, err = run(capsys, "classify", "-", "-o", "-", "--summary")
    assert status == 0
    assert out.splitlines()[1] == "P1,F32,15,5,12,2,,,,GAD-7,true,true,true,true,false,true,false"
    assert json.loads(err)["recovered"] == 1


def test_the_command_runs_as_a_separate_process(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", GOOD_ROWS)
    command = [
        sys.executable,
        "-m",
        "stepcare.measures.cli",
        "classify",
        str(source),
        "-o",
        str(tmp_path / "out.csv"),
        "--summary",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["paired"] == 4
    assert len(read_csv(tmp_path / "out.csv")) == 5
    scored = subprocess.run(
        [sys.executable, "-m", "stepcare.measures.cli", "score", "PHQ-9", "9", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert scored.returncode == 2
    assert "PHQ-9: expected 9 answers" in scored.stderr
