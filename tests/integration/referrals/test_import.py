"""CSV import: every row checked, all or nothing unless told otherwise, each bad row reported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from tests.factories.patients import PatientFactory, valid_nhs_number
from tests.factories.referrals import IntakeTeamFactory

pytestmark = pytest.mark.django_db

COLUMNS = (
    "given_name family_name date_of_birth nhs_number phone_mobile source received_on presenting_difficulties"
)
HEADER = ",".join(COLUMNS.split()) + "\n"
GOOD = [
    "Ada,Lovelace,10/12/1985,,07700 900001,gp,01/03/2025,Worry about work\n",
    "Alan,Turing,23/06/1982,,07700 900002,self,02/03/2025,Low mood\n",
]
BAD = [
    "Grace,,09/12/1986,,07700 900003,gp,03/03/2025,Panic attacks\n",  # no last name
    "Edsger,Dijkstra,not a date,,07700 900004,aliens,04/03/2025,\n",  # bad date and source
]


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def csv_file(tmp_path):
    def write(*rows: str):
        path = tmp_path / "referrals.csv"
        path.write_bytes(_csv(*rows))
        return path

    return write


def test_a_clean_file_imports_every_row(service, csv_file) -> None:
    IntakeTeamFactory(team=service.team)
    out = io.StringIO()
    call_command("import_referrals", str(csv_file(*GOOD)), stdout=out)
    assert Referral.objects.count() == 2 and "Imported 2 referral(s) into North team" in out.getvalue()
    assert set(Referral.objects.values_list("source", flat=True)) == {"gp", "self"}


def test_one_bad_row_means_nothing_is_imported_and_every_bad_row_is_reported(service, csv_file) -> None:
    IntakeTeamFactory(team=service.team)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 2 row"):
        call_command("import_referrals", str(csv_file(GOOD[0], BAD[0], GOOD[1], BAD[1])), stderr=err)
    report = err.getvalue()
    assert "Row 3: family_name: Enter a last name." in report
    assert "Row 5: date_of_birth: Enter the date of birth as day/month/year" in report
    assert "source: Select a valid choice. aliens" in report
    assert not Referral.objects.exists() and not Patient.objects.exists()


def test_skip_bad_rows_imports_the_good_and_lists_the_bad(service, csv_file) -> None:
    err, out = io.StringIO(), io.StringIO()
    call_command(
        "import_referrals",
        str(csv_file(GOOD[0], BAD[0], GOOD[1])),
        "--skip-bad-rows",
        "--team",
        "South team",
        stdout=out,
        stderr=err,
    )
    assert Referral.objects.filter(team=service.other_team).count() == 2
    assert "Row 3" in err.getvalue() and "Left out 1 bad row(s)" in out.getvalue()


def test_a_failure_while_saving_rolls_back_the_whole_import(service, csv_file, monkeypatch) -> None:
    from stepcare.referrals.actions import arrival as actions  # where import_referrals finds it

    real = actions.submit_referral
    calls = {"n": 0}

    def fail_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(actions, "submit_referral", fail_on_second)
    with pytest.raises(RuntimeError):
        call_command("import_referrals", str(csv_file(*GOOD)), "--team", "North team", stdout=io.StringIO())
    assert not Referral.objects.exists() and not Patient.objects.exists()


def test_a_file_without_the_required_columns_is_refused(service, tmp_path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("name,dob\nAda,10/12/1985\n")
    with pytest.raises(
        CommandError, match="Missing: given_name, family_name, date_of_birth, source, received_on"
    ):
        call_command("import_referrals", str(path), "--team", "North team")


def test_imported_rows_for_known_people_link_to_their_records(service, csv_file) -> None:
    known = PatientFactory(
        team=service.team,
        nhs_number=valid_nhs_number(77),
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(1985, 12, 10),
    )
    row = f"Ada,Lovelace,10/12/1985,{known.nhs_number},07700 900001,gp,01/03/2025,Worry\n"
    call_command("import_referrals", str(csv_file(row)), "--team", "North team", stdout=io.StringIO())
    assert Referral.objects.get().patient == known
    assert Patient.objects.count() == 1


def test_the_upload_page_refuses_a_file_with_bad_rows_and_shows_why(service, client_for) -> None:
    client = client_for(Role.ADMINISTRATOR)
    upload = SimpleUploadedFile("r.csv", _csv(GOOD[0], BAD[0]), content_type="text/csv")
    response = client.post(reverse("referrals:import"), {"team": service.team.pk, "file": upload})
    body = response.content.decode()
    assert "Nothing was imported" in body and "Row 3: family_name: Enter a last name." in body
    assert not Referral.objects.exists()
    upload = SimpleUploadedFile("r.csv", _csv(GOOD[0], BAD[0]), content_type="text/csv")
    response = client.post(
        reverse("referrals:import"), {"team": service.team.pk, "file": upload, "skip_bad_rows": "on"}
    )
    assert "1 referral imported" in response.content.decode()
    assert Referral.objects.count() == 1
