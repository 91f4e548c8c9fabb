"""My caseload: open referrals allocated to me, with contacts, scores, live status and risk;
filtered, sorted and paged in the database, with a query count that does not grow."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.measures import classify_course
from stepcare.referrals import actions as referral_actions
from stepcare.referrals.models import Allocation, Referral
from stepcare.scheduling.models import Appointment
from tests.conftest import sign_in
from tests.factories.outcomes import OutcomeSettingsFactory, contact, gad7, phq9, scores
from tests.factories.patients import RiskFlagFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import WorkingHoursFactory, attend, clinician_in

HIT = Role.HIGH_INTENSITY_THERAPIST
URL = reverse("outcomes:caseload")


def _mine(service, **kwargs):
    return AllocatedReferralFactory(patient__team=service.team, allocated_to=service.staff[HIT], **kwargs)


def _patient_in_treatment(service, pairs, *, hour=10, last_days_ago=7):
    referral = _mine(service, status=Referral.Status.IN_TREATMENT)
    clinician = service.staff[HIT]
    for n, (p, g) in enumerate(pairs):
        days = last_days_ago + 7 * (len(pairs) - 1 - n)
        appointment = contact(referral=referral, clinician=clinician, days_ago=days, hour=hour)
        scores(appointment=appointment, by=clinician, PHQ9=phq9(p), GAD7=gad7(g))
    return referral


def _rows(response):
    return {row.referral.pk: row for row in response.context["caseload"].rows}


def test_my_caseload_shows_only_my_open_referrals_with_contacts_scores_status_and_risk(
    service, client_for
) -> None:
    recovering = _patient_in_treatment(service, [(18, 14), (12, 9), (6, 5)], hour=9)
    lapsed = _patient_in_treatment(service, [(15, 11), (14, 10)], hour=11, last_days_ago=35)
    waiting = _mine(service)
    RiskFlagFactory(patient=lapsed.patient, raised_by=service.staff[HIT])
    contact(referral=recovering, clinician=service.staff[HIT], days_ago=-7, attendance=None, hour=9)
    AllocatedReferralFactory(patient__team=service.team)  # someone else's
    _mine(service, status=Referral.Status.ENDED, end_code="50", discharge_date=dt.date.today())  # not open

    response = client_for(HIT).get(URL)
    assert response.status_code == 200
    rows = _rows(response)
    assert set(rows) == {recovering.pk, lapsed.pk, waiting.pk}

    row = rows[recovering.pk]
    assert row.sessions_used == 3 and row.next_appointment is not None and not row.gap_over_28_days
    assert row.latest["PHQ-9"].total == 6 and row.latest["GAD-7"].total == 5
    assert row.status.outcome == classify_course(
        problem_descriptor=None, first={"PHQ-9": 18, "GAD-7": 14}, last={"PHQ-9": 6, "GAD-7": 5}
    )
    assert 'data-values="18 12 6"' in str(row.sparkline)

    assert rows[lapsed.pk].gap_over_28_days and rows[lapsed.pk].days_since_contact == 35
    assert rows[lapsed.pk].risk_flags
    assert rows[waiting.pk].not_seen and rows[waiting.pk].sessions_used == 0
    body = response.content.decode()
    assert 'data-testid="gap-flag"' in body and 'data-testid="not-seen"' in body and "Risk concerns" in body


def test_the_caseload_is_filtered_and_sorted_in_the_database(service, client_for) -> None:
    recent = _patient_in_treatment(service, [(14, 10)], hour=9, last_days_ago=3)
    lapsed = _patient_in_treatment(service, [(14, 10)], hour=11, last_days_ago=40)
    unseen = _mine(service)
    RiskFlagFactory(patient=recent.patient, raised_by=service.staff[HIT])
    client = client_for(HIT)
    assert set(_rows(client.get(URL, {"show": "gap"}))) == {lapsed.pk}
    assert set(_rows(client.get(URL, {"show": "not_seen"}))) == {unseen.pk}
    assert set(_rows(client.get(URL, {"show": "risk"}))) == {recent.pk}
    ordered = [row.referral.pk for row in client.get(URL, {"sort": "last_contact"}).context["caseload"].rows]
    assert ordered == [unseen.pk, lapsed.pk, recent.pk]  # never seen first, then longest ago


def test_the_caseload_is_paged(service, client_for) -> None:
    for _ in range(27):
        _mine(service)
    first = client_for(HIT).get(URL)
    assert len(first.context["caseload"].rows) == 25
    assert len(client_for(HIT).get(URL, {"page": 2}).context["caseload"].rows) == 2


def test_the_caseload_writes_one_audit_event_naming_the_patients_shown(service, client_for) -> None:
    a, b = _mine(service), _mine(service)
    client_for(HIT).get(URL)
    event = AuditEvent.objects.get(action="view", detail__page="outcomes:caseload")
    assert sorted(event.shown.values_list("patient_id", flat=True)) == sorted([a.patient_id, b.patient_id])


def test_capacity_comes_from_the_working_pattern_and_the_services_setting(service, client_for) -> None:
    hit = service.staff[HIT]
    for weekday in range(3):
        WorkingHoursFactory(clinician=hit, weekday=weekday, starts=dt.time(9), ends=dt.time(16, 30))
    OutcomeSettingsFactory(
        service=service.team.service,
        finished_courses_per_wte_year=40,
        finished_courses_source="Northbrook governance 2026-11",
    )
    _mine(service)
    capacity = client_for(HIT).get(URL).context["caseload"].capacity
    assert capacity.hours_per_week == 22.5 and capacity.wte == 0.6
    assert capacity.expected_courses_year == 24.0 and capacity.open_cases == 1
    assert capacity.source == "Northbrook governance 2026-11"


def test_a_finished_course_counts_against_capacity(service, client_for) -> None:
    referral = _patient_in_treatment(service, [(14, 10), (9, 7)])
    Allocation.objects.create(
        referral=referral,
        therapist=service.staff[HIT],
        allocated_by=service.staff[HIT],
        ended_at=timezone.now(),
    )
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=dt.date.today(),
    )
    assert client_for(HIT).get(URL).context["caseload"].capacity.finished_last_year == 1


def test_the_caseload_query_count_does_not_grow_with_the_number_of_patients(
    service, client_for, django_assert_num_queries
) -> None:
    _patient_in_treatment(service, [(14, 10), (12, 9)], hour=9)
    client = client_for(HIT)
    client.get(URL)
    # The expected curves come from the cache after the first view (per service and day).
    with django_assert_num_queries(12):  # one patient shown: the audit event names them itself
        client.get(URL)
    for hour in (11, 13, 15):
        referral = _patient_in_treatment(service, [(16, 12), (10, 8)], hour=hour)
        RiskFlagFactory(patient=referral.patient, raised_by=service.staff[HIT])
    _mine(service)
    with django_assert_num_queries(13):  # several: one more insert names them all, however many
        client.get(URL)
    assert Appointment.objects.count() == 8


def test_a_course_above_its_expected_range_is_flagged_not_on_track_with_the_curves_source(
    service, client_for
) -> None:
    stuck = _patient_in_treatment(service, [(16, 12), (16, 12), (16, 12), (17, 13)], hour=9)
    improving = _patient_in_treatment(service, [(16, 12), (14, 10), (12, 9), (10, 8)], hour=11)
    response = client_for(HIT).get(URL)
    rows = _rows(response)
    assert rows[stuck.pk].not_on_track and not rows[improving.pk].not_on_track
    body = response.content.decode()
    assert 'data-testid="not-on-track"' in body and "UNVERIFIED and illustrative" in body


def test_courses_finished_through_the_actions_count_for_the_clinician_who_finished_them(
    service, client_for
) -> None:
    """Ending a referral ends its allocation and clears ``allocated_to``: the count reads the
    allocations, so a course finished through the real actions counts for the clinician it was
    allocated to last (before, it counted for nobody); a course ended after one treatment
    contact is not finished; a year later none of them counts."""
    manager, hit = service.staff[Role.SERVICE_MANAGER], service.staff[HIT]
    colleague = clinician_in(service.team)
    today = dt.date.today()

    def course(contacts: int, *, hour: int, handed_to=None) -> None:
        referral = AllocatedReferralFactory(patient__team=service.team, status=Referral.Status.WAITING)
        referral_actions.allocate(by=manager, referral=referral, therapist=hit)
        for n in range(contacts):
            attend(referral, on=today - dt.timedelta(days=7 * (contacts - n)), hour=hour, clinician=hit)
        if handed_to is not None:
            referral_actions.allocate(by=manager, referral=referral, therapist=handed_to)
        referral_actions.end_referral(
            by=hit, referral=referral, end_code="46", discharge_date=today, summary="Course finished."
        )

    course(6, hour=9)
    course(1, hour=11)
    course(3, hour=13, handed_to=colleague)
    assert client_for(HIT).get(URL).context["caseload"].capacity.finished_last_year == 1
    assert sign_in(Client(), colleague).get(URL).context["caseload"].capacity.finished_last_year == 1
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=370)):
        assert client_for(HIT).get(URL).context["caseload"].capacity.finished_last_year == 0
