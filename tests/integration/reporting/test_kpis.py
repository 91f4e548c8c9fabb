"""The national KPIs for a small hand-built service where every figure is known: waits on the
boundary days, unpaired finished courses in the denominators, entered-in-error referrals left
out, period edges at Europe/London midnight across the clock change, and the command's JSON."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral
from stepcare.reporting.rates import rate
from stepcare.reporting.selectors import LONDON, ReportRefused, kpis, period_bounds
from stepcare.scheduling.models import Appointment, Attendee
from tests.factories.referrals import AllocationFactory, ReferralFactory

FROM, TO = dt.date(2026, 4, 1), dt.date(2026, 10, 31)
RECEIVED = dt.date(2026, 4, 1)
D = dt.timedelta


def finished(team, *, wait: int, gap: int, discharged=dt.date(2026, 10, 1), **outcome) -> Referral:
    """A finished course (two attended treatments): first treatment `wait` days after receipt,
    the second `gap` days after the first, with the given stored outcome flags."""
    first = RECEIVED + D(days=wait)
    return ReferralFactory(
        team=team,
        received_on=RECEIVED,
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=discharged,
        first_treatment_date=first,
        second_treatment_date=first + D(days=gap),
        last_treatment_date=first + D(days=gap),
        treatment_contact_count=2,
        **{("allocated_to" if k == "allocated_to" else f"outcome_{k}"): v for k, v in outcome.items()},
    )


@pytest.fixture
def known_service(service):
    team = service.team
    paired = {"paired": True, "anxiety_measure": "GAD-7"}
    # Waits on the boundary days; outcomes of each kind, one finished course without a pair.
    finished(
        team,
        wait=42,
        gap=28,
        **paired,
        at_caseness=True,
        recovered=True,
        reliable_improvement=True,
        reliable_recovery=True,
    )
    finished(team, wait=43, gap=29, **paired, at_caseness=False, no_reliable_change=True)
    finished(team, wait=126, gap=90)  # finished, no score pair: stays in both denominators
    finished(team, wait=127, gap=91, **paired, at_caseness=True, reliable_deterioration=True)
    # Ended before treatment and after one.
    ReferralFactory(
        team=team, received_on=RECEIVED, status="ended", end_code="50", discharge_date=dt.date(2026, 5, 1)
    )
    ReferralFactory(
        team=team,
        received_on=RECEIVED,
        status="ended",
        end_code="47",
        discharge_date=dt.date(2026, 6, 1),
        first_treatment_date=dt.date(2026, 5, 1),
        last_treatment_date=dt.date(2026, 5, 1),
        treatment_contact_count=1,
    )
    # Ended the day after the period; received before it; open and waiting.
    finished(team, wait=10, gap=7, discharged=TO + D(days=1), **paired, at_caseness=True, recovered=True)
    ReferralFactory(team=team, received_on=dt.date(2026, 3, 31))
    ReferralFactory(team=team, received_on=TO)
    # Entered in error: never counts, whatever it holds.
    entered_in_error = finished(team, wait=10, gap=7, **paired, at_caseness=True, recovered=True)
    Referral.objects.filter(pk=entered_in_error.pk).update(
        status="entered_in_error", error_reason="Duplicate."
    )
    # Another team's finished course.
    finished(service.other_team, wait=10, gap=7, **paired, at_caseness=True, recovered=True)
    return service


def test_every_figure_of_a_known_service_is_as_counted_by_hand(known_service) -> None:
    k = kpis(FROM, TO, team=known_service.team)
    # Received 01/04 (seven) and 31/10; not 31/03, not the one entered in error.
    assert k["referrals_received"] == 8
    assert k["ended"] == 6 and k["ended_before_treatment"] == 1 and k["ended_after_one_treatment"] == 1
    assert k["finished_course"] == 4
    assert (k["paired"], k["not_paired"], k["at_caseness"], k["not_at_caseness"]) == (3, 1, 2, 1)
    assert (k["recovered"], k["reliably_improved"], k["reliably_deteriorated"]) == (1, 1, 1)
    assert (k["reliably_recovered"], k["no_reliable_change"]) == (1, 1)
    # Recovery over finished minus not at caseness (4 - 1), the unpaired course included.
    assert k["recovery_rate"] == pytest.approx(1 / 3)
    assert k["reliable_recovery_rate"] == pytest.approx(1 / 3)
    # Improvement and deterioration over all finished.
    assert k["reliable_improvement_rate"] == k["reliable_deterioration_rate"] == pytest.approx(1 / 4)


def test_waits_count_day_42_and_126_in_and_day_43_and_127_out(known_service) -> None:
    k = kpis(FROM, TO, team=known_service.team)
    assert k["first_treatment_within_6_weeks"] == 1  # day 42 only
    assert k["first_treatment_within_18_weeks"] == 3  # days 42, 43, 126
    assert k["first_to_second_over_28_days"] == 3  # gaps 29, 90, 91
    assert k["first_to_second_over_90_days"] == 1  # gap 91
    assert k["first_treatment_within_6_weeks_rate"] == pytest.approx(1 / 4)
    assert k["first_treatment_within_18_weeks_rate"] == pytest.approx(3 / 4)


def test_the_whole_service_counts_both_teams_but_never_the_entered_in_error_referral(known_service) -> None:
    k = kpis(FROM, TO)
    assert k["finished_course"] == 5 and k["recovered"] == 2


def test_rates_are_null_with_nothing_to_divide_by(service) -> None:
    k = kpis(FROM, TO)
    assert k["recovery_rate"] is None and k["dna_rate"] is None and k["finished_course"] == 0


def test_the_rate_function_reproduces_the_published_england_2024_25_figures() -> None:
    assert round(rate(321_061, 670_419 - 35_234) * 100, 1) == 50.5
    assert round(rate(452_284, 670_419) * 100, 1) == 67.5
    assert round(rate(301_815, 670_419 - 35_234) * 100, 1) == 47.5
    assert round(rate(614_104, 670_419) * 100, 1) == 91.6
    assert round(rate(661_723, 670_419) * 100, 1) == 98.7


def test_the_kpi_rates_reproduce_the_published_figures_through_the_same_rate_function() -> None:
    from stepcare.reporting.selectors import with_rates

    counts = dict.fromkeys(
        [
            "first_treatment_within_6_weeks",
            "first_treatment_within_18_weeks",
            "first_to_second_over_28_days",
            "first_to_second_over_90_days",
            "no_reliable_change",
            "reliably_deteriorated",
        ],
        0,
    )
    counts.update(
        finished_course=670_419,
        not_at_caseness=35_234,
        recovered=321_061,
        reliably_improved=452_284,
        reliably_recovered=301_815,
        dna=0,
        attended_or_missed=0,
    )
    k = with_rates(counts)
    assert round(k["recovery_rate"] * 100, 1) == 50.5
    assert round(k["reliable_improvement_rate"] * 100, 1) == 67.5
    assert round(k["reliable_recovery_rate"] * 100, 1) == 47.5


def test_the_period_runs_between_london_midnights_across_the_clock_change() -> None:
    start, end = period_bounds(dt.date(2026, 10, 1), dt.date(2026, 10, 25))
    assert start == dt.datetime(2026, 9, 30, 23, 0, tzinfo=dt.UTC)  # BST
    assert end == dt.datetime(2026, 10, 26, 0, 0, tzinfo=dt.UTC)  # GMT after 25/10
    start, end = period_bounds(dt.date(2026, 3, 29), dt.date(2026, 3, 29))
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == D(hours=23)  # clocks go forward


def _attendance(referral, at: dt.datetime, code: str, by) -> None:
    appointment = Appointment.objects.create(
        created_by=by,
        team=referral.team,
        app_type="02",
        delivery_mode="02",
        starts_at=at,
        ends_at=at + D(minutes=50),
    )
    Attendee.objects.create(
        appointment=appointment,
        patient=referral.patient,
        referral=referral,
        starts_at=at,
        ends_at=at + D(minutes=50),
        attendance=code,
        live=code not in Attendee.CANCELLED,
    )


def test_dna_rate_counts_appointments_starting_between_london_midnights(service) -> None:
    referral = ReferralFactory(team=service.team, received_on=dt.date(2026, 9, 1))
    by = next(iter(service.staff.values()))
    london = lambda *a: dt.datetime(*a, tzinfo=LONDON)  # noqa: E731
    _attendance(referral, london(2026, 9, 30, 23, 30), "3", by)  # the evening before: out
    _attendance(referral, london(2026, 10, 1, 0, 30), "3", by)  # 23:30 UTC on 30/09, in BST: in
    _attendance(referral, london(2026, 10, 25, 23, 30), "5", by)  # last evening, now GMT: in
    _attendance(referral, london(2026, 10, 26, 0, 30), "3", by)  # after the period: out
    _attendance(referral, london(2026, 10, 12, 10, 0), "2", by)  # cancelled: not in the rate
    k = kpis(dt.date(2026, 10, 1), dt.date(2026, 10, 25))
    assert (k["dna"], k["attended_or_missed"], k["dna_rate"]) == (1, 2, 0.5)


def test_the_query_count_does_not_grow_with_the_service(known_service) -> None:
    with CaptureQueriesContext(connection) as small:
        kpis(FROM, TO)
    for _ in range(5):
        finished(known_service.team, wait=10, gap=7, paired=True, at_caseness=True)
    with CaptureQueriesContext(connection) as larger:
        kpis(FROM, TO)
    assert len(small) == len(larger) == 2


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ReportRefused, match="ends"):
        kpis(TO, FROM)


def test_the_command_prints_one_json_object_for_a_team(known_service) -> None:
    out = io.StringIO()
    call_command(
        "kpis", "--from", "2026-04-01", "--to", "2026-10-31", "--team", "North team", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["finished_course"] == 4 and result["team"] == "North team"
    assert result["recovery_rate"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2027-03-31"], "not a date"),
        (["--from", "2026-04-01", "--to", "2026-03-31"], "before it starts"),
        (["--from", "2026-04-01", "--to", "2027-03-31", "--team", "Nowhere"], "No team"),
        (["--from", "2026-04-01", "--to", "2027-03-31", "--clinician", "nobody"], "No staff member"),
    ],
)
def test_the_command_refuses_bad_input_with_a_clear_message(service, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("kpis", *args, stdout=io.StringIO())


def test_the_command_filters_by_the_therapist_of_the_latest_allocation_even_after_ending(
    known_service,
) -> None:
    hit = known_service.staff[Role.HIGH_INTENSITY_THERAPIST]
    pwp = known_service.staff[Role.PWP]
    mine = finished(known_service.team, wait=10, gap=7, discharged=dt.date(2026, 9, 1))
    handed_on = finished(known_service.team, wait=10, gap=7, discharged=dt.date(2026, 9, 1))
    ended = timezone.now()
    AllocationFactory(referral=mine, therapist=pwp, allocated_by=hit, ended_at=ended)
    AllocationFactory(referral=mine, therapist=hit, allocated_by=hit, ended_at=ended)  # the latest
    AllocationFactory(referral=handed_on, therapist=hit, allocated_by=hit, ended_at=ended)
    AllocationFactory(referral=handed_on, therapist=pwp, allocated_by=hit, ended_at=ended)
    assert Referral.objects.get(pk=mine.pk).allocated_to is None
    out = io.StringIO()
    call_command(
        "kpis", "--from", "2026-04-01", "--to", "2026-10-31", "--clinician", hit.username, stdout=out
    )
    assert json.loads(out.getvalue())["finished_course"] == 1
