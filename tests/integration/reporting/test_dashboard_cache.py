"""The KPI dashboard's figures are kept a few minutes for the same teams, period, filters and
day, and the page says when they were counted (hazard H56); the referrals behind a figure are
always counted afresh. The query count of a view is pinned."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.reporting import selectors
from tests.factories.accounts import MembershipFactory, TeamFactory, UserFactory
from tests.integration.reporting.test_dashboard import PERIOD, _figure, _finished

URL = reverse("reporting:dashboard")
DRILL = reverse("reporting:referrals")
MANAGER = Role.SERVICE_MANAGER
LONDON = zoneinfo.ZoneInfo("Europe/London")
NOON = dt.datetime(2026, 11, 2, 12, 0, tzinfo=LONDON)


@pytest.fixture
def cached(settings) -> None:
    settings.REPORTING_DASHBOARD_CACHE_SECONDS = 300


def test_figures_are_kept_five_minutes_and_the_page_says_when_they_were_counted(
    service, client_for, cached
) -> None:
    client = client_for(MANAGER)
    _finished(service.team, recovered=True)
    with time_machine.travel(NOON, tick=False):
        first = client.get(URL, PERIOD)
        assert _figure(first, "finished_course").numerator == 1
        assert "Figures counted at 12:00 on 2 November 2026" in first.content.decode()
        _finished(service.team, recovered=False)
        assert _figure(client.get(URL, PERIOD), "finished_course").numerator == 1  # kept
        # The referrals behind the figure are counted afresh.
        assert client.get(DRILL, {**PERIOD, "figure": "finished_course"}).context["total"] == 2
    with time_machine.travel(NOON + dt.timedelta(minutes=6), tick=False):
        again = client.get(URL, PERIOD)
    assert _figure(again, "finished_course").numerator == 2
    assert "Figures counted at 12:06" in again.content.decode()


def test_other_filters_and_another_day_are_counted_afresh(service, client_for, cached) -> None:
    client = client_for(MANAGER)
    _finished(service.team, recovered=True)
    with time_machine.travel(NOON, tick=False):
        client.get(URL, PERIOD)
        _finished(service.team, recovered=True)
        assert _figure(client.get(URL, {**PERIOD, "to": "30/11/2026"}), "finished_course").numerator == 2
        assert _figure(client.get(URL, {**PERIOD, "team": service.team.pk}), "finished_course").numerator == 2
    with time_machine.travel(dt.datetime(2026, 11, 3, 0, 1, tzinfo=LONDON), tick=False):
        assert _figure(client.get(URL, PERIOD), "finished_course").numerator == 2


def test_a_manager_of_other_teams_never_sees_figures_kept_for_another(service, client_for, cached) -> None:
    _finished(service.team, recovered=True)
    elsewhere = TeamFactory(name="Elsewhere team", service=service.team.service)
    theirs = UserFactory(username="elsewhere.manager")
    MembershipFactory(user=theirs, team=elsewhere, role=MANAGER)
    from tests.conftest import sign_in

    with time_machine.travel(NOON, tick=False):
        assert _figure(client_for(MANAGER).get(URL, PERIOD), "finished_course").numerator == 1
        from django.test import Client

        other = sign_in(Client(), theirs).get(URL, PERIOD)
    assert _figure(other, "finished_course").numerator == 0


def test_the_key_names_the_teams_the_scope_and_the_day() -> None:
    day = dt.date(2026, 11, 2)
    key = selectors.dashboard_cache_key({1, 2}, {"step": ""}, day)
    assert key == selectors.dashboard_cache_key([2, 1], {"step": ""}, day)
    assert key != selectors.dashboard_cache_key({1}, {"step": ""}, day)
    assert key != selectors.dashboard_cache_key({1, 2}, {"step": "3"}, day)
    assert key != selectors.dashboard_cache_key({1, 2}, {"step": ""}, day + dt.timedelta(days=1))


def test_the_dashboard_query_count_is_pinned(
    service, client_for, django_assert_num_queries, settings
) -> None:
    client = client_for(MANAGER)
    _finished(service.team, recovered=True)
    client.get(URL, PERIOD)
    # the session and user; the report teams; the referral counts, attendances (with the DNA
    # rate), trend, endings, sessions per course and the waiting list; the KPI targets
    with django_assert_num_queries(11):
        client.get(URL, PERIOD)
    settings.REPORTING_DASHBOARD_CACHE_SECONDS = 300
    client.get(URL, PERIOD)
    with django_assert_num_queries(5):  # the figures from the cache
        client.get(URL, PERIOD)


def test_the_dashboard_counts_what_the_separate_selectors_count(service) -> None:
    """The dashboard reads attendances once for the attendance table and the DNA rate; the
    figures equal ``kpis_for`` and ``attendance`` (which the API, downloads and export use)."""
    from tests.integration.reporting.test_dashboard_tables import FROM, TO, _appointment
    from tests.integration.reporting.test_dashboard_tables import _finished as finished_with

    by = service.staff[Role.PWP]
    referral = finished_with(service.team, 12, "F32")
    finished_with(service.team, 3, "F43.1")
    for day, code in ((4, "5"), (11, "6"), (18, "3"), (19, "7"), (25, "2"), (26, "4")):
        _appointment(referral, dt.datetime(2026, 5, day, 10, tzinfo=LONDON), code, by)
    cancelled = referral.appointment_rows.get(attendance="7").appointment  # missed, then cancelled
    type(cancelled).objects.filter(pk=cancelled.pk).update(
        status="cancelled",
        cancelled_by="4",
        cancellation_reason="Clinician ill",
        cancelled_at=cancelled.starts_at,
    )
    scope = lambda: selectors.scoped_referrals(team=service.team)  # noqa: E731
    data = selectors.compute_dashboard(FROM, TO, scope, modality="", today=dt.date(2026, 11, 2))
    assert data.result == selectors.kpis_for(FROM, TO, scope())
    assert data.attendance == selectors.attendance(FROM, TO, scope())
    assert data.result["dna"] == 1 and data.attendance.dna == 2  # the DNA rate: booked only


def test_the_equity_table_is_kept_as_the_figures_are_and_says_when_it_was_counted(
    service, client_for, cached
) -> None:
    """A year of a large service's finished courses grouped by a characteristic took about 70 ms
    to count at the large demo: the table is kept a few minutes for the same teams, period,
    filters and characteristic, and the page says when it was counted."""
    equity_url = reverse("reporting:equity")
    client = client_for(MANAGER)
    _finished(service.team, recovered=True)

    def finished(response) -> int:
        return sum(group.cells["finished"].value for group in response.context["groups"])

    with time_machine.travel(NOON, tick=False):
        first = client.get(equity_url, PERIOD)
        assert finished(first) == 1 and "Counted at 12:00 on 2 November 2026" in first.content.decode()
        _finished(service.team, recovered=False)
        assert finished(client.get(equity_url, PERIOD)) == 1  # kept
        assert finished(client.get(equity_url, {**PERIOD, "by": "gender"})) == 2  # another table
        assert _figure(client.get(URL, PERIOD), "finished_course").numerator == 2
    with time_machine.travel(NOON + dt.timedelta(minutes=6), tick=False):
        assert finished(client.get(equity_url, PERIOD)) == 2
