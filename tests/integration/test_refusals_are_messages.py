"""Every refusal from an action reaches the user as a message on the page, with what they typed
kept, never as a server error: each POST view, driven with each domain error its action raises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals import actions
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions as diary
from stepcare.scheduling.models import Appointment
from stepcare.scheduling.timeslots import local
from tests.factories.referrals import ReferralFactory
from tests.factories.scheduling import attend

pytestmark = pytest.mark.django_db
S = Referral.Status


def _d(days_ago: int = 0) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).strftime("%d/%m/%Y")


def _accepted(service, *, allocate: bool = True, received_days_ago: int = 40) -> Referral:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = ReferralFactory(
        team=service.team, received_on=timezone.localdate() - dt.timedelta(days=received_days_ago)
    )
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    actions.decide(by=hit, referral=referral, outcome="accept_3", reason="CBT.", rules_shown=[])
    if allocate:
        actions.allocate(by=service.staff[Role.SERVICE_MANAGER], referral=referral, therapist=hit)
    referral.refresh_from_db()
    return referral


@dataclass(frozen=True)
class Case:
    role: Role
    view: str
    setup: Callable[[Any], Referral]
    data: dict[str, str]
    message: str
    kept: str = ""


def _screened(service) -> Referral:
    referral = ReferralFactory(team=service.team, received_on=timezone.localdate() - dt.timedelta(days=10))
    actions.screen(
        by=service.staff[Role.PWP], referral=referral, notes="", acute_risk=False, secondary_care=False
    )
    return referral


def _ended(service) -> Referral:
    referral = _accepted(service, allocate=False)
    actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        end_code="14",
        discharge_date=timezone.localdate(),
        summary="Declined.",
    )
    ReferralFactory(team=service.team, patient=referral.patient)  # another open referral
    return referral


def _paused(service) -> Referral:
    referral = _accepted(service, allocate=False)
    actions.pause_wait(
        by=service.staff[Role.ADMINISTRATOR],
        referral=referral,
        start_date=timezone.localdate() - dt.timedelta(days=5),
        reason="Away.",
    )
    return referral


CASES = {
    "assessment-before-receipt": Case(
        Role.PWP,
        "assessment",
        _screened,
        {"assessment_date": _d(30)},
        "is before the referral was received",
        _d(30),
    ),
    "decision-refer-on-without-onward": Case(
        Role.HIGH_INTENSITY_THERAPIST,
        "decide",
        _screened,
        {"outcome": "refer_elsewhere", "reason": "Needs secondary care."},
        "Record where the person was referred on to",
        "Needs secondary care.",
    ),
    "problem-secondary-same-as-primary": Case(
        Role.HIGH_INTENSITY_THERAPIST,
        "problem",
        _screened,
        {"primary": "F32", "secondary": "F32", "recorded_on": _d(), "note": "Typed note"},
        "must differ from the primary",
        "Typed note",
    ),
    "pause-before-last-ended": Case(
        Role.ADMINISTRATOR,
        "pause",
        _paused,
        {"start_date": _d(1), "reason": "Again, typed"},
        "already paused",
        "Again, typed",
    ),
    "resume-before-pause-started": Case(
        Role.ADMINISTRATOR,
        "resume",
        _paused,
        {"end_date": _d(9)},
        "cannot end before it started",
        _d(9),
    ),
    "step-to-the-same-step": Case(
        Role.HIGH_INTENSITY_THERAPIST,
        "step",
        lambda s: _accepted(s),
        {"to_step": "3", "handover_summary": "Typed handover"},
        "already at step 3",
        "Typed handover",
    ),
    "signpost-without-organisation": Case(
        Role.PWP,
        "signpost",
        _screened,
        {"kind": "signpost", "reason": "Typed reason for signposting"},
        "Say where to",
        "Typed reason for signposting",
    ),
    "end-taken-on-without-treatment": Case(
        Role.HIGH_INTENSITY_THERAPIST,
        "end",
        lambda s: _accepted(s),
        {"end_code": "46", "discharge_date": _d(), "summary": "Typed summary"},
        "no treatment is recorded",
        "Typed summary",
    ),
    "end-not-assessed-after-assessment": Case(
        Role.HIGH_INTENSITY_THERAPIST,
        "end",
        lambda s: _assessed_in_diary(s),
        {"end_code": "50", "discharge_date": _d(), "summary": "Typed summary"},
        "An assessment is recorded",
        "Typed summary",
    ),
    "reopen-second-open-referral": Case(
        Role.ADMINISTRATOR,
        "reopen",
        _ended,
        {"reason": "Typed reason to re-open"},
        "already has an open referral in this service",
        "Typed reason to re-open",
    ),
    "entered-in-error-reason-too-short": Case(
        Role.ADMINISTRATOR,
        "entered_in_error",
        _screened,
        {"reason": "Dup"},
        "at least 10 characters",
        "Dup",
    ),
}


def _ended_after_death(service) -> Referral:
    from stepcare.patients import actions as patient_actions

    referral = _ended(service)
    patient_actions.record_death(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        patient=referral.patient,
        date_of_death=timezone.localdate(),
    )
    return referral


CASES["reopen-after-death"] = Case(
    Role.ADMINISTRATOR,
    "reopen",
    _ended_after_death,
    {"reason": "Typed reason after a death"},
    "cannot be re-opened",
    "Typed reason after a death",
)


def _assessed_in_diary(service) -> Referral:
    referral = _accepted(service)
    attend(referral, on=timezone.localdate() - dt.timedelta(days=2), app_type=Appointment.Type.ASSESSMENT)
    return referral


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_referral_refusal_is_a_message_with_typed_values_kept(service, client_for, name) -> None:
    case = CASES[name]
    referral = case.setup(service)
    before = Referral.objects.get(pk=referral.pk).status
    response = client_for(case.role).post(reverse(f"referrals:{case.view}", args=[referral.pk]), case.data)
    body = response.content.decode()
    assert response.status_code == 400, body[:2000]
    assert case.message in body
    assert case.kept in body
    assert Referral.objects.get(pk=referral.pk).status == before


def test_allocating_a_clinician_of_the_wrong_role_is_refused_on_the_page(service, client_for) -> None:
    referral = _accepted(service, allocate=False)
    client = client_for(Role.SERVICE_MANAGER)
    url = reverse("referrals:allocate", args=[referral.pk])
    page = client.get(url).content.decode()
    assert f'value="{service.staff[Role.PWP].pk}"' not in page
    assert f'value="{service.staff[Role.HIGH_INTENSITY_THERAPIST].pk}"' in page
    response = client.post(url, {"therapist": service.staff[Role.PWP].pk})
    assert response.status_code == 400 and "valid choice" in response.content.decode()


def test_attendance_on_an_appointment_before_the_referral_was_received_is_a_message_not_a_500(
    service, client_for
) -> None:
    referral = _accepted(service, received_days_ago=5)
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    appointment = diary.book_appointment(
        by=hit,
        participants=[diary.Participant(referral.patient, referral)],
        clinicians=[hit],
        app_type=Appointment.Type.TREATMENT,
        delivery_mode=Appointment.DeliveryMode.TELEPHONE,
        starts_at=local(timezone.localdate() - dt.timedelta(days=12), dt.time(10)),
    )
    attendee = appointment.attendees.get()
    response = client_for(Role.HIGH_INTENSITY_THERAPIST).post(
        reverse("scheduling:attendance", args=[appointment.pk]), {"attendee": attendee.pk, "code": "5"}
    )
    assert response.status_code in (200, 400)
    assert "before the referral was received" in response.content.decode()
    attendee.refresh_from_db()
    assert attendee.attendance == ""


def test_correcting_the_only_treatment_of_a_taken_on_ending_is_a_message(service, client_for) -> None:
    referral = _accepted(service)
    only = attend(referral, on=timezone.localdate() - dt.timedelta(days=3))
    actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        end_code="46",
        discharge_date=timezone.localdate(),
        summary="Completed.",
    )
    response = client_for(Role.HIGH_INTENSITY_THERAPIST).post(
        reverse("scheduling:attendance", args=[only.appointment_id]), {"attendee": only.pk, "code": "3"}
    )
    assert response.status_code in (200, 400)
    assert "needs at least one attended treatment appointment" in response.content.decode()


def test_clearing_a_risk_concern_without_a_reason_is_a_message(service, client_for) -> None:
    from stepcare.patients import actions as patient_actions

    referral = _accepted(service)
    flag = patient_actions.raise_risk_flag(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST], patient=referral.patient, summary="Self-harm."
    )
    response = client_for(Role.HIGH_INTENSITY_THERAPIST).post(
        reverse("patients:clear_risk", args=[referral.patient_id, flag.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    flag.refresh_from_db()
    assert flag.cleared_at is None


def test_the_referral_page_shows_the_national_and_local_waits_and_the_first_to_second_wait(
    service, client_for
) -> None:
    referral = _accepted(service, received_days_ago=70)
    attend(referral, on=timezone.localdate() - dt.timedelta(days=40))
    attend(referral, on=timezone.localdate() - dt.timedelta(days=5))
    body = (
        client_for(Role.HIGH_INTENSITY_THERAPIST)
        .get(reverse("referrals:detail", args=[referral.pk]))
        .content.decode()
    )
    assert "National wait" in body and "30 days" in body and "not adjusted for pauses" in body
    assert "Local wait" in body
    assert "First to second treatment" in body and "35 days" in body and "Over 28 days" in body
    assert "Treatment sessions attended" in body


def test_the_banner_shows_a_death_and_the_clinician_of_the_open_referral(service, client_for) -> None:
    from stepcare.patients import actions as patient_actions

    referral = _accepted(service)
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    page = client.get(reverse("patients:detail", args=[referral.patient_id])).content.decode()
    assert str(service.staff[Role.HIGH_INTENSITY_THERAPIST]) in page
    patient_actions.record_death(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        patient=referral.patient,
        date_of_death=timezone.localdate(),
    )
    page = client.get(reverse("patients:detail", args=[referral.patient_id])).content.decode()
    assert 'data-testid="banner-deceased"' in page and "Not allocated" in page


def test_staff_confirm_a_second_open_referral_on_the_page_with_a_reason(service, client_for) -> None:
    referral = _ended(service)
    client = client_for(Role.ADMINISTRATOR)
    url = reverse("referrals:reopen", args=[referral.pk])
    refused = client.post(url, {"reason": "Low mood again.", "confirm_second": "on"})
    assert (
        refused.status_code == 400 and "Say why a second open referral is needed" in refused.content.decode()
    )
    response = client.post(
        url, {"reason": "Low mood again.", "confirm_second": "on", "second_reason": "Separate couples work."}
    )
    assert response.status_code == 302
    new = Referral.objects.get(previous_referral=referral)
    assert new.status == S.RECEIVED and new.patient == referral.patient


def test_the_waiting_list_shows_the_national_wait_beside_the_paused_local_one(service, client_for) -> None:
    referral = _accepted(service, allocate=False, received_days_ago=30)
    actions.pause_wait(
        by=service.staff[Role.ADMINISTRATOR],
        referral=referral,
        start_date=timezone.localdate() - dt.timedelta(days=20),
        reason="Away.",
    )
    actions.resume_wait(
        by=service.staff[Role.ADMINISTRATOR],
        referral=referral,
        end_date=timezone.localdate() - dt.timedelta(days=10),
    )
    body = client_for(Role.ADMINISTRATOR).get(reverse("referrals:waiting_list")).content.decode()
    assert "30 national (no pauses)" in body


# Refusals of the patient pages --------------------------------------------------------------


def test_editing_a_record_to_another_patients_nhs_number_is_a_message(service, client_for) -> None:
    from tests.factories.patients import PatientFactory
    from tests.integration.test_patients import VALID

    patient = PatientFactory(team=service.team)
    other = PatientFactory(team=service.team)
    response = client_for(Role.ADMINISTRATOR).post(
        reverse("patients:edit", args=[patient.pk]),
        {**VALID, "nhs_number": other.nhs_number, "version": patient.version, "family_name": "Typedname"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Open the existing record instead" in body
    assert "Typedname" in body
    patient.refresh_from_db()
    assert patient.nhs_number != other.nhs_number


# Every POST view of the referral pathway is driven above with the refusals its action raises,
# or in the test named here.
REFUSALS_TESTED_ELSEWHERE = {
    "new": "tests/integration/referrals/test_second_open_referral.py::"
    "test_staff_entry_for_a_person_with_an_open_referral_needs_a_confirmed_second_with_a_reason",
    "import": "tests/integration/referrals/test_second_open_referral.py::"
    "test_the_import_page_reports_the_row_too",
    "identity": "tests/integration/referrals/test_identity.py::"
    "test_a_different_person_with_a_taken_nhs_number_gets_an_explanation_not_a_server_error",
    "allocate": "test_allocating_a_clinician_of_the_wrong_role_is_refused_on_the_page",
    "screen": "test_screening_a_screened_referral_again_says_why_not",
}
READ_ONLY_VIEWS = {"inbox", "waiting_list", "directory", "patient_referrals", "detail", "letter"}


def test_every_referral_post_view_is_driven_with_its_refusals() -> None:
    from stepcare.referrals.urls import urlpatterns

    names = {p.name for p in urlpatterns}
    driven = {case.view for case in CASES.values()} | set(REFUSALS_TESTED_ELSEWHERE)
    assert not names - READ_ONLY_VIEWS - driven, "Add a refusal case for each of these POST views"


def test_screening_a_screened_referral_again_says_why_not(service, client_for) -> None:
    # A move the referral's state does not allow shows why instead of the form (pinned at 200
    # in tests/integration/referrals/test_pages.py), on GET and on POST alike.
    referral = _screened(service)
    screened_at = Referral.objects.get(pk=referral.pk).screened_at
    response = client_for(Role.PWP).post(
        reverse("referrals:screen", args=[referral.pk]), {"notes": "Typed screening notes"}
    )
    assert response.status_code == 200
    assert "You cannot screen this referral" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).screened_at == screened_at
