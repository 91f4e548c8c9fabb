"""What a new session note starts with."""

from __future__ import annotations

import pytest

from stepcare.records import actions, prefill
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory

pytestmark = pytest.mark.django_db


def test_the_risk_check_is_never_copied_forward_from_the_last_note() -> None:
    patient = PatientFactory()
    last = SessionNoteFactory(patient=patient, risk_check="No thoughts of self-harm.", homework_set="Diary")
    actions.sign_document(by=last.author, document=last, expected_version=last.version)
    initial = prefill.session_note(patient=patient, referral=None)
    assert "risk_check" not in initial
    assert initial["homework_reviewed"] == "Diary" and initial["session_number"] == 2


def test_a_draft_note_is_not_used_to_prefill_the_next() -> None:
    patient = PatientFactory()
    SessionNoteFactory(patient=patient, homework_set="Unsigned homework")
    assert "homework_reviewed" not in prefill.session_note(patient=patient, referral=None)


def test_the_first_session_note_starts_from_the_treatment_plan() -> None:
    from stepcare.records.models import TreatmentPlan

    patient = PatientFactory()
    last_note_author = SessionNoteFactory(patient=patient).author  # a draft: never used to prefill
    plan = TreatmentPlan.objects.create(
        patient=patient,
        author=last_note_author,
        modality="ipt",
        planned_sessions=16,
        goals="Grieve; reconnect",
    )
    actions.sign_document(by=last_note_author, document=plan, expected_version=plan.version)
    initial = prefill.session_note(patient=patient, referral=None)
    assert initial["interventions"] == "Interpersonal psychotherapy (IPT)"
    assert initial["agenda"] == "Goals: Grieve; reconnect"
