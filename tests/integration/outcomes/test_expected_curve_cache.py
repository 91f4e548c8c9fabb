"""The expected-response curves are cached per service, day, measure and configuration: at most
a day behind the service's finished courses (hazard H55), and a configuration change takes
effect at once (hazard H56's twin for the curves: the key names the configuration)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.outcomes import expected
from stepcare.outcomes.selectors import curves as curve_cache
from stepcare.outcomes.selectors import service_curves
from stepcare.referrals.models import Referral
from tests.factories.accounts import TeamFactory
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.referrals import AllocatedReferralFactory

HIT = Role.HIGH_INTENSITY_THERAPIST
LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY_NOON = dt.datetime(2026, 6, 1, 12, 0, tzinfo=LONDON)
PHQ = "PHQ-9"
MEASURES = 'FROM "outcomes_measureresponse"'


@pytest.fixture
def few_courses_make_a_curve(monkeypatch) -> None:
    """Two finished courses are enough for the service's own curve (50 in service)."""
    monkeypatch.setattr(expected, "MIN_COURSES", 2)
    monkeypatch.setattr(expected, "MIN_AT_POINT", 1)


def _finished_course(team, clinician, totals: list[int], *, hour: int) -> Referral:
    referral = AllocatedReferralFactory(
        patient__team=team, allocated_to=clinician, status=Referral.Status.IN_TREATMENT
    )
    for n, total in enumerate(totals):
        appointment = contact(
            referral=referral, clinician=clinician, days_ago=7 * (len(totals) - n), hour=hour
        )
        scores(appointment=appointment, by=clinician, PHQ9=phq9(total), GAD7=gad7(8))
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.ENDED, end_code="46", discharge_date=dt.date.today()
    )
    return referral


def test_a_course_finished_today_reaches_the_curve_tomorrow_not_before(
    service, few_courses_make_a_curve, django_assert_num_queries
) -> None:
    service_id = service.team.service_id
    with time_machine.travel(MONDAY_NOON, tick=False):
        before = service_curves(service_id, [PHQ])[PHQ]
        assert before.courses == 0 and "UNVERIFIED" in before.source
        for hour in (9, 11):
            _finished_course(service.team, service.staff[HIT], [20, 15, 10], hour=hour)
        with django_assert_num_queries(0):  # read from the cache: the same curve all day
            assert service_curves(service_id, [PHQ])[PHQ] == before
    with time_machine.travel(MONDAY_NOON + dt.timedelta(days=1), tick=False):
        after = service_curves(service_id, [PHQ])[PHQ]
    assert after.courses == 2 and "own finished courses (2)" in after.source
    assert curve_cache.computed_curves(service_id, [PHQ], dt.date(2026, 6, 2))[PHQ] == after


def test_a_change_of_configured_curve_takes_effect_at_once(service, settings) -> None:
    service_id = service.team.service_id
    with time_machine.travel(MONDAY_NOON, tick=False):
        assert "UNVERIFIED" in service_curves(service_id, [PHQ])[PHQ].source
        settings.OUTCOMES_EXPECTED_CURVES = {PHQ: {"upper": {"1": 1.0}, "source": "Checked curve 2026"}}
        curve = service_curves(service_id, [PHQ])[PHQ]
    assert curve.source == "Checked curve 2026" and curve.upper == {1: 1.0}


def test_a_change_of_the_measures_configuration_file_changes_the_key(settings, tmp_path) -> None:
    config = tmp_path / "measures.json"
    config.write_text('{"PHQ-9": {"caseness": 10}}')
    settings.STEPCARE_MEASURES_CONFIG = str(config)
    first = curve_cache.configuration_digest()
    assert curve_cache.configuration_digest() == first  # stable while the file is unchanged
    config.write_text('{"PHQ-9": {"caseness": 11}}  ')
    assert curve_cache.configuration_digest() != first
    settings.STEPCARE_MEASURES_CONFIG = ""
    assert curve_cache.configuration_digest() not in {first}


