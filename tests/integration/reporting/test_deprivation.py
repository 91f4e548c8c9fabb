"""The postcode deprivation lookup: loading it (all or nothing, every bad row by line,
--skip-bad-rows), matching normalised postcodes, and outcomes by IMD decile with small numbers
suppressed, in one grouped query."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.demo.deprivation import DEPRIVATION_FILE
from stepcare.referrals.models import Referral
from stepcare.reporting.deprivation import normalise_postcode, parse_deprivation_csv
from stepcare.reporting.equity import equity
from stepcare.reporting.models import PostcodeDeprivation
from stepcare.reporting.selectors import scoped_referrals
from tests.demo_clock import at_half_past_eight
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

FROM, TO = dt.date(2026, 4, 1), dt.date(2026, 10, 31)
GOOD = "postcode,lsoa_code,imd_decile\nNB1 1AA,E01990001,1\nnb22bb,E01990002,2\n NB9 9ZZ ,E01990009,10\n"


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "imd.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_deprivation", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _finished(team, postcode: str, *, recovered: bool = True) -> Referral:
    received = dt.date(2026, 4, 1)
    first = received + dt.timedelta(days=20)
    return ReferralFactory(
        team=team,
        patient=PatientFactory(team=team, postcode=postcode),
        received_on=received,
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=dt.date(2026, 9, 1),
        first_treatment_date=first,
        second_treatment_date=first + dt.timedelta(days=7),
        last_treatment_date=first + dt.timedelta(days=7),
        treatment_contact_count=2,
        outcome_paired=True,
        outcome_at_caseness=True,
        outcome_recovered=recovered,
    )


def test_postcodes_are_normalised_to_capitals_without_spaces() -> None:
    assert normalise_postcode(" ls1  4ap ") == "LS14AP"
    assert normalise_postcode("") == ""


def test_a_good_file_loads_and_a_second_load_updates_in_place(db, tmp_path) -> None:
    out, _err = _import(_file(tmp_path, GOOD))
    assert out.strip() == "3 postcodes added, 0 updated."
    assert dict(PostcodeDeprivation.objects.values_list("postcode", "imd_decile")) == {
        "NB11AA": 1,
        "NB22BB": 2,
        "NB99ZZ": 10,
    }
    out, _err = _import(_file(tmp_path, "postcode,lsoa_code,imd_decile\nNB1 1AA,E01990001,4\n"))
    assert out.strip() == "0 postcodes added, 1 updated."
    assert PostcodeDeprivation.objects.get(postcode="NB11AA").imd_decile == 4
    assert PostcodeDeprivation.objects.count() == 3
    assert AuditEvent.objects.filter(username="import-deprivation").count() == 2


def test_replace_removes_the_previous_lookup(db, tmp_path) -> None:
    _import(_file(tmp_path, GOOD))
    out, _err = _import(_file(tmp_path, "postcode,lsoa_code,imd_decile\nNB1 1AA,E01990001,4\n"), "--replace")
    assert out.strip() == "1 postcodes added, 0 updated, 3 from the previous lookup removed."
    assert list(PostcodeDeprivation.objects.values_list("postcode", flat=True)) == ["NB11AA"]


BAD = (
    "postcode,lsoa_code,imd_decile\n"
    "NB1 1AA,E01990001,1\n"
    "not a postcode,E01990002,2\n"
    "NB3 3CC,W01000001,3\n"
    "NB4 4DD,E01990004,11\n"
    "nb1 1aa,E01990001,1\n"
    "NB5 5EE,E01990005,five,extra\n"
    "NB6 6FF,E01990006,6\n"
)


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_line(db, tmp_path) -> None:
    with pytest.raises(CommandError, match=r"Nothing was imported: 5 row\(s\) need correcting"):
        call_command(
            "import_deprivation", _file(tmp_path, BAD), stdout=io.StringIO(), stderr=(err := io.StringIO())
        )
    lines = err.getvalue().splitlines()
    assert lines == [
        "Line 3: postcode 'not a postcode' is not a full UK postcode (for example LS1 4AP)",
        "Line 4: lsoa_code 'W01000001' is not an English LSOA code (E01 and six digits)",
        "Line 5: imd_decile '11' must be a whole number from 1 to 10",
        "Line 6: postcode nb1 1aa is already on line 2",
        "Line 7: the row has more cells than there are columns",
    ]
    assert not PostcodeDeprivation.objects.exists()


def test_skip_bad_rows_imports_the_good_rows_and_lists_the_bad(db, tmp_path) -> None:
    out, err = _import(_file(tmp_path, BAD), "--skip-bad-rows")
    assert out.strip() == "2 postcodes added, 0 updated. Left out 5 bad row(s)."
    assert "Line 3:" in err and "Line 7:" in err
    assert set(PostcodeDeprivation.objects.values_list("postcode", flat=True)) == {"NB11AA", "NB66FF"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"postcode,lsoa\nNB1 1AA,E01990001\n", "Missing: lsoa_code, imd_decile"),
        (b"postcode,lsoa_code,imd_decile\nNB1 1AA,E0199\xff,1\n", "not UTF-8"),
        (b"postcode,lsoa_code,imd_decile\n", "no postcodes"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(db, tmp_path, content, message) -> None:
    path = tmp_path / "imd.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        _import(str(path))
    assert not PostcodeDeprivation.objects.exists()


def test_a_missing_file_is_a_clear_message(db, tmp_path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        _import(str(tmp_path / "nowhere.csv"))


def test_the_shipped_demo_file_is_clean_and_covers_the_default_demo_postcodes(db) -> None:
    from stepcare.demo.deprivation import load_deprivation
    from stepcare.demo.generator import DemoBuilder
    from stepcare.patients.models import Patient

    parsed = parse_deprivation_csv(DEPRIVATION_FILE.read_bytes())
    assert not parsed.file_problem and not parsed.bad and len(parsed.good) > 500
    assert {r["imd_decile"] for r in parsed.good} == set(range(1, 11))
    builder = DemoBuilder(seed=2026, patients=600)
    with at_half_past_eight():
        builder.build_organisation()
        builder.build_staff()
        builder.build_patients()
        load_deprivation(builder)
    known = set(PostcodeDeprivation.objects.values_list("postcode", flat=True))
    postcodes = {normalise_postcode(p) for p in Patient.objects.values_list("postcode", flat=True)}
    assert postcodes and postcodes <= known


def test_outcomes_by_decile_match_normalised_postcodes_and_suppress_small_numbers(service, tmp_path) -> None:
    _import(_file(tmp_path, GOOD))
    for _ in range(6):
        _finished(service.team, "NB1 1AA")
    for _ in range(7):
        _finished(service.team, "nb2 2bb", recovered=False)  # written another way: still matched
    for _ in range(2):
        _finished(service.team, "NB9 9ZZ")
    for _ in range(5):
        _finished(service.team, "NB7 7XX")  # not in the lookup
    _finished(service.team, "")  # no postcode
    groups = equity(FROM, TO, scoped_referrals(team=service.team), "deprivation")
    finished = {g.label: g.cells["finished"] for g in groups}
    assert [g.label for g in groups] == ["1 (most deprived)", "2", "10 (least deprived)", "Not known"]
    assert {k: c.value for k, c in finished.items()} == {
        "1 (most deprived)": 6,
        "2": 7,
        "10 (least deprived)": 2,
        "Not known": 6,
    }
    # 2 is hidden, and the next smallest (6, twice: one of them) too, so 2 cannot be worked out.
    assert finished["10 (least deprived)"].text == "*"
    assert sorted(c.text for c in finished.values()) == ["*", "*", "6", "7"]
    decile_10 = next(g for g in groups if g.label == "10 (least deprived)")
    assert decile_10.recovery_rate == "*"


def test_the_equity_page_by_decile_has_a_pinned_query_count(
    service, client_for, tmp_path, django_assert_num_queries
) -> None:
    _import(_file(tmp_path, GOOD))
    client = client_for(Role.SERVICE_MANAGER)
    period = {"period": "dates", "from": "01/04/2026", "to": "31/10/2026", "by": "deprivation"}
    client.get(reverse("reporting:equity"), period)
    for postcode in ("NB1 1AA", "NB2 2BB", "NB7 7XX") * 6:
        _finished(service.team, postcode)
    # Session, user, OTP device, memberships, teams, ONE grouped query (the decile joined
    # through a subquery on the normalised postcode), no session save: the same for any number of
    # referrals or postcodes.
    with django_assert_num_queries(PINNED_EQUITY_QUERIES):
        response = client.get(reverse("reporting:equity"), period)
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 (most deprived)" in page and "Not known" in page
    assert "Download outcomes by deprivation decile (CSV)" in page


PINNED_EQUITY_QUERIES = 6


def test_outcomes_by_long_term_condition_and_language(service) -> None:
    for _ in range(5):
        ReferralFactory(
            team=service.team,
            patient=PatientFactory(team=service.team, long_term_conditions=["195967001"]),
            preferred_language="pl",
            status=Referral.Status.ENDED, end_code="46", received_on=FROM, discharge_date=dt.date(2026, 9, 1),
            first_treatment_date=dt.date(2026, 4, 20), treatment_contact_count=2,
        )  # fmt: skip
    for _ in range(6):
        _finished(service.team, "NB1 1AA")
    by_condition = equity(FROM, TO, scoped_referrals(team=service.team), "long_term_condition")
    assert {g.label: g.cells["finished"].value for g in by_condition} == {
        "At least one recorded": 5,
        "None recorded": 6,
    }
    by_language = equity(FROM, TO, scoped_referrals(team=service.team), "language")
    assert {g.label: g.cells["finished"].value for g in by_language} == {"English": 6, "Polish": 5}
