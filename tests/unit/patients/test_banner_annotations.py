"""The banner's PHQ-9 item 9 prompt is read in ``patients.models`` without importing the
outcomes app (outcomes builds on patients): the query must stay the one outcomes defines."""

from __future__ import annotations

from stepcare.outcomes import due
from stepcare.outcomes import selectors as outcome_selectors
from stepcare.patients import models as patient_models
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral


def test_the_banner_prompts_about_the_depression_measure() -> None:
    assert patient_models.ITEM9_MEASURE == due.DEPRESSION


def test_the_banner_item9_query_is_the_outcomes_one() -> None:
    for objects, ref in ((Patient.objects, "pk"), (Referral.objects, "patient_id")):
        ours = objects.annotate(**patient_models.item9_annotations(ref)).query
        theirs = objects.annotate(**outcome_selectors.item9_annotations(ref)).query
        assert str(ours) == str(theirs)
        assert "item9" in str(ours)


def test_the_banner_annotations_name_item9_for_copying() -> None:
    names = set(patient_models.banner_annotations("patient_id"))
    assert {"banner_item9_answer", "banner_item9_on", "banner_risk_reviewed_at"} <= names
