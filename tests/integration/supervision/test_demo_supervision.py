"""The demo has supervision records, an MDT meeting, CPD entries and a countersigned trainee
note, each decision in the patient's record."""

from __future__ import annotations

import pytest

from stepcare.records.selectors import timeline
from stepcare.supervision.models import (
    CaseDiscussion,
    Countersignature,
    CpdEntry,
    MdtMeeting,
    SupervisionSession,
)
from stepcare.supervision.selectors import awaiting_countersignature
from tests.demo_clock import build_demo_at_half_past_eight

pytestmark = pytest.mark.django_db


def test_the_demo_writes_supervision_mdt_cpd_and_a_countersigned_note() -> None:
    build_demo_at_half_past_eight("--patients", "200", "--seed", "5")
    assert SupervisionSession.objects.count() == 2
    meeting = MdtMeeting.objects.get()
    assert meeting.cases.exclude(decision="").count() == 2 and meeting.external_list
    assert CpdEntry.objects.count() == 2
    signed = Countersignature.objects.exclude(comment="").get()
    assert signed.author.username == "daniel.price" and signed.countersigned_by.username == "amara.okafor"
    assert len(awaiting_countersignature(signed.author)) == 3
    decided = CaseDiscussion.objects.exclude(decision="").select_related("patient").first()
    entries, _more = timeline(patient=decided.patient, kind="supervision")
    assert any(e.detail == f"Decision: {decided.decision}" for e in entries)
