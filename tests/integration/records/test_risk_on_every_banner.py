"""Risk not visible: the latest signed risk formulation's judgement, its review date and
"overdue" show on the banner of every page kind that shows a patient, referral pages included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.records import actions
from stepcare.records.models import Consent
from tests.factories.patients import PatientFactory
from tests.factories.records import LetterFactory, RiskAssessmentFactory
from tests.factories.scheduling import book, participant

R = Role
JUDGEMENT = "Passive thoughts without intent; protective factors strong (Zephyr)."


@pytest.fixture
def story(service):
    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    patient = PatientFactory(team=service.team)
    part = participant(patient)
    appointment = book(participants=[part])
    risk = RiskAssessmentFactory(
        patient=patient,
        author=hit,
        summary=JUDGEMENT,
        review_date=timezone.localdate() - dt.timedelta(days=1),
    )
    actions.sign_document(by=hit, document=risk, expected_version=risk.version)
    actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.SHARE_GP, given=True, decided_on=timezone.localdate()
    )
    letter = LetterFactory(patient=patient, author=hit)
    return {
        "pk": patient.pk,
        "referral_pk": part.referral.pk,
        "appointment_pk": appointment.pk,
        "risk_pk": risk.pk,
        "letter_pk": letter.pk,
    }


PAGES = [
    ("patients:detail", ("pk",)),
    ("patients:edit", ("pk",)),
    ("referrals:patient_referrals", ("pk",)),
    ("referrals:detail", ("referral_pk",)),
    ("referrals:pause", ("referral_pk",)),
    ("referrals:end", ("referral_pk",)),
    ("records:record", ("pk",)),
    ("records:consent", ("pk",)),
    ("records:goals", ("pk",)),
    ("scheduling:patient_appointments", ("pk",)),
    ("scheduling:appointment", ("appointment_pk",)),
    ("scheduling:cancel", ("appointment_pk",)),
    ("scheduling:move", ("appointment_pk",)),
    ("outcomes:contact", ("appointment_pk",)),
    ("outcomes:progress", ("referral_pk",)),
]


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[p[0] for p in PAGES])
def test_the_risk_formulation_and_an_overdue_review_show_on_the_banner(client_for, story, name, args) -> None:
    response = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse(name, args=[story[a] for a in args]))
    assert response.status_code == 200, (name, response.status_code)
    page = response.content.decode()
    assert 'data-testid="banner-risk-review"' in page, name
    assert "Zephyr" in page, name
    assert f"reviewed {timezone.localdate():%-d %b %Y}" in page, name
    assert 'data-testid="banner-risk-review-overdue"' in page, name


@pytest.mark.parametrize("kind", ["risk-assessment", "letter"])
def test_the_banner_on_document_pages(client_for, story, kind) -> None:
    pk = story["risk_pk" if kind == "risk-assessment" else "letter_pk"]
    page = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse("records:document", args=[kind, pk]))
    assert 'data-testid="banner-risk-review-overdue"' in page.content.decode()


def test_an_overdue_risk_review_shows_on_the_diary_card(service, client_for) -> None:
    from stepcare.scheduling.timeslots import local
    from tests.factories.scheduling import next_weekday

    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    week = next_weekday(0)
    overdue, current = participant(team=service.team), participant(team=service.team)
    for part, due in ((overdue, -1), (current, 14)):
        risk = RiskAssessmentFactory(
            patient=part.patient, author=hit, review_date=timezone.localdate() + dt.timedelta(days=due)
        )
        actions.sign_document(by=hit, document=risk, expected_version=risk.version)
    book(clinician=hit, participants=[overdue], starts_at=local(week, dt.time(10)))
    book(clinician=hit, participants=[current], starts_at=local(week, dt.time(12)))
    body = client_for(R.HIGH_INTENSITY_THERAPIST).get(
        reverse("scheduling:my_week"), {"date": week.isoformat()}
    )
    page = body.content.decode()
    assert page.count('data-testid="diary-risk-review-overdue"') == 1
