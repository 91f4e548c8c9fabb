"""A state machine over booking, attending, correcting, cancelling, ending and re-opening:
whatever order they come in, the referral, the diary, the waiting clock and the ending code
agree after every step."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from stepcare.accounts.permissions import Role
from stepcare.referrals import actions
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    NOT_ASSESSED_CODES,
    NOT_TAKEN_ON_CODES,
    TAKEN_ON_CODES,
    Referral,
)
from stepcare.referrals.transitions import MoveRefused
from stepcare.scheduling import actions as diary
from stepcare.scheduling.models import Appointment, Attendee
from stepcare.scheduling.referral_link import attended_treatment_dates
from stepcare.scheduling.selectors import due_reminders
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import MembershipFactory, TeamFactory
from tests.factories.referrals import ReferralFactory

S = Referral.Status
A = Attendee.AttendOrDNA
# Taken-on codes twice over, so that endings after treatment come up as often as the others.
END_CODES = sorted(TAKEN_ON_CODES - {"49"}) * 2 + sorted(NOT_TAKEN_ON_CODES - {"13", "17"})
REFUSED = (MoveRefused, diary.BookingRefused)


class ReferralStory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.team = TeamFactory()
        self.hit = MembershipFactory(team=self.team, role=Role.HIGH_INTENSITY_THERAPIST).user
        self.manager = MembershipFactory(team=self.team, role=Role.SERVICE_MANAGER).user
        self.referral = self._accepted(ReferralFactory(team=self.team, received_on=self._day(80)))
        self.patient = self.referral.patient
        self.referrals = [self.referral]
        self.past: list[Appointment] = []
        self.future: list[Appointment] = []
        self.used: set[tuple[int, int]] = set()

    @staticmethod
    def _day(days_ago: int) -> dt.date:
        return timezone.localdate() - dt.timedelta(days=days_ago)

    def _accepted(self, referral: Referral) -> Referral:
        actions.screen(by=self.hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
        actions.decide(by=self.hit, referral=referral, outcome="accept_3", reason="CBT.", rules_shown=[])
        return actions.allocate(by=self.manager, referral=referral, therapist=self.hit)

    def _book(self, when: dt.datetime, app_type: str) -> Appointment | None:
        try:
            return diary.book_appointment(
                by=self.hit,
                participants=[diary.Participant(self.patient, self.referral)],
                clinicians=[self.hit],
                app_type=app_type,
                delivery_mode=Appointment.DeliveryMode.TELEPHONE,
                starts_at=when,
                duration=dt.timedelta(minutes=50),
            )
        except diary.BookingRefused:
            self.referral.refresh_from_db()
            assert not self.referral.is_open or self.patient.referrals.filter(status=S.ENDED).exists()
            return None

    @rule(
        days_ago=st.integers(1, 79),
        hour=st.integers(8, 16),
        app_type=st.sampled_from([Appointment.Type.TREATMENT, Appointment.Type.ASSESSMENT]),
    )
    def book_in_the_past(self, days_ago: int, hour: int, app_type: str) -> None:
        if (days_ago, hour) in self.used:
            return
        self.used.add((days_ago, hour))
        booked = self._book(local(self._day(days_ago), dt.time(hour)), app_type)
        if booked is not None:
            self.past.append(booked)

    @rule(days_ahead=st.integers(2, 40), hour=st.integers(8, 16))
    def book_in_the_future(self, days_ahead: int, hour: int) -> None:
        if (-days_ahead, hour) in self.used:
            return
        self.used.add((-days_ahead, hour))
        booked = self._book(local(self._day(-days_ahead), dt.time(hour)), Appointment.Type.TREATMENT)
        if booked is not None:
            self.future.append(booked)

    @precondition(lambda self: self.past)
    @rule(data=st.data(), code=st.sampled_from([A.ATTENDED_ON_TIME, A.ARRIVED_LATE_SEEN]))
    def attend(self, data: st.DataObject, code: str) -> None:
        appointment = data.draw(st.sampled_from(self.past))
        with contextlib.suppress(REFUSED):
            diary.record_attendance(by=self.hit, attendee=appointment.attendees.get(), code=code)

    @precondition(lambda self: self.past)
    @rule(
        data=st.data(),
        code=st.sampled_from(
            [A.ATTENDED_ON_TIME, A.ARRIVED_LATE_SEEN, A.ARRIVED_LATE_NOT_SEEN, A.DID_NOT_ATTEND]
        ),
    )
    def correct_attendance(self, data: st.DataObject, code: str) -> None:
        appointment = data.draw(st.sampled_from(self.past))
        with contextlib.suppress(REFUSED):
            diary.record_attendance(by=self.hit, attendee=appointment.attendees.get(), code=code)

    @precondition(lambda self: self.past or self.future)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        appointment = data.draw(st.sampled_from(self.past + self.future))
        with contextlib.suppress(REFUSED):
            diary.cancel_appointment(
                by=self.hit, appointment=appointment, cancelled_by="2", reason="patient_unwell"
            )

    @precondition(lambda self: len(self.past) >= 2)
    @rule(code=st.sampled_from(END_CODES))
    def end(self, code: str) -> None:
        with contextlib.suppress(REFUSED):
            event("end attempted")
            actions.end_referral(
                by=self.hit,
                referral=self.referral,
                end_code=code,
                discharge_date=timezone.localdate(),
                summary="x",
            )
            event(f"ended {'taken on' if code in TAKEN_ON_CODES else 'not taken on'}")

    @rule()
    def reopen(self) -> None:
        try:
            new = actions.reopen(by=self.hit, referral=self.referral, reason="Seen again.")
        except REFUSED:
            return
        event("re-opened")
        self.referral = self._accepted(new)
        self.referrals.append(self.referral)

    @invariant()
    def the_referral_agrees_with_the_diary(self) -> None:
        dates = attended_treatment_dates(r.pk for r in self.referrals)
        for referral in Referral.objects.filter(pk__in=[r.pk for r in self.referrals]):
            want = actions.TreatmentContacts.from_dates(dates.get(referral.pk, []))
            assert actions.TreatmentContacts.of(referral) == want, referral.reference
            if referral.status in (S.WAITING, S.ALLOCATED):
                assert want.count == 0
            if referral.status == S.IN_TREATMENT:
                assert want.count > 0
            if referral.end_code in TAKEN_ON_CODES:
                assert want.count > 0
            if referral.end_code in NOT_TAKEN_ON_CODES:
                assert want.count == 0
            if referral.end_code in ASSESSED_ONLY_CODES:
                assert referral.assessment_date is not None
            if referral.end_code in NOT_ASSESSED_CODES:
                assert referral.assessment_date is None
            if not referral.is_open:
                assert referral.allocated_to_id is None
                assert not Attendee.objects.filter(
                    referral=referral, live=True, starts_at__gt=timezone.now()
                ).exists()
        assert (
            not due_reminders(lead=dt.timedelta(days=60))
            .exclude(referral__status__in=Referral.OPEN_STATUSES)
            .exists()
        )
        open_count = Referral.objects.open().filter(patient=self.patient).count()
        assert open_count <= 1


@pytest.mark.django_db
def test_any_order_of_booking_attending_correcting_cancelling_ending_and_reopening_keeps_one_story() -> None:
    run_state_machine_as_test(
        ReferralStory,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
