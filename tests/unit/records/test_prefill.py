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
