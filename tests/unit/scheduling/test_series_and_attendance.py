"""Weekly series across clock changes; attendance codes; missed-appointment suggestions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from stepcare.scheduling import actions, selectors
from stepcare.scheduling.models import Appointment, Attendee, FollowUpTask, Group
from stepcare.scheduling.timeslots import LONDON, local, local_date
from tests.factories.accounts import RoomFactory
from tests.factories.scheduling import (
    DnaPolicyFactory,
    book,
    clinician_in,
    next_weekday,
    participant,
)

pytestmark = pytest.mark.django_db
A = Attendee.AttendOrDNA


def _series(service, *, first: dt.date, weeks: int = 12, interval: int = 1, **kwargs):
    clinician = clinician_in(service.team)
    someone = participant(team=service.team)
    series = actions.book_series(
        by=clinician,
        participants=[someone],
        clinicians=[clinician],
        app_type=Appointment.Type.TREATMENT,
        delivery_mode=Appointment.DeliveryMode.VIDEO,
        first_date=first,
        local_time=dt.time(10),
        occurrences=weeks,
        interval_weeks=interval,
        **kwargs,
    )
    return series, clinician, someone


@time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False)
def test_weekly_series_keeps_ten_oclock_london_time_across_the_spring_clock_change(service) -> None:
    series, _clinician, _ = _series(service, first=dt.date(2026, 3, 17), weeks=4)
    starts = [a.starts_at for a in series.appointments.order_by("starts_at")]
    assert [s.astimezone(LONDON).time() for s in starts] == [dt.time(10)] * 4
    assert [s.astimezone(dt.UTC).hour for s in starts] == [10, 10, 9, 9]  # GMT, GMT, BST, BST
    assert [a.series_position for a in series.appointments.order_by("starts_at")] == [1, 2, 3, 4]


@time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False)
def test_fortnightly_series_keeps_its_time_across_the_autumn_clock_change(service) -> None:
    series, _clinician, _ = _series(service, first=dt.date(2026, 10, 13), weeks=3, interval=2)
    starts = [a.starts_at.astimezone(LONDON) for a in series.appointments.order_by("starts_at")]
    assert [s.date() for s in starts] == [dt.date(2026, 10, 13), dt.date(2026, 10, 27), dt.date(2026, 11, 10)]
    assert {s.time() for s in starts} == {dt.time(10)}


def test_a_series_of_twelve_is_refused_whole_when_one_week_clashes(service) -> None:
    clinician = clinician_in(service.team)
    first = timezone.localdate() + dt.timedelta(days=7)
    book(clinician=clinician, starts_at=local(first + dt.timedelta(weeks=5), dt.time(10, 30)))
    with pytest.raises(actions.SlotTaken, match="1 of the 12 sessions clash"):
        actions.book_series(
            by=clinician,
            participants=[participant(team=service.team)],
            clinicians=[clinician],
            app_type="02",
            delivery_mode="02",
            first_date=first,
            local_time=dt.time(10),
            occurrences=12,
        )
    assert Appointment.objects.count() == 1


def test_skipped_dates_push_the_series_later_and_keep_twelve_sessions(service) -> None:
    first = timezone.localdate() + dt.timedelta(days=7)
    series, _c, _p = _series(service, first=first, skip=[first + dt.timedelta(weeks=2)])
    dates = [a.starts_at.astimezone(LONDON).date() for a in series.appointments.all()]
    assert len(dates) == 12 and first + dt.timedelta(weeks=2) not in dates
    assert dates[-1] == first + dt.timedelta(weeks=12)


def test_video_series_shares_one_joining_link(service) -> None:
    series, _c, _p = _series(service, first=timezone.localdate() + dt.timedelta(days=3), weeks=3)
    assert len({a.video_link for a in series.appointments.all()}) == 1


def test_skip_one_week_adds_a_session_at_the_end(service) -> None:
    series, clinician, _ = _series(service, first=timezone.localdate() + dt.timedelta(days=3), weeks=3)
    second = series.appointments.get(series_position=2)
    added = actions.skip_occurrence(by=clinician, appointment=second, cancelled_by="4")
    second.refresh_from_db()
    assert second.cancellation_reason == Appointment.CancellationReason.WEEK_SKIPPED
    assert added is not None and added.series_position == 4
    last = series.appointments.get(series_position=3)
    assert (added.starts_at.astimezone(LONDON).date() - last.starts_at.astimezone(LONDON).date()).days == 7


def test_cancel_the_rest_of_a_series_keeps_earlier_sessions(service) -> None:
    series, clinician, _ = _series(service, first=timezone.localdate() + dt.timedelta(days=3), weeks=6)
    fourth = series.appointments.get(series_position=4)
    cancelled = actions.cancel_rest_of_series(
        by=clinician,
        appointment=fourth,
        cancelled_by="2",
        reason=Appointment.CancellationReason.PATIENT_OTHER,
    )
    assert [a.series_position for a in cancelled] == [4, 5, 6]
    statuses = dict(series.appointments.values_list("series_position", "status"))
    assert statuses == {1: "booked", 2: "booked", 3: "booked", 4: "cancelled", 5: "cancelled", 6: "cancelled"}


def test_attendance_cannot_be_recorded_for_a_later_day(service) -> None:
    appointment = book()
    the_evening_before = local(local_date(appointment.starts_at) - dt.timedelta(days=1), dt.time(23, 59))
    with (
        time_machine.travel(the_evening_before),
        pytest.raises(actions.BookingRefused, match="is on a later day"),
    ):
        actions.record_attendance(by=appointment.created_by, attendee=appointment.attendees.get(), code="5")


def test_attendance_can_be_recorded_from_the_start_of_the_appointments_day(service) -> None:
    appointment = book()
    just_after_midnight = local(local_date(appointment.starts_at), dt.time(0, 1))
    assert just_after_midnight < appointment.starts_at
    with time_machine.travel(just_after_midnight):
        attendee = actions.record_attendance(
            by=appointment.created_by, attendee=appointment.attendees.get(), code="5"
        )
    assert attendee.attendance == "5"


@pytest.mark.parametrize("code", ["5", "6", "7", "3"])
def test_each_national_attendance_code_is_recorded_once_the_appointment_began(service, code: str) -> None:
    appointment = book()
    with time_machine.travel(appointment.starts_at + dt.timedelta(minutes=5)):
        attendee = actions.record_attendance(
            by=appointment.created_by, attendee=appointment.attendees.get(), code=code
        )
    assert attendee.attendance == code
    assert attendee.attended == (code in {"5", "6"})


def test_cancellation_codes_are_not_recorded_as_attendance_for_one_to_one(service) -> None:
    appointment = book()
    with (
        time_machine.travel(appointment.starts_at),
        pytest.raises(actions.BookingRefused, match="cancel the"),
    ):
        actions.record_attendance(by=appointment.created_by, attendee=appointment.attendees.get(), code="2")


def test_an_attended_appointment_cannot_be_moved_or_cancelled(service) -> None:
    appointment = book()
    with time_machine.travel(appointment.starts_at):
        actions.record_attendance(by=appointment.created_by, attendee=appointment.attendees.get(), code="5")
    with pytest.raises(actions.BookingRefused, match="already been recorded"):
        actions.cancel_appointment(
            by=appointment.created_by, appointment=appointment, cancelled_by="2", reason="patient_unwell"
        )


def _miss(appointment: Appointment) -> Attendee:
    with time_machine.travel(appointment.starts_at + dt.timedelta(minutes=20)):
        return actions.record_attendance(
            by=appointment.created_by, attendee=appointment.attendees.get(), code="3"
        )


def test_after_a_first_dna_the_policy_suggests_contact_and_nothing_happens_by_itself(service) -> None:
    appointment = book()
    attendee = _miss(appointment)
    suggestion = selectors.dna_suggestion(attendee=attendee, service_id=service.team.service_id)
    assert suggestion.kind == FollowUpTask.Kind.CONTACT_AFTER_DNA
    assert "contacting the patient within 2 days" in suggestion.text
    assert not FollowUpTask.objects.exists()  # suggested, never automatic


def test_after_two_dnas_the_policy_suggests_a_discharge_review_but_never_discharges(service) -> None:
    someone = participant(team=service.team)
    clinician = clinician_in(service.team)
    first = book(participants=[someone], clinician=clinician)
    second = book(
        participants=[someone], clinician=clinician, starts_at=first.starts_at + dt.timedelta(days=7)
    )
    _miss(first)
    attendee = _miss(second)
    suggestion = selectors.dna_suggestion(attendee=attendee, service_id=service.team.service_id)
    assert suggestion.missed == 2
    assert suggestion.kind == FollowUpTask.Kind.DISCHARGE_REVIEW
    someone.referral.refresh_from_db()
    assert someone.referral.status != "ended"
    task = actions.add_follow_up_task(
        by=clinician, attendee=attendee, kind=suggestion.kind, due_on=suggestion.due_on, assigned_to=clinician
    )
    assert task.referral == someone.referral and task.status == "open"


def test_the_service_can_change_its_missed_appointment_policy(service) -> None:
    DnaPolicyFactory(service=service.team.service, review_for_discharge_after=3, contact_after_each_dna=False)
    attendee = _miss(book())
    suggestion = selectors.dna_suggestion(attendee=attendee, service_id=service.team.service_id)
    assert suggestion.kind == "" and suggestion.missed == 1


def test_group_has_capacity_members_facilitators_and_per_member_attendance(service) -> None:
    facilitators = [clinician_in(service.team), clinician_in(service.team)]
    group = actions.create_group(
        by=facilitators[0],
        team=service.team,
        name="MBCT spring",
        kind=Group.Kind.MBCT,
        capacity=3,
        facilitators=facilitators,
        room=RoomFactory(capacity=12),
    )
    members = [participant(team=service.team) for _ in range(3)]
    for member in members:
        actions.add_group_member(by=facilitators[0], group=group, participant=member)
    with pytest.raises(actions.BookingRefused, match="is full"):
        actions.add_group_member(by=facilitators[0], group=group, participant=participant(team=service.team))
    series = actions.schedule_group_sessions(
        by=facilitators[0],
        group=group,
        first_date=next_weekday(2),
        local_time=dt.time(14),
        sessions=8,
    )
    assert series.appointments.count() == 8
    session = series.appointments.order_by("starts_at").first()
    assert session.kind == Appointment.Kind.GROUP
    assert session.clinician_rows.count() == 2 and session.attendees.count() == 3
    with time_machine.travel(session.starts_at + dt.timedelta(minutes=1)):
        a, b, c = session.attendees.order_by("id")
        actions.record_attendance(by=facilitators[0], attendee=a, code="5")
        actions.record_attendance(by=facilitators[0], attendee=b, code="3")
        actions.record_attendance(by=facilitators[0], attendee=c, code="2")
    assert list(session.attendees.order_by("id").values_list("attendance", "live")) == [
        ("5", True),
        ("3", True),
        ("2", False),
    ]


def test_first_attended_treatment_appointment_ends_the_referral_waiting_clock(service) -> None:
    someone = participant(team=service.team)
    assessment = book(participants=[someone], app_type=Appointment.Type.ASSESSMENT)
    missed = book(
        participants=[someone],
        app_type=Appointment.Type.TREATMENT,
        starts_at=assessment.starts_at + dt.timedelta(days=7),
    )
    treatment = book(
        participants=[someone],
        app_type=Appointment.Type.TREATMENT,
        starts_at=assessment.starts_at + dt.timedelta(days=14),
    )
    later = book(
        participants=[someone],
        app_type=Appointment.Type.TREATMENT,
        starts_at=assessment.starts_at + dt.timedelta(days=21),
    )
    for appointment, code in ((assessment, "5"), (missed, "3")):
        with time_machine.travel(appointment.starts_at):
            actions.record_attendance(
                by=appointment.created_by, attendee=appointment.attendees.get(), code=code
            )
    someone.referral.refresh_from_db()
    assert someone.referral.first_treatment_date is None
    with time_machine.travel(treatment.starts_at + dt.timedelta(minutes=10)):
        actions.record_attendance(by=treatment.created_by, attendee=treatment.attendees.get(), code="6")
    someone.referral.refresh_from_db()
    assert someone.referral.first_treatment_date == treatment.starts_at.astimezone(LONDON).date()
    assert someone.referral.status == "in_treatment"
    with time_machine.travel(later.starts_at):
        actions.record_attendance(by=later.created_by, attendee=later.attendees.get(), code="5")
    someone.referral.refresh_from_db()
    assert someone.referral.first_treatment_date == treatment.starts_at.astimezone(LONDON).date()