def test_each_service_has_its_own_curve(service, few_courses_make_a_curve) -> None:
    elsewhere = TeamFactory(name="Elsewhere team", service__name="Elsewhere Talking Therapies")
    assert elsewhere.service_id != service.team.service_id
    with time_machine.travel(MONDAY_NOON, tick=False):
        for hour in (9, 11):
            _finished_course(service.team, service.staff[HIT], [20, 15, 10], hour=hour)
        ours = service_curves(service.team.service_id, [PHQ])[PHQ]
        theirs = service_curves(elsewhere.service_id, [PHQ])[PHQ]
    assert ours.courses == 2 and theirs.courses == 0


def test_the_key_names_service_day_measure_and_configuration() -> None:
    key = curve_cache.curve_cache_key(7, PHQ, dt.date(2026, 6, 1), "abc")
    assert key.endswith(":7:2026-06-01:PHQ-9:abc")
    assert key != curve_cache.curve_cache_key(7, PHQ, dt.date(2026, 6, 2), "abc")
    assert key != curve_cache.curve_cache_key(7, "GAD-7", dt.date(2026, 6, 1), "abc")
    assert key != curve_cache.curve_cache_key(8, PHQ, dt.date(2026, 6, 1), "abc")
    assert key != curve_cache.curve_cache_key(7, PHQ, dt.date(2026, 6, 1), "abd")


def test_the_caseload_shows_the_cached_curve_and_its_source(
    service, client_for, few_courses_make_a_curve
) -> None:
    url = reverse("outcomes:caseload")
    client = client_for(HIT)
    with time_machine.travel(MONDAY_NOON, tick=False):
        first = client.get(url).context["caseload"].curve
        for hour in (9, 11):
            _finished_course(service.team, service.staff[HIT], [20, 15, 10], hour=hour)
        assert client.get(url).context["caseload"].curve == first
    with time_machine.travel(MONDAY_NOON + dt.timedelta(days=1), tick=False):
        response = client.get(url)
    assert response.context["caseload"].curve.courses == 2
    assert "own finished courses (2)" in response.content.decode()


def test_the_beat_job_works_out_a_new_days_curves_before_a_caseload_asks(
    service, client_for, few_courses_make_a_curve, django_assert_max_num_queries
) -> None:
    """Each service's curves of every measure a caseload can ask for, computed once a day by
    the job; the caseload then reads them from the cache (no query of the courses)."""
    from django.conf import settings

    from stepcare.outcomes import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["expected-curves"]
    assert entry == {"task": "stepcare.outcomes.tasks.warm_expected_curves", "schedule": 900}
    assert tasks.warm_expected_curves.name == entry["task"]
    elsewhere = TeamFactory(name="Elsewhere team", service__name="Elsewhere Talking Therapies")
    measures = curve_cache.curve_measures()
    assert {PHQ, "GAD-7", "SPIN", "PCL-5"} <= set(measures)
    with time_machine.travel(MONDAY_NOON, tick=False):
        for hour in (9, 11):
            _finished_course(service.team, service.staff[HIT], [20, 15, 10], hour=hour)
        assert tasks.warm_expected_curves() == 2  # both services
        with django_assert_max_num_queries(1):  # the services, then the cache only
            assert tasks.warm_expected_curves() == 0  # all cached: nothing to compute
            cached = service_curves(service.team.service_id, measures)
        assert cached[PHQ].courses == 2 and service_curves(elsewhere.service_id, [PHQ])[PHQ].courses == 0
    with time_machine.travel(MONDAY_NOON + dt.timedelta(days=1), tick=False):
        assert tasks.warm_expected_curves() == 2  # a new day: new keys
        with CaptureQueriesContext(connection) as caseload:
            client_for(HIT).get(reverse("outcomes:caseload"))
        courses_read = [
            q for q in caseload.captured_queries if "discharge_date" in q["sql"] and MEASURES in q["sql"]
        ]
        assert not courses_read, "the caseload worked a curve out itself"


def test_the_warm_curves_command_does_the_jobs_work(service) -> None:
    import io

    from django.core.management import call_command

    first, again = io.StringIO(), io.StringIO()
    call_command("warm_curves", stdout=first)
    call_command("warm_curves", stdout=again)
    assert "Curves worked out for 1 service(s)" in first.getvalue()
    assert "already in the cache" in again.getvalue()
