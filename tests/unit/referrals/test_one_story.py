"""One story from referral to discharge: whatever order things happen in, the referral, the
diary, the waiting clock and the ending code agree."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients import actions as patient_actions
from stepcare.patients.models import RiskFlag
from stepcare.patients.selectors import patient_ids_with_current_risk
from stepcare.referrals import actions, selectors, waits
from stepcare.referrals.models import Referral
from stepcare.referrals.transitions import MoveRefused
from stepcare.scheduling import actions as diary
from stepcare.scheduling import notifications, tasks
from stepcare.scheduling.models import Appointment, Attendee, GroupMember, Message
from stepcare.scheduling.selectors import dna_suggestion, due_reminders
from stepcare.scheduling.timeslots import local
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AgencyFactory, ReferralFactory, TherapistProfileFactory
from tests.factories.scheduling import attend, next_weekday, start_group

pytestmark = pytest.mark.django_db
S = Referral.Status
A = Attendee.AttendOrDNA
TODAY = timezone.localdate


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _accepted(
    service, *, step: str = "accept_3", received_days_ago: int = 60, allocate: bool = True
) -> Referral:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = ReferralFactory(team=service.team, received_on=_days_ago(received_days_ago))
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    actions.decide(by=hit, referral=referral, outcome=step, reason="Meets the criteria.", rules_shown=[])
    if allocate:
        therapist = hit if step == "accept_3" else service.staff[Role.PWP]
        actions.allocate(by=service.staff[Role.SERVICE_MANAGER], referral=referral, therapist=therapist)
    referral.refresh_from_db()
    return referral


def _book_future(referral: Referral, *, weeks_ahead: int = 1, clinician=None) -> Appointment:
    clinician = clinician or referral.allocated_to
    return diary.book_appointment(
        by=clinician,
        participants=[diary.Participant(referral.patient, referral)],
        clinicians=[clinician],
        app_type=Appointment.Type.TREATMENT,
        delivery_mode=Appointment.DeliveryMode.TELEPHONE,
        starts_at=local(next_weekday(2, weeks_ahead=weeks_ahead), dt.time(11)),
    )


def _correct(attendee: Attendee, code: str) -> None:
    diary.record_attendance(by=attendee.appointment.created_by, attendee=attendee, code=code)


def _fields(referral: Referral) -> tuple:
    referral.refresh_from_db()
    return (
        referral.first_treatment_date,
        referral.second_treatment_date,
        referral.last_treatment_date,
        referral.treatment_contact_count,
    )


# Rule 1: the first treatment date is derived, never stale ----------------------------------


def test_the_first_treatment_date_is_the_earliest_attended_one_whatever_order_attendance_is_recorded(
    service,
) -> None:
    referral = _accepted(service)
    later = attend(referral, on=_days_ago(7), code=A.ATTENDED_ON_TIME)
    assert _fields(referral) == (_days_ago(7), None, _days_ago(7), 1)
    attend(referral, on=_days_ago(14), code=A.ARRIVED_LATE_SEEN)
    assert _fields(referral) == (_days_ago(14), _days_ago(7), _days_ago(7), 2)
    assert referral.status == S.IN_TREATMENT
    _correct(later, A.DID_NOT_ATTEND)
    assert _fields(referral) == (_days_ago(14), None, _days_ago(14), 1)


def test_correcting_the_only_attended_treatment_to_did_not_attend_returns_the_referral_to_waiting(
    service,
) -> None:
    referral = _accepted(service)
    only = attend(referral, on=_days_ago(3))
    assert _fields(referral)[0] == _days_ago(3) and referral.status == S.IN_TREATMENT
    _correct(only, A.DID_NOT_ATTEND)
    assert _fields(referral) == (None, None, None, 0)
    assert referral.status == S.ALLOCATED
    _correct(only, A.ATTENDED_ON_TIME)
    assert _fields(referral)[0] == _days_ago(3) and referral.status == S.IN_TREATMENT


def test_arriving_late_and_not_seen_is_not_treatment(service) -> None:
    referral = _accepted(service)
    attend(referral, on=_days_ago(2), code=A.ARRIVED_LATE_NOT_SEEN)
    assert _fields(referral) == (None, None, None, 0) and referral.status == S.ALLOCATED


def test_an_assessment_appointment_is_not_a_treatment_contact(service) -> None:
    referral = _accepted(service)
    attend(referral, on=_days_ago(9), app_type=Appointment.Type.ASSESSMENT)
    assert _fields(referral)[3] == 0


def test_treatment_can_only_be_booked_on_a_referral_accepted_at_step_2_or_3(service) -> None:
    referral = ReferralFactory(team=service.team, received_on=_days_ago(30))
    with pytest.raises(diary.BookingRefused, match="not been accepted for treatment"):
        attend(referral, on=_days_ago(1), clinician=service.staff[Role.HIGH_INTENSITY_THERAPIST])
    assert not Appointment.objects.exists()


def test_an_attended_assessment_records_the_assessment_and_moves_the_referral_on_from_triage(service) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = ReferralFactory(team=service.team, received_on=_days_ago(30))
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    attend(referral, on=_days_ago(4), app_type=Appointment.Type.ASSESSMENT, clinician=hit)
    referral.refresh_from_db()
    assert (referral.status, referral.assessment_date, referral.assessed_by) == (
        S.ASSESSED,
        _days_ago(4),
        hit,
    )


def test_attendance_dated_before_the_referral_was_received_is_refused_with_a_message(service) -> None:
    referral = _accepted(service, received_days_ago=10)
    with pytest.raises(diary.BookingRefused, match="before the referral was received"):
        attend(referral, on=_days_ago(20))
    assert _fields(referral) == (None, None, None, 0)


def test_a_taken_on_ending_cannot_be_left_without_its_treatment_by_a_correction(service) -> None:
    referral = _accepted(service)
    only = attend(referral, on=_days_ago(5))
    actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        end_code="47",
        discharge_date=TODAY(),
        summary="Stopped attending.",
    )
    with pytest.raises(diary.BookingRefused, match="needs at least one attended treatment"):
        _correct(only, A.DID_NOT_ATTEND)
    assert _fields(referral)[3] == 1


def test_check_derived_reports_a_stale_field_and_exits_non_zero(service) -> None:
    referral = _accepted(service)
    attend(referral, on=_days_ago(5))
    attend(referral, on=_days_ago(12))
    out = io.StringIO()
    call_command("check_derived", stdout=out)
    assert "agree with the diary" in out.getvalue()
    Referral.objects.filter(pk=referral.pk).update(first_treatment_date=_days_ago(13))
    with pytest.raises(CommandError, match="1 referral"):
        call_command("check_derived", stdout=out)
    assert referral.reference in out.getvalue()
    with pytest.raises(CommandError, match="corrected"):
        call_command("check_derived", "--fix", stdout=io.StringIO())
    call_command("check_derived", stdout=io.StringIO())
    assert _fields(referral) == (_days_ago(12), _days_ago(5), _days_ago(5), 2)


# Rule 2: ending codes agree with the diary ------------------------------------------------------


@pytest.mark.parametrize("code", ["10", "17", "95"])
def test_an_assessed_only_ending_needs_an_assessment(service, code) -> None:
    referral = _accepted(service)
    with pytest.raises(MoveRefused, match="no assessment is recorded"):
        actions.end_referral(
            by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
            referral=referral,
            end_code=code,
            discharge_date=TODAY(),
            summary="x",
        )


def test_not_assessed_is_refused_once_an_assessment_was_attended(service) -> None:
    referral = _accepted(service)
    attend(referral, on=_days_ago(3), app_type=Appointment.Type.ASSESSMENT)
    referral.refresh_from_db()
    with pytest.raises(MoveRefused, match="An assessment is recorded"):
        actions.end_referral(
            by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
            referral=referral,
            end_code="50",
            discharge_date=TODAY(),
            summary="x",
        )


def test_discharging_as_deceased_marks_the_patient_deceased_and_stops_all_contact(
    service, django_capture_on_commit_callbacks
) -> None:
    notifications.FakeNotifyAdapter.outbox.clear()
    referral = _accepted(service)
    attend(referral, on=_days_ago(8))
    future = _book_future(referral)
    with django_capture_on_commit_callbacks(execute=True):
        actions.end_referral(
            by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
            referral=referral,
            end_code="49",
            discharge_date=_days_ago(1),
            summary="Died suddenly; family informed the GP.",
        )
    patient = referral.patient
    patient.refresh_from_db()
    future.refresh_from_db()
    assert patient.date_of_death == _days_ago(1) and patient.is_deceased
    assert future.is_cancelled and future.cancelled_by == "4"
    assert not Message.objects.filter(kind=Message.Kind.CANCELLED).exists()
    assert notifications.FakeNotifyAdapter.outbox == []
    with pytest.raises(diary.BookingRefused, match="has died"):
        _book_future(referral, weeks_ahead=2, clinician=service.staff[Role.HIGH_INTENSITY_THERAPIST])


# Rule 3: nothing is sent or booked for an ended referral --------------------------------------


def test_ending_a_referral_cancels_its_future_appointments_and_clears_the_allocation(
    service, django_capture_on_commit_callbacks
) -> None:
    referral = _accepted(service)
    attend(referral, on=_days_ago(8))
    future = _book_future(referral)
    with django_capture_on_commit_callbacks(execute=True):
        actions.end_referral(
            by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
            referral=referral,
            end_code="46",
            discharge_date=TODAY(),
            summary="Completed.",
        )
    future.refresh_from_db()
    referral.refresh_from_db()
    assert (future.status, future.cancelled_by, future.cancellation_reason) == (
        "cancelled",
        "4",
        Appointment.CancellationReason.COURSE_ENDED,
    )
    assert referral.allocated_to is None and referral.patient.allocated_clinician is None
    assert not referral.allocations.filter(ended_at__isnull=True).exists()
    assert not due_reminders(now=future.starts_at - dt.timedelta(hours=2)).exists()
    with pytest.raises(diary.BookingRefused, match="nothing can be booked on it"):
        _book_future(referral, weeks_ahead=3, clinician=service.staff[Role.HIGH_INTENSITY_THERAPIST])


def test_marking_entered_in_error_cancels_future_appointments(service) -> None:
    referral = _accepted(service)
    future = _book_future(referral)
    actions.mark_entered_in_error(
        by=service.staff[Role.ADMINISTRATOR], referral=referral, reason="Duplicate of another referral."
    )
    future.refresh_from_db()
    assert future.is_cancelled and future.cancellation_reason == "booked_in_error"


def test_recording_a_death_cancels_every_future_appointment_without_a_message(
    service, django_capture_on_commit_callbacks
) -> None:
    referral = _accepted(service)
    future = _book_future(referral)
    with django_capture_on_commit_callbacks(execute=True):
        patient_actions.record_death(
            by=service.staff[Role.HIGH_INTENSITY_THERAPIST], patient=referral.patient, date_of_death=TODAY()
        )
    future.refresh_from_db()
    referral.refresh_from_db()
    assert future.is_cancelled and referral.allocated_to is None
    assert not Message.objects.filter(kind=Message.Kind.CANCELLED).exists()


def test_a_reminder_already_queued_when_the_referral_ends_is_not_sent(service) -> None:
    notifications.FakeNotifyAdapter.outbox.clear()
    referral = _accepted(service)
    future = _book_future(referral)
    queued = future.attendees.get()
    actions.mark_entered_in_error(
        by=service.staff[Role.ADMINISTRATOR], referral=referral, reason="Sent to the wrong service."
    )
    assert tasks.send_appointment_message(queued.pk, Message.Kind.REMINDER) == 0
    assert notifications.FakeNotifyAdapter.outbox == []


def test_the_reminder_job_checks_the_patient_at_send_time(service) -> None:
    notifications.FakeNotifyAdapter.outbox.clear()
    referral = _accepted(service)
    future = _book_future(referral)
    queued = future.attendees.get()
    # The death is recorded elsewhere (the place is still live in this stale row).
    type(referral.patient).objects.filter(pk=referral.patient_id).update(date_of_death=TODAY())
    assert tasks.send_appointment_message(queued.pk, Message.Kind.REMINDER) == 0


def test_ending_takes_the_person_off_their_group_and_its_sessions(service) -> None:
    referral = _accepted(service)
    group = start_group(team=service.team, sessions=3)
    member = diary.add_group_member(
        by=referral.allocated_to, group=group, participant=diary.Participant(referral.patient, referral)
    )
    actions.mark_entered_in_error(
        by=service.staff[Role.ADMINISTRATOR], referral=referral, reason="Wrong person."
    )
    member.refresh_from_db()
    assert member.left_at is not None
    places = Attendee.objects.filter(referral=referral)
    assert places.count() == 3 and not places.filter(live=True).exists()
    assert all(s.status == "booked" for s in group.sessions.all())
    assert not GroupMember.objects.filter(referral=referral, left_at__isnull=True).exists()


# Rule 4: re-open is guarded -----------------------------------------------------------------------


def _ended(service) -> Referral:
    referral = _accepted(service, allocate=False)
    actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        end_code="14",
        discharge_date=TODAY(),
        summary="Declined.",
    )
    referral.refresh_from_db()
    return referral


def test_a_referral_is_never_reopened_after_the_persons_death(service) -> None:
    referral = _ended(service)
    patient_actions.record_death(by=service.staff[Role.PWP], patient=referral.patient, date_of_death=TODAY())
    with pytest.raises(MoveRefused, match="cannot be re-opened"):
        actions.reopen(by=service.staff[Role.ADMINISTRATOR], referral=referral, reason="Asked again.")


def test_a_second_open_referral_needs_confirmation_and_a_reason(service) -> None:
    referral = _ended(service)
    other = ReferralFactory(team=service.team, patient=referral.patient)
    admin = service.staff[Role.ADMINISTRATOR]
    with pytest.raises(actions.SecondOpenReferral, match=other.reference) as refused:
        actions.reopen(by=admin, referral=referral, reason="Asked again.")
    assert refused.value.existing == other
    with pytest.raises(MoveRefused, match="Say why a second"):
        actions.reopen(by=admin, referral=referral, reason="Asked again.", confirm_second=True)
    new = actions.reopen(
        by=admin, referral=referral, reason="Asked again.", confirm_second=True, second_reason="Couples work."
    )
    assert new.previous_referral == referral
    event = AuditEvent.objects.filter(object_id=str(new.pk)).latest("id")
    assert event.detail["second_open_referral"] == "Couples work."


def test_reopening_links_the_new_referral_to_the_old(service) -> None:
    referral = _ended(service)
    new = actions.reopen(by=service.staff[Role.ADMINISTRATOR], referral=referral, reason="Low mood again.")
    assert new.previous_referral == referral and new.status == S.RECEIVED


# Rule 7: risk -------------------------------------------------------------------------------------


def test_clearing_a_risk_concern_needs_a_reason_in_the_action_and_the_audit(service) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    patient = PatientFactory(team=service.team)
    flag = patient_actions.raise_risk_flag(by=hit, patient=patient, summary="Thoughts of self-harm.")
    with pytest.raises(patient_actions.PatientChangeRefused, match="why"):
        patient_actions.clear_risk_flag(by=hit, flag=flag, reason="   ")
    flag.refresh_from_db()
    assert flag.cleared_at is None
    patient_actions.clear_risk_flag(
        by=hit, flag=flag, reason="Reviewed: safety plan in place, no current intent."
    )
    event = AuditEvent.objects.filter(object_id=str(flag.pk)).latest("id")
    assert event.detail["reason"] == "Reviewed: safety plan in place, no current intent."


def test_acute_risk_at_screening_becomes_a_risk_concern_until_a_clinician_reviews_it(service) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = ReferralFactory(team=service.team)
    other = PatientFactory(team=service.team)
    actions.screen(
        by=hit, referral=referral, notes="Plans to end life.", acute_risk=True, secondary_care=False
    )
    flag = RiskFlag.objects.get(patient=referral.patient)
    assert "Acute risk noted at screening" in flag.summary and "Plans to end life." in flag.summary
    assert patient_ids_with_current_risk(patient_ids=[referral.patient_id, other.pk]) == {referral.patient_id}
    patient_actions.clear_risk_flag(by=hit, flag=flag, reason="Reviewed with the crisis team.")
    assert patient_ids_with_current_risk(patient_ids=[referral.patient_id]) == set()


# Rule 8: allocation matches role to step -------------------------------------------------------


def test_allocation_refuses_a_clinician_whose_role_does_not_match_the_step(service) -> None:
    manager = service.staff[Role.SERVICE_MANAGER]
    step3 = _accepted(service, allocate=False)
    with pytest.raises(MoveRefused, match="high-intensity therapist"):
        actions.allocate(by=manager, referral=step3, therapist=service.staff[Role.PWP])
    with pytest.raises(MoveRefused, match="high-intensity therapist"):
        actions.allocate(by=manager, referral=step3, therapist=service.staff[Role.EMPLOYMENT_ADVISER])
    step2 = _accepted(service, step="accept_2", allocate=False)
    with pytest.raises(MoveRefused, match="wellbeing practitioner"):
        actions.allocate(by=manager, referral=step2, therapist=service.staff[Role.HIGH_INTENSITY_THERAPIST])
    actions.allocate(by=manager, referral=step2, therapist=service.staff[Role.PWP])


def test_a_trainee_takes_step_3_work_only_with_a_named_supervisor(service) -> None:
    manager = service.staff[Role.SERVICE_MANAGER]
    trainee = service.staff[Role.TRAINEE_HIGH_INTENSITY_THERAPIST]
    referral = _accepted(service, allocate=False)
    assert trainee not in selectors.allocatable_users(team=service.team, step="3")
    with pytest.raises(MoveRefused):
        actions.allocate(by=manager, referral=referral, therapist=trainee)
    TherapistProfileFactory(user=trainee, supervisor=service.staff[Role.CLINICAL_SUPERVISOR])
    assert set(selectors.allocatable_users(team=service.team, step="3")) == {
        trainee,
        service.staff[Role.HIGH_INTENSITY_THERAPIST],
    }
    actions.allocate(by=manager, referral=referral, therapist=trainee)


def test_the_patients_clinician_is_the_one_allocated_to_their_open_referral(service) -> None:
    referral = _accepted(service)
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    assert referral.patient.allocated_clinician == hit
    actions.change_step(by=hit, referral=referral, to_step="2", handover_summary="Stepping down.")
    referral.patient.refresh_from_db()
    assert referral.patient.allocated_clinician is None


# Rule 9: missed appointments ---------------------------------------------------------------------


def test_the_dna_policy_counts_did_not_attend_and_late_not_seen_alike(service) -> None:
    referral = _accepted(service)
    attend(referral, on=_days_ago(10), code=A.DID_NOT_ATTEND)
    late = attend(referral, on=_days_ago(3), code=A.ARRIVED_LATE_NOT_SEEN)
    assert late.is_missed and not late.is_attended
    assert dna_suggestion(attendee=late, service_id=service.team.service_id).missed == 2
    assert (sorted(Attendee.MISSED), sorted(Attendee.ATTENDED), sorted(Attendee.CANCELLED)) == (
        ["3", "7"],
        ["5", "6"],
        ["2", "4"],
    )


# Rule 10: waits -----------------------------------------------------------------------------------


def test_a_pause_cannot_start_in_the_future(service) -> None:
    referral = _accepted(service, allocate=False)
    with pytest.raises(MoveRefused, match="cannot be in the future"):
        actions.pause_wait(
            by=service.staff[Role.ADMINISTRATOR],
            referral=referral,
            start_date=TODAY() + dt.timedelta(days=3),
            reason="Holiday.",
        )


def test_pauses_are_clipped_to_the_referrals_dates_when_counted() -> None:
    received = dt.date(2026, 3, 1)
    early = waits.Pause(dt.date(2026, 2, 20), dt.date(2026, 3, 5))
    assert waits.days_waited(received=received, today=dt.date(2026, 3, 11), pauses=[early]) == 6
    assert (
        waits.days_waited(
            received=received,
            today=dt.date(2026, 3, 11),
            pauses=[waits.Pause(dt.date(2026, 2, 1), dt.date(2026, 2, 10))],
        )
        == 10
    )


def test_the_national_wait_ignores_pauses_and_the_local_wait_counts_them() -> None:
    received, first = dt.date(2026, 1, 5), dt.date(2026, 3, 2)
    pause = [waits.Pause(dt.date(2026, 1, 12), dt.date(2026, 1, 26))]
    assert waits.national_wait(received=received, first_treatment=first, today=first) == 56
    assert waits.local_wait(received=received, first_treatment=first, today=first, pauses=pause) == 42


@pytest.mark.parametrize(
    ("gap", "over_28", "over_90"), [(28, False, False), (29, True, False), (91, True, True)]
)
def test_the_first_to_second_treatment_wait_is_flagged_over_28_and_90_days(gap, over_28, over_90) -> None:
    first = dt.date(2026, 1, 5)
    wait = waits.first_to_second(first=first, second=first + dt.timedelta(days=gap))
    assert wait is not None and (wait.days, wait.over_28_days, wait.over_90_days) == (gap, over_28, over_90)
    assert waits.first_to_second(first=first, second=None) is None


# Rule 11: onward referral --------------------------------------------------------------------------


def test_an_onward_referral_names_the_organisation_from_the_directory_or_typed(service) -> None:
    referral = _accepted(service)
    by = service.staff[Role.ADMINISTRATOR]
    with pytest.raises(MoveRefused, match="Say where to"):
        actions.record_onward_referral(by=by, referral=referral, kind="signpost", reason="Debt.")
    typed = actions.record_onward_referral(
        by=by, referral=referral, organisation_name="Northbrook Debt Line", kind="signpost", reason="Debt."
    )
    listed = actions.record_onward_referral(
        by=by,
        referral=referral,
        agency=AgencyFactory(name="Shelter Northbrook"),
        kind="referral",
        reason="Housing.",
    )
    assert (typed.organisation, listed.organisation) == ("Northbrook Debt Line", "Shelter Northbrook")


def test_ending_as_referred_elsewhere_needs_the_onward_referral_first(service) -> None:
    referral = _accepted(service, allocate=False)
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    with pytest.raises(MoveRefused, match="Record where the person was referred on to"):
        actions.end_referral(by=hit, referral=referral, end_code="13", discharge_date=TODAY(), summary="x")
    actions.record_onward_referral(
        by=hit,
        referral=referral,
        organisation_name="Community mental health team",
        kind="referral",
        reason="x",
    )
    actions.end_referral(by=hit, referral=referral, end_code="13", discharge_date=TODAY(), summary="x")
    referral.refresh_from_db()
    assert referral.end_code == "13"
