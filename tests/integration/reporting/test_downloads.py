"""CSV downloads of every reporting table: the same figures as on the page (suppression
included), streamed, formula-injection safe, with the page's access; the referrals behind a
figure only for users who may see those patients, with one audit event naming them."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io

from django.urls import reverse

from stepcare.accounts import permissions
from stepcare.accounts.permissions import Permission, Role
from stepcare.audit.models import AuditEvent, AuditEventPatient
from stepcare.referrals.models import Referral
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

MANAGER = Role.SERVICE_MANAGER
PERIOD = {"period": "dates", "from": "01/04/2026", "to": "31/10/2026"}


def _finished(team, *, recovered: bool = True, ethnic_category: str = "A", **patient) -> Referral:
    received = dt.date(2026, 4, 1)
    first = received + dt.timedelta(days=20)
    return ReferralFactory(
        team=team,
        patient=PatientFactory(team=team, ethnic_category=ethnic_category, **patient),
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


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_figures_csv_has_the_figures_on_the_page(service, client_for) -> None:
    for recovered in (True, True, False):
        _finished(service.team, recovered=recovered)
    client = client_for(MANAGER)
    page = client.get(reverse("reporting:dashboard"), PERIOD)
    assert "Download the figures (CSV)" in page.content.decode()
    rows = _csv(client.get(reverse("reporting:figures_csv"), PERIOD))
    assert rows[0] == ["Measure", "Count", "Out of", "Denominator", "Rate", "Target", "Target met"]
    by_label = {r[0]: r for r in rows[1:]}
    for figure in page.context["figures"]:
        row = by_label[figure.label]
        assert row[1] == str(figure.numerator)
        if figure.denominator is not None:
            assert (row[2], row[4]) == (str(figure.denominator), figure.rate_text)
    assert by_label["Recovered"][1:] == [
        "2", "3", "finished courses minus those not at caseness", "66.7%", "50.0%", "met"
    ]  # fmt: skip


def test_the_trend_and_ending_reason_csvs_have_the_tables_on_the_page(service, client_for) -> None:
    _finished(service.team)
    october = _finished(service.team, recovered=False)
    Referral.objects.filter(pk=october.pk).update(discharge_date=dt.date(2026, 10, 5), end_code="47")
    client = client_for(MANAGER)
    page = client.get(reverse("reporting:dashboard"), PERIOD).content.decode()
    assert "Download recovery by month (CSV)" in page and "Download ending reasons (CSV)" in page
    trend = _csv(client.get(reverse("reporting:trend_csv"), PERIOD))
    assert trend[1:] == [
        ["September 2026", "1", "0", "1", "100.0%", "0", "0.0%"],
        ["October 2026", "1", "0", "0", "0.0%", "0", "0.0%"],
    ]
    endings = _csv(client.get(reverse("reporting:endings_csv"), PERIOD))
    assert endings[0] == ["Ending reason", "Referrals ended"]
    assert sorted(endings[1:]) == sorted(
        [
            ["46 – Mutually agreed completion of treatment", "1"],
            ["47 – Ended earlier than the care professional planned (dropped out)", "1"],
        ]
    )
    assert "47 – Ended earlier than the care professional planned (dropped out)" in page


def test_the_equity_csv_is_suppressed_exactly_as_the_page(service, client_for) -> None:
    for _ in range(6):
        _finished(service.team, ethnic_category="A")
    for _ in range(7):
        _finished(service.team, ethnic_category="B", recovered=False)
    for _ in range(2):
        _finished(service.team, ethnic_category="C")
    client = client_for(MANAGER)
    query = {**PERIOD, "by": "ethnic_category"}
    page = client.get(reverse("reporting:equity"), query)
    assert "Download outcomes by ethnic category (CSV)" in page.content.decode()
    rows = _csv(client.get(reverse("reporting:equity_csv"), query))
    assert rows[0][0] == "Ethnic category" and rows[0][1] == "Finished"
    on_page = {
        g.label: [g.cells["finished"].text, g.cells["recovered"].text, g.recovery_rate]
        for g in page.context["groups"]
    }
    in_csv = {r[0]: [r[1], r[3], r[4]] for r in rows[1:]}
    assert in_csv == on_page
    assert sorted(r[1] for r in rows[1:]) == ["*", "*", "7"]
    assert not any(r[1] in {"2", "6"} for r in rows[1:])


def test_the_referrals_behind_a_figure_download_for_a_viewer_with_one_export_event(
    service, client_for
) -> None:
    mine = [_finished(service.team) for _ in range(3)]
    _finished(service.team, recovered=False)
    other_team = _finished(service.other_team)
    formula = _finished(service.team, family_name='=HYPERLINK("http://x")')
    client = client_for(MANAGER)
    query = {**PERIOD, "figure": "recovered"}
    page = client.get(reverse("reporting:referrals"), query).content.decode()
    assert "Download all 4 referrals: recovered (CSV)" in page
    rows = _csv(client.get(reverse("reporting:referrals_csv"), query))
    assert rows[0][:3] == ["Referral", "Patient", "NHS number"]
    references = {r[0] for r in rows[1:]}
    assert references == {r.reference for r in [*mine, formula]} and other_team.reference not in references
    # A name a spreadsheet would run as a formula is written as text.
    assert next(r[1] for r in rows[1:] if r[0] == formula.reference).startswith("'=HYPERLINK")
    event = AuditEvent.objects.get(detail__page="reporting:referrals_csv")
    assert event.action == AuditEvent.Action.EXPORT and event.detail["referrals_exported"] == 4
    named = set(AuditEventPatient.objects.filter(event=event).values_list("patient_id", flat=True))
    assert named == {r.patient_id for r in [*mine, formula]}


def test_a_manager_who_may_not_see_patients_cannot_download_the_list(
    service, client_for, monkeypatch
) -> None:
    _finished(service.team)
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        MANAGER,
        permissions.ROLE_PERMISSIONS[MANAGER] - {Permission.VIEW_PATIENT},
    )
    client = client_for(MANAGER)
    page = client.get(reverse("reporting:referrals"), {**PERIOD, "figure": "recovered"}).content.decode()
    assert "(CSV)" not in page
    response = client.get(reverse("reporting:referrals_csv"), {**PERIOD, "figure": "recovered"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(detail__page="reporting:referrals_csv").exists()
    # The counts stay downloadable: they name no one.
    assert _csv(client.get(reverse("reporting:figures_csv"), PERIOD))[1][0] == "Referrals received"


def test_clinicians_cannot_download_reports(service, client_for) -> None:
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    for name in ("figures_csv", "trend_csv", "endings_csv", "equity_csv", "referrals_csv"):
        assert client.get(reverse(f"reporting:{name}"), {**PERIOD, "figure": "recovered"}).status_code == 403


def test_an_unknown_figure_or_characteristic_is_handled(service, client_for) -> None:
    client = client_for(MANAGER)
    assert client.get(reverse("reporting:referrals_csv"), {**PERIOD, "figure": "nope"}).status_code == 400
    rows = _csv(client.get(reverse("reporting:equity_csv"), {**PERIOD, "by": "nope"}))
    assert rows[0][0] == "Ethnic category"


def test_the_downloads_cost_a_fixed_number_of_queries(service, client_for, django_assert_num_queries) -> None:
    client = client_for(MANAGER)
    query = {**PERIOD, "figure": "recovered"}
    _finished(service.team)
    _csv(client.get(reverse("reporting:referrals_csv"), query))
    for _ in range(8):
        _finished(service.team)
    # Sign-in checks (5), the referrals' keys, the audit event and its patient rows, then the
    # referrals a chunk of 2,000 at a time (no session save): the same up to 2,000 referrals,
    # one query more for each 2,000 after (a year's download holds a chunk in memory, not the
    # year: 212 MB to 27 MB at the large demo). The equity CSV: sign-in checks and
    # ONE grouped query.
    with django_assert_num_queries(PINNED_REFERRALS_CSV):
        assert len(_csv(client.get(reverse("reporting:referrals_csv"), query))) == 10
    with django_assert_num_queries(PINNED_EQUITY_CSV):
        _csv(client.get(reverse("reporting:equity_csv"), {**PERIOD, "by": "deprivation"}))


PINNED_REFERRALS_CSV = 9
PINNED_EQUITY_CSV = 6


def test_the_referrals_behind_a_figure_are_streamed_a_chunk_at_a_time_all_in_order_all_audited(
    service, client_for, monkeypatch
) -> None:
    # The module, not the package's function of the same name.
    figures = importlib.import_module("stepcare.reporting.selectors.figures")
    monkeypatch.setattr(figures, "DOWNLOAD_CHUNK", 3)
    finished = [_finished(service.team) for _ in range(7)]
    response = client_for(MANAGER).get(reverse("reporting:referrals_csv"), {**PERIOD, "figure": "recovered"})
    rows = _csv(response)[1:]
    wanted = sorted(finished, key=lambda r: (r.discharge_date, r.pk))
    assert [row[0] for row in rows] == [r.reference for r in wanted]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    named = {event.patient_id} | set(event.shown.values_list("patient_id", flat=True))
    assert named - {None} == {r.patient_id for r in finished}
    assert event.detail["referrals_exported"] == 7
