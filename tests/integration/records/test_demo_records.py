"""The demo's clinical record: realistic synthetic documents for treated and discharged referrals."""

from __future__ import annotations

import pytest

from stepcare.records.models import (
    Assessment,
    Consent,
    Formulation,
    GPPractice,
    Letter,
    LiaisonEntry,
    RiskAssessment,
    SessionNote,
    TreatmentPlan,
)
from stepcare.referrals.models import Referral
from tests.demo_clock import build_demo_at_half_past_eight

pytestmark = pytest.mark.django_db


def test_the_demo_writes_a_record_for_referrals_in_treatment_and_discharged() -> None:
    build_demo_at_half_past_eight("--patients", "150", "--seed", "5")
    treated = Referral.objects.filter(
        status__in=["in_treatment", "ended"], first_treatment_date__isnull=False, patient__isnull=False
    )
    assert treated.exists()
    assert Assessment.objects.signed().count() == treated.count()
    assert RiskAssessment.objects.signed().count() == treated.count()
    assert SessionNote.objects.signed().count() > treated.count()
    assert SessionNote.objects.drafts().exists()
    assert Letter.objects.filter(subject__startswith="Discharge").exists()
    assert GPPractice.objects.count() == 13
    assert LiaisonEntry.objects.signed().exists()
    assert TreatmentPlan.objects.signed().count() == treated.count() == Formulation.objects.signed().count()
    assert Consent.objects.filter(scope="share_gp").count() == treated.count()
    from stepcare.records.models import LetterDispatch

    signed_letters = Letter.objects.signed().count()
    assert LetterDispatch.objects.count() == signed_letters - 2  # the two newest wait to be sent
    for letter in Letter.objects.select_related("patient", "gp_practice")[:50]:
        assert letter.patient.formatted_nhs_number in letter.subject  # each letter names its own patient
        assert letter.gp_practice.ods_code == letter.patient.gp_practice_code
