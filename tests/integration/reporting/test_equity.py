"""Outcomes and waits by group, with small numbers suppressed (primary and secondary)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral
from stepcare.reporting.equity import Cell, Group, equity, suppress
from stepcare.reporting.selectors import scoped_referrals
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

FROM, TO = dt.date(2026, 4, 1), dt.date(2026, 10, 31)


def _finished(team, *, recovered: bool = True, **patient) -> Referral:
    received = dt.date(2026, 4, 1)
    first = received + dt.timedelta(days=20)
    return ReferralFactory(
        team=team,
        patient=PatientFactory(team=team, **patient),
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


def _column(groups, name):
    return {g.label: g.cells[name].text for g in groups}


def test_a_small_count_is_hidden_and_so_is_the_next_smallest_in_its_column() -> None:
    groups = [
        Group(
            label,
            {
                c: Cell(v)
                for c in (
                    "finished",
                    "not_at_caseness",
                    "recovered",
                    "reliably_improved",
                    "within_6_weeks",
                    "within_18_weeks",
                )
            },
        )
        for label, v in (("A", 6), ("B", 9), ("C", 2), ("D", 0))
    ]
    suppress(groups, 5)
    assert _column(groups, "finished") == {"A": "*", "B": "9", "C": "*", "D": "0"}


def test_two_small_counts_in_a_column_need_no_secondary_suppression() -> None:
    groups = [
        Group(
            label,
            {
                c: Cell(v)
                for c in (
                    "finished",
                    "not_at_caseness",
                    "recovered",
                    "reliably_improved",
                    "within_6_weeks",
                    "within_18_weeks",
                )
            },
        )
        for label, v in (("A", 6), ("B", 3), ("C", 2))
    ]
    suppress(groups, 5)
    assert _column(groups, "finished") == {"A": "6", "B": "*", "C": "*"}


def test_outcomes_by_ethnic_category_are_suppressed_under_the_threshold(service) -> None:
    for _ in range(6):
        _finished(service.team, ethnic_category="A")
    for _ in range(7):
        _finished(service.team, ethnic_category="B", recovered=False)
    for _ in range(2):
        _finished(service.team, ethnic_category="C")
    groups = equity(FROM, TO, scoped_referrals(team=service.team), "ethnic_category")
    finished = {g.label: g.cells["finished"] for g in groups}
    assert sorted(c.value for c in finished.values()) == [2, 6, 7]
    assert sorted(c.text for c in finished.values()) == ["*", "*", "7"]
    small = next(g for g in groups if g.cells["finished"].value == 2)
    assert small.recovery_rate == "*"
    b = next(g for g in groups if g.cells["finished"].value == 7)
    assert b.recovery_rate == "0.0%" and b.cells["recovered"].text == "0"


def test_age_bands_are_at_the_end_of_the_period(service) -> None:
    for _ in range(5):
        _finished(
            service.team, date_of_birth=dt.date(1996, 11, 1)
        )  # 29 on 31/10/2026 (birthday the day after)
    for _ in range(5):
        _finished(service.team, date_of_birth=dt.date(1991, 10, 31))  # 35 that day
    groups = equity(FROM, TO, scoped_referrals(team=service.team), "age_band")
    assert {g.label: g.cells["finished"].value for g in groups} == {"25 to 34": 5, "35 to 44": 5}


def test_the_equity_page_shows_counts_only_with_a_fixed_query_count(service, client_for) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    period = {"period": "dates", "from": "01/04/2026", "to": "31/10/2026", "by": "interpreter"}
    client.get(reverse("reporting:equity"), period)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("reporting:equity"), period)
    for _ in range(6):
        _finished(service.team, family_name="Quillfeather")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("reporting:equity"), period)
    assert response.status_code == 200 and len(few) == len(many)
    page = response.content.decode()
    assert "No interpreter needed" in page and "Quillfeather" not in page
