"""Risk formulation on the banner, changes against the last review, and the safety plan."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from stepcare.accounts.permissions import Role
from stepcare.records import actions
from stepcare.records.models import RiskAssessment, SafetyPlan, SignedDocumentIsImmutable
from tests.factories.records import RiskAssessmentFactory, SafetyPlanFactory

R = Role
SCORE_WORDS = re.compile(r"\b(low|medium|moderate|high)\s+risk\b|risk\s+(score|level)\b", re.IGNORECASE)


@pytest.fixture
def hit(service):
    return service.staff[R.HIGH_INTENSITY_THERAPIST]


def _signed(factory, **kwargs):
    doc = factory(**kwargs)
    return actions.sign_document(by=doc.author, document=doc, expected_version=doc.version)


def test_the_banner_shows_the_current_judgement_and_when_it_was_reviewed(client_for, patient, hit) -> None:
    _signed(
        RiskAssessmentFactory,
        patient=patient,
        author=hit,
        summary="Thoughts without intent; strong family ties.",
    )
    for url in (
        reverse("patients:detail", args=[patient.pk]),
        reverse("records:record", args=[patient.pk]),
        reverse("scheduling:patient_appointments", args=[patient.pk]),
    ):
        body = client_for(R.HIGH_INTENSITY_THERAPIST).get(url).content.decode()
        assert 'data-testid="banner-risk-review"' in body, url
        assert "Thoughts without intent; strong family ties." in body
        assert f"reviewed {timezone.localdate():%-d %b %Y}" in body
        assert "Risk review overdue" not in body


def test_an_overdue_risk_review_shows_on_the_banner(client_for, patient, hit) -> None:
    review = _signed(RiskAssessmentFactory, patient=patient, author=hit, review_date=dt.date.today())
    assert (
        "Risk review overdue"
        not in client_for(R.PWP).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    )
    with pytest.raises(SignedDocumentIsImmutable):  # a signed review's date is never moved
        RiskAssessment.objects.filter(pk=review.pk).update(review_date=dt.date.today() - dt.timedelta(days=1))
    late = _signed(
        RiskAssessmentFactory, patient=patient, author=hit, review_date=dt.date.today() - dt.timedelta(days=3)
    )
    body = client_for(R.PWP).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert 'data-testid="banner-risk-review-overdue"' in body
    assert f"review by {late.review_date:%-d %b %Y}" in body


def test_signing_a_formulation_can_raise_a_risk_concern_on_the_banner_without_a_score(
    client_for, patient, hit
) -> None:
    draft = RiskAssessmentFactory(
        patient=patient, author=hit, summary="Recent self-harm; safety plan agreed."
    )
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    response = client.post(
        reverse("records:sign", args=["risk-assessment", draft.pk]),
        {"version": draft.version, "raise_concern": "on"},
    )
    assert response.status_code == 302
    signed = RiskAssessment.objects.get(pk=draft.pk)
    assert (
        signed.risk_flag is not None and signed.risk_flag.summary == "Recent self-harm; safety plan agreed."
    )
    for url in (
        reverse("patients:detail", args=[patient.pk]),
        reverse("records:document", args=["risk-assessment", draft.pk]),
    ):
        body = client.get(url).content.decode()
        assert "Risk concerns recorded" in body
        assert not SCORE_WORDS.search(body), SCORE_WORDS.search(body)


def test_the_record_shows_what_changed_since_the_last_review(client_for, patient, hit) -> None:
    _signed(RiskAssessmentFactory, patient=patient, author=hit, intent="No intent.")
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    form = client.get(reverse("records:new", args=[patient.pk, "risk-assessment"])).content.decode()
    assert "No intent." in form  # a review starts from the last formulation
    second = _signed(RiskAssessmentFactory, patient=patient, author=hit, intent="Some intent when drinking.")
    body = client.get(reverse("records:document", args=["risk-assessment", second.pk])).content.decode()
    changes = body.split('data-testid="risk-changes"')[1].split("</table>")[0]
    assert "No intent." in changes and "Some intent when drinking." in changes
    assert "Protective factors" not in changes  # unchanged fields are not listed


def test_the_risk_form_asks_for_a_formulation_never_a_score_or_label(client_for, patient) -> None:
    body = client_for(R.HIGH_INTENSITY_THERAPIST).get(
        reverse("records:new", args=[patient.pk, "risk-assessment"])
    )
    text = body.content.decode()
    for label in (
        "Current thoughts",
        "Protective factors",
        "Safeguarding: children",
        "Domestic abuse",
        "Review by",
    ):
        assert label in text
    assert "score" not in text.lower().replace("do not use a score", "")
    assert not re.search(r"<option[^>]*>\s*(Low|Medium|High)\s*</option>", text)


def test_a_safety_plan_prints_with_the_crisis_lines_and_a_new_version_starts_from_the_last(
    client_for, patient, hit, settings
) -> None:
    settings.RECORDS_CRISIS_CONTACTS = {"Northbrook crisis line": "0800 000 0000"}
    first = _signed(SafetyPlanFactory, patient=patient, author=hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    pdf = client.get(reverse("records:pdf", args=["safety-plan", first.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        "My safety plan",
        "Walk the dog",
        "Samaritans",
        "116 123",
        "NHS 111",
        "Northbrook crisis line",
        "0800 000 0000",
    ):
        assert expected in text, expected
    form = client.get(reverse("records:new", args=[patient.pk, "safety-plan"])).content.decode()
    assert "Walk the dog" in form
    created = client.post(
        reverse("records:new", args=[patient.pk, "safety-plan"]),
        {
            "warning_signs": "Not sleeping",
            "coping_strategies": "Walk the dog; call Anna",
            "people_to_ask": "Anna",
        },
    )
    assert created.status_code == 302
    second = SafetyPlan.objects.exclude(pk=first.pk).get()
    assert second.plan_number == 2 and second.previous == first
