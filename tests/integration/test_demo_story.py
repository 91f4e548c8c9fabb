"""The demo tells one true story: the referrals, the diary, the waiting clock and the ending
codes agree, as the actions keep them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from stepcare.patients.models import Patient
from stepcare.referrals.models import NOT_TAKEN_ON_CODES, TAKEN_ON_CODES, Referral
from stepcare.scheduling.models import ASSESSMENT_TYPES, Appointment, Attendee, GroupMember
from stepcare.scheduling.referral_link import attended_assessment_dates, attended_treatment_dates
from tests.demo_clock import build_demo_at_half_past_eight

pytestmark = pytest.mark.django_db
S = Referral.Status


@pytest.fixture
def demo() -> None:
    build_demo_at_half_past_eight("--patients", "200", "--seed", "5")


def test_check_derived_is_clean_on_a_fresh_demo(demo) -> None:
    out = io.StringIO()
    call_command("check_derived", stdout=out)
    assert "agree with the diary" in out.getvalue()


def test_every_referral_in_treatment_attended_an_assessment_before_its_first_treatment(demo) -> None:
    treated = Referral.objects.filter(treatment_contact_count__gt=0).exclude(status=S.ENTERED_IN_ERROR)
    assert treated.filter(status=S.IN_TREATMENT).count() > 10
    assessed = attended_assessment_dates(treated.values_list("pk", flat=True))
    for referral in treated:
        days = assessed.get(referral.pk, [])
        assert days and min(days) < referral.first_treatment_date, referral.reference
        assert referral.assessment_date == min(days)


def test_statuses_and_ending_codes_agree_with_the_diary(demo) -> None:
    dates = attended_treatment_dates(Referral.objects.values_list("pk", flat=True))
    for referral in Referral.objects.exclude(status=S.ENTERED_IN_ERROR):
        attended = dates.get(referral.pk, [])
        if referral.status == S.IN_TREATMENT or referral.end_code in TAKEN_ON_CODES:
            assert attended, referral.reference
        if referral.status in (S.WAITING, S.ALLOCATED) or referral.end_code in NOT_TAKEN_ON_CODES:
            assert not attended, referral.reference
        if referral.discharge_date and attended:
            assert max(attended) <= referral.discharge_date
        if referral.end_code in {"10", "17", "95"}:
            assert referral.assessment_date is not None
        if referral.end_code == "50":
            assert referral.assessment_date is None
        if referral.end_code == "13":
            assert referral.onward_referrals.filter(kind="referral").exists()


def test_nothing_is_booked_after_a_referral_ended(demo) -> None:
    assert not Attendee.objects.filter(
        referral__status=S.ENDED,
        live=True,
        starts_at__gt=timezone.now(),
        appointment__status=Appointment.Status.BOOKED,
    ).exists()


def test_group_members_joined_before_their_first_session(demo) -> None:
    members = list(GroupMember.objects.select_related("group"))
    assert members
    for member in members:
        first = member.group.sessions.order_by("starts_at").first()
        assert first is not None and member.joined_at < first.starts_at
        assessment = Attendee.objects.filter(
            referral=member.referral,
            appointment__app_type__in=ASSESSMENT_TYPES,
            attendance__in=Attendee.ATTENDED,
        ).order_by("starts_at")
        assert assessment.exists() and assessment.first().starts_at < first.starts_at


def test_each_patients_clinician_is_the_one_allocated_to_their_open_referral(demo) -> None:
    for patient in Patient.objects.all():
        allocated = {
            r.allocated_to_id
            for r in Referral.objects.open().filter(patient=patient, allocated_to__isnull=False)
        }
        if allocated:
            assert patient.allocated_clinician_id in allocated
        else:
            assert patient.allocated_clinician_id is None


def test_each_team_s_employment_adviser_has_people_referred_to_them_and_sees_only_those(demo) -> None:
    from stepcare.accounts.permissions import Permission, Role, has_permission
    from stepcare.patients.models import EmploymentSupport, Patient

    supports = list(EmploymentSupport.objects.select_related("patient", "adviser"))
    assert supports, "the demo refers some people in treatment to employment support"
    for support in supports:
        assert (
            support.patient.team_id,
            Role.EMPLOYMENT_ADVISER.value,
        ) in support.adviser.active_memberships()
        assert has_permission(support.adviser, Permission.VIEW_PATIENT, obj=support.patient)
    adviser = supports[0].adviser
    referred = {s.patient_id for s in supports if s.adviser_id == adviser.pk}
    others = Patient.objects.filter(team_id=supports[0].patient.team_id).exclude(pk__in=referred)[:5]
    assert not any(has_permission(adviser, Permission.VIEW_PATIENT, obj=p) for p in others)


def test_every_course_ended_after_treatment_was_allocated_to_a_clinician_who_saw_it(demo) -> None:
    """Ending a referral clears ``allocated_to``; the demo keeps, as the actions do, the ended
    allocation saying who treated it, so a clinician's caseload counts the courses they finished."""
    from stepcare.outcomes.selectors.caseload import _finished_courses
    from stepcare.referrals.models import Allocation
    from stepcare.scheduling.models import AppointmentClinician

    ended = Referral.objects.filter(status=S.ENDED, treatment_contact_count__gt=0)
    assert ended.count() > 10
    for referral in ended:
        allocation = Allocation.objects.filter(referral=referral).order_by("pk").last()
        assert allocation is not None and allocation.ended_at is not None, referral.reference
        assert AppointmentClinician.objects.filter(
            clinician=allocation.therapist, appointment__attendees__referral=referral
        ).exists(), referral.reference
    today = timezone.localdate()
    therapists = {
        a.therapist for a in Allocation.objects.filter(referral__in=ended).select_related("therapist")
    }
    assert sum(_finished_courses(t, today).count() for t in therapists) > 0
