"""``stepcare export dataset``: a good run, refused arguments, a crash leaving nothing behind,
and ``--validate-only``'s output and exit codes. ``export fhir`` is in tests/integration/api."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stepcare.audit.models import AuditEvent, AuditEventPatient
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory
from tests.integration.exports.helpers import read


@pytest.fixture
def referrals(service):
    clean = PatientFactory(team=service.team, ethnic_category="A")
    return [
        ReferralFactory(team=service.team, patient=clean, received_on=dt.date(2026, 10, 5)),
        ReferralFactory(team=service.other_team, received_on=dt.date(2026, 10, 6)),  # ethnicity not known
    ]


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export", "dataset", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_run_writes_every_table_with_a_progress_bar_and_an_audit_event(referrals, tmp_path) -> None:
    target = tmp_path / "october"
    out, err = _run("--from", "2026-10-01", "--to", "2026-10-31", "--out", str(target))
    assert sorted(p.name for p in target.iterdir()) == [
        f"IDS{n}.csv" for n in ("001", "101", "105", "108", "201", "202", "603", "606", "607", "902")
    ]
    assert {r["PathwayID"] for r in read(target, "IDS101")} == {r.reference for r in referrals}
    assert "IDS101 2" in out and "100%" in err and "[" in err
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, detail__format="dataset")
    assert event.username.startswith("cli:")
    assert set(AuditEventPatient.objects.filter(event=event).values_list("patient_id", flat=True)) == {
        r.patient_id for r in referrals
    }
    assert list(tmp_path.iterdir()) == [target]  # no partial folder left beside it


def test_one_team_only(referrals, tmp_path, service) -> None:
    _run(
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--out",
        str(tmp_path / "t"),
        "--team",
        str(service.team.pk),
    )
    assert [r["PathwayID"] for r in read(tmp_path / "t", "IDS101")] == [referrals[0].reference]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-10-31", "--to", "2026-10-01", "--out", "x"), "before it starts"),
        (("--from", "01/10/2026", "--to", "2026-10-31", "--out", "x"), "YYYY-MM-DD"),
        (("--from", "2026-02-30", "--to", "2026-10-31", "--out", "x"), "YYYY-MM-DD"),
        (("--to", "2026-10-31", "--out", "x"), "--from and --to"),
        (("--from", "2026-10-01", "--to", "2026-10-31"), "--out"),
        (("--from", "2026-10-01", "--to", "2026-10-31", "--out", "x", "--team", "999999"), "No team"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(db, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_an_existing_folder_with_files_is_not_overwritten(db, tmp_path) -> None:
    (tmp_path / "old.csv").write_text("keep me")
    with pytest.raises(CommandError, match="not an empty folder"):
        _run("--from", "2026-10-01", "--to", "2026-10-31", "--out", str(tmp_path))
    assert (tmp_path / "old.csv").read_text() == "keep me"


def test_a_crash_leaves_no_half_written_export(referrals, tmp_path, monkeypatch) -> None:
    from stepcare.exports import dataset

    real = dataset.write_dataset

    def crash(period, folder, **kwargs):
        real(period, folder, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(dataset, "write_dataset", crash)
    with pytest.raises(RuntimeError):
        _run(
            "--from", "2026-10-01", "--to", "2026-10-31", "--out", str(tmp_path / "october"), "--no-progress"
        )
    assert list(tmp_path.iterdir()) == []


def test_validate_only_prints_the_findings_and_exits_1_on_errors(referrals) -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(
            "export", "dataset", "--from", "2026-10-01", "--to", "2026-10-31", "--validate-only", stdout=out
        )
    assert exited.value.code == 1
    text = out.getvalue()
    assert "ERROR: Ethnic category not recorded" in text and referrals[1].reference in text
    assert f"/patients/{referrals[1].patient_id}/edit/" in text


def test_validate_only_exits_0_when_clean(referrals, service) -> None:
    out, _ = _run(
        "--from", "2026-10-01", "--to", "2026-10-31", "--validate-only", "--team", str(service.team.pk)
    )
    assert out.strip().endswith("0 errors, 0 warnings")


def test_the_command_line_exit_status_is_non_zero_for_a_bad_period() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stepcare.cli", "export", "dataset",
         "--from", "2026-10-31", "--to", "2026-10-01", "--out", "nowhere"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and "before it starts" in done.stderr
