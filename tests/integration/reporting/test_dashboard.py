"""The KPI dashboard for service managers: each figure with numerator, denominator and target,
the referrals behind a figure (paged, one audit event naming the patients shown), filters and
a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stepcare.accounts import permissions
from stepcare.accounts.permissions import Permission, Role
from stepcare.audit.models import AuditEvent
from stepcare.referrals.models import Referral
from tests.factories.referrals import ReferralFactory

URL = reverse("reporting:dashboard")
DRILL = reverse("reporting:referrals")
MANAGER = Role.SERVICE_MANAGER
PERIOD = {"period": "dates", "from": "01/04/2026", "to": "31/10/2026"}


def _finished(team, *, recovered: bool, at_caseness: bool = True, wait: int = 20) -> Referral:
    received = dt.date(2026, 4, 1)
    first = received + dt.timedelta(days=wait)
    return ReferralFactory(
        team=team,
        received_on=received,
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=dt.date(2026, 9, 1),
        first_treatment_date=first,
        second_treatment_date=first + dt.timedelta(days=7),
        last_treatment_date=first + dt.timedelta(days=14),
        treatment_contact_count=3,
        outcome_paired=True,
        outcome_anxiety_measure="GAD-7",
        outcome_at_caseness=at_caseness,
        outcome_recovered=recovered,
    )


def _figure(response, key):
    return next(f for f in response.context["figures"] if f.key == key)


def test_the_manager_sees_each_rate_with_its_numerator_denominator_and_target(service, client_for) -> None:
    _finished(service.team, recovered=True)
    _finished(service.team, recovered=False)
    _finished(service.team, recovered=False, at_caseness=False)
    _finished(service.other_team, recovered=True)  # the manager's service, not their team

    response = client_for(MANAGER).get(URL, PERIOD)
    assert response.status_code == 200
    recovery = _figure(response, "recovered")
    assert (recovery.numerator, recovery.denominator, recovery.rate_text) == (1, 2, "50.0%")
    assert recovery.target == 0.50 and recovery.meets_target
    assert "finished courses minus those not at caseness" in response.content.decode()
    assert _figure(response, "reliably_improved").target == 0.67
    assert _figure(response, "first_treatment_within_6_weeks").target == 0.75


def test_targets_come_from_configuration(service, client_for, settings) -> None:
    settings.STEPCARE_KPI_TARGETS = {"recovery": 0.55}
    _finished(service.team, recovered=True)
    _finished(service.team, recovered=False)
    response = client_for(MANAGER).get(URL, PERIOD)
    assert _figure(response, "recovered").target == 0.55 and not _figure(response, "recovered").meets_target


def test_bad_dates_are_a_message_on_the_page_not_an_error(service, client_for) -> None:
    response = client_for(MANAGER).get(URL, {"period": "dates", "from": "31/02/2026", "to": "x"})
    assert response.status_code == 200
    assert "Enter both dates as day/month/year" in response.content.decode()
    assert 'value="31/02/2026"' in response.content.decode()


def test_the_dashboard_query_count_does_not_grow_with_the_data(service, client_for) -> None:
    client = client_for(MANAGER)
    client.get(URL, PERIOD)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {**PERIOD, "descriptor": "F32", "step": "3"})
    for _ in range(6):
        _finished(service.team, recovered=True)
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {**PERIOD, "descriptor": "F32", "step": "3"})
    assert len(few) == len(many)


def test_the_referrals_behind_a_figure_are_paged_and_audited_as_one_event(service, client_for) -> None:
    shown = [_finished(service.team, recovered=True) for _ in range(3)]
    _finished(service.team, recovered=False)
    hidden = _finished(service.other_team, recovered=True)

    response = client_for(MANAGER).get(DRILL, {**PERIOD, "figure": "recovered"})
    assert response.status_code == 200
    page = response.content.decode()
    for referral in shown:
        assert referral.reference in page
    assert hidden.reference not in page
    event = AuditEvent.objects.filter(detail__page="reporting:referrals").get()
    assert sorted(event.detail["patients"]) == sorted(r.patient_id for r in shown)


def test_a_manager_who_may_not_see_patients_sees_the_count_only(service, client_for, monkeypatch) -> None:
    _finished(service.team, recovered=True)
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        MANAGER,
        permissions.ROLE_PERMISSIONS[MANAGER] - {Permission.VIEW_PATIENT},
    )
    response = client_for(MANAGER).get(DRILL, {**PERIOD, "figure": "recovered"})
    assert response.status_code == 200 and response.context["total"] == 1
    assert 'data-testid="counts-only"' in response.content.decode()
    assert AuditEvent.objects.filter(detail__page="reporting:referrals").get().detail["patients"] == []


def test_an_unknown_figure_is_refused_with_a_message(service, client_for) -> None:
    response = client_for(MANAGER).get(DRILL, {**PERIOD, "figure": "nonsense"})
    assert response.status_code == 400 and "Choose a figure" in response.content.decode()


def test_the_header_links_reports_for_managers_only(service, client_for) -> None:
    assert URL in client_for(MANAGER).get(URL).content.decode()
    home = client_for(Role.HIGH_INTENSITY_THERAPIST).get(reverse("home"), follow=True)
    assert f'href="{URL}"' not in home.content.decode()


def test_the_monthly_trend_is_an_svg_with_the_same_values_in_a_table(service, client_for) -> None:
    september = _finished(service.team, recovered=True)
    october = _finished(service.team, recovered=False)
    Referral.objects.filter(pk=october.pk).update(discharge_date=dt.date(2026, 10, 5))
    assert september.discharge_date == dt.date(2026, 9, 1)

    response = client_for(MANAGER).get(URL, PERIOD)
    page = response.content.decode()
    rows = response.context["trend"]
    assert [(r.month.month, r.finished, r.recovered) for r in rows] == [(9, 1, 1), (10, 1, 0)]
    assert (
        'class="trend-recovery" cx=' in page
        and 'data-value="1.0000"' in page
        and 'data-value="0.0000"' in page
    )
    assert 'data-testid="target-line"' in page
    assert "September 2026" in page and "100.0%" in page


def test_the_referrals_behind_a_figure_are_listed_by_the_date_that_counts_them(
    service, client_for, django_assert_num_queries
) -> None:
    """Entered treatment: by the first treatment date; a figure of ended referrals: by the
    discharge date; received: by the date received; the page says which. The count is read once
    when every referral counted may be listed."""

    def in_treatment(received: dt.date, first: dt.date) -> Referral:
        return ReferralFactory(
            team=service.team,
            received_on=received,
            status=Referral.Status.IN_TREATMENT,
            first_treatment_date=first,
            treatment_contact_count=1,
        )

    later_received = in_treatment(dt.date(2026, 5, 1), dt.date(2026, 5, 10))
    earlier_received = in_treatment(dt.date(2026, 4, 2), dt.date(2026, 7, 1))
    client = client_for(MANAGER)
    client.get(DRILL, {**PERIOD, "figure": "entered_treatment"})
    with django_assert_num_queries(9), CaptureQueriesContext(connection) as queries:
        response = client.get(DRILL, {**PERIOD, "figure": "entered_treatment"})
    assert sum("COUNT(" in q["sql"] for q in queries.captured_queries) == 1  # counted once
    assert list(response.context["page"].object_list) == [later_received, earlier_received]
    assert "Listed in the order they entered treatment." in response.content.decode()
    received = client.get(DRILL, {**PERIOD, "figure": "referrals_received"})
    assert list(received.context["page"].object_list) == [earlier_received, later_received]
    assert "Listed in the order they were received." in received.content.decode()
    first_ended, last_ended = (
        ReferralFactory(
            team=service.team,
            received_on=dt.date(2026, 4, 1),
            status=Referral.Status.ENDED,
            end_code="50",
            discharge_date=day,
        )
        for day in (dt.date(2026, 9, 20), dt.date(2026, 6, 1))
    )
    ended = client.get(DRILL, {**PERIOD, "figure": "ended"})
    assert list(ended.context["page"].object_list) == [last_ended, first_ended]
    assert "Listed in the order they ended." in ended.content.decode()
