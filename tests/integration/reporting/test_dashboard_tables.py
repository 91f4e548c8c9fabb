"""The dashboard's other tables: attendance (DNA and cancellations by the patient and by the
service), sessions per finished course against the NICE range, ending reasons, and the
modality filter (the latest signed treatment plan), each with its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.records import actions as records_actions
from stepcare.records.models import TreatmentPlan
from stepcare.referrals.models import Referral
from stepcare.reporting.selectors import LONDON, attendance, scoped_referrals, sessions_per_course
from stepcare.scheduling.models import Appointment, Attendee
from tests.factories.referrals import ProblemDescriptorRecordFactory, ReferralFactory

MANAGER = Role.SERVICE_MANAGER
PERIOD = {"period": "dates", "from": "01/04/2026", "to": "31/10/2026"}
FROM, TO = dt.date(2026, 4, 1), dt.date(2026, 10, 31)


def _finished(team, contacts: int, descriptor: str = "F32") -> Referral:
    received = dt.date(2026, 4, 1)
    first = received + dt.timedelta(days=20)
    referral = ReferralFactory(
        team=team,
        received_on=received,
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=dt.date(2026, 9, 1),
        first_treatment_date=first,
        second_treatment_date=first + dt.timedelta(days=7),
        last_treatment_date=first + dt.timedelta(days=70),
        treatment_contact_count=contacts,
        outcome_paired=True,
        outcome_at_caseness=True,
    )
    ProblemDescriptorRecordFactory(referral=referral, primary=descriptor, recorded_on=received)
    return referral


def _appointment(referral, at: dt.datetime, code: str, by) -> None:
    appointment = Appointment.objects.create(
        created_by=by, team=referral.team, app_type="02", delivery_mode="02", starts_at=at,
        ends_at=at + dt.timedelta(minutes=50),
    )  # fmt: skip
    Attendee.objects.create(
        appointment=appointment, patient=referral.patient, referral=referral, starts_at=at,
        ends_at=at + dt.timedelta(minutes=50), attendance=code, live=code not in Attendee.CANCELLED,
    )  # fmt: skip


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_attendance_counts_dna_and_cancellations_by_patient_and_by_service(service, client_for) -> None:
    referral = ReferralFactory(team=service.team, received_on=dt.date(2026, 5, 1))
    by = service.staff[Role.PWP]
    for day, code in ((4, "5"), (11, "6"), (18, "3"), (25, "2"), (26, "4"), (27, "4")):
        _appointment(referral, dt.datetime(2026, 5, day, 10, tzinfo=LONDON), code, by)
    _appointment(referral, dt.datetime(2026, 11, 2, 10, tzinfo=LONDON), "3", by)  # after the period
    counts = attendance(FROM, TO, scoped_referrals(team=service.team))
    assert (counts.attended, counts.dna, counts.cancelled_by_patient, counts.cancelled_by_provider) == (
        2,
        1,
        1,
        2,
    )
    client = client_for(MANAGER)
    page = client.get(reverse("reporting:dashboard"), PERIOD).content.decode()
    assert "Cancelled by the service" in page and "Download attendance (CSV)" in page
    rows = _csv(client.get(reverse("reporting:attendance_csv"), PERIOD))
    assert rows[1:] == [
        ["Attended", "2", "33.3%"],
        ["Did not attend, or too late to be seen (DNA)", "1", "16.7%"],
        ["Cancelled by the patient", "1", "16.7%"],
        ["Cancelled by the service", "2", "33.3%"],
    ]


def test_sessions_per_finished_course_are_set_against_the_nice_range(service, client_for) -> None:
    for contacts in (6, 12, 20, 21):  # depression, CBT 12-20: two within
        _finished(service.team, contacts, "F32")
    _finished(service.team, 10, "F43.1")  # PTSD 8-12: within
    rows = {r.descriptor: r for r in sessions_per_course(FROM, TO, scoped_referrals(team=service.team))}
    assert (rows["F32"].finished, rows["F32"].mean_text, rows["F32"].within_range) == (4, "14.8", 2)
    assert rows["F32"].nice_range.startswith("12–20 sessions")
    assert rows["F43.1"].within_text == "1 (100.0%)"
    client = client_for(MANAGER)
    page = client.get(reverse("reporting:dashboard"), PERIOD).content.decode()
    assert "Sessions per finished course" in page and "Download sessions per finished course (CSV)" in page
    csv_rows = {r[0]: r for r in _csv(client.get(reverse("reporting:sessions_csv"), PERIOD))[1:]}
    assert csv_rows["F32 – Depressive episode"][1:3] == ["4", "14.8"]
    assert csv_rows["F32 – Depressive episode"][4] == "2 (50.0%)"


def test_the_modality_filter_counts_courses_by_their_latest_signed_plan(service, client_for) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    cbt, ipt, unplanned = (_finished(service.team, 12) for _ in range(3))
    for referral, modality in ((cbt, "cbt"), (ipt, "ipt")):
        plan = TreatmentPlan.objects.create(
            patient=referral.patient, referral=referral, author=hit, modality=modality, planned_sessions=12,
            goals="Feel better",
        )  # fmt: skip
        records_actions.sign_document(by=hit, document=plan, expected_version=plan.version)
    TreatmentPlan.objects.create(  # a later draft does not change the modality
        patient=ipt.patient, referral=ipt, author=hit, modality="cbt", planned_sessions=12, goals="Draft"
    )
    client = client_for(MANAGER)
    response = client.get(reverse("reporting:dashboard"), {**PERIOD, "modality": "ipt"})
    finished = next(f for f in response.context["figures"] if f.key == "finished_course")
    assert finished.numerator == 1
    assert 'value="ipt" selected' in response.content.decode()
    drill = client.get(
        reverse("reporting:referrals"), {**PERIOD, "modality": "ipt", "figure": "finished_course"}
    )
    assert ipt.reference in drill.content.decode() and cbt.reference not in drill.content.decode()
    ignored = client.get(reverse("reporting:dashboard"), {**PERIOD, "modality": "nonsense"})
    assert next(f for f in ignored.context["figures"] if f.key == "finished_course").numerator == 3
    assert unplanned.pk


def test_the_waiting_list_today_shows_counts_and_the_oldest_wait(service, client_for) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    for days, status in (
        (10, "waiting"),
        (42, "allocated"),
        (43, "waiting"),
        (127, "waiting"),
        (200, "ended"),
    ):
        ReferralFactory(
            team=service.team,
            received_on=today - dt.timedelta(days=days),
            status=status,
            **({"end_code": "50", "discharge_date": today} if status == "ended" else {}),
        )
    response = client_for(MANAGER).get(reverse("reporting:dashboard"), PERIOD)
    waiting = response.context["waiting"]
    assert (waiting.waiting, waiting.over_6_weeks, waiting.over_18_weeks, waiting.oldest_wait_days) == (
        4,
        2,
        1,
        127,
    )
    assert f'href="{reverse("referrals:waiting_list")}"' in response.content.decode()
