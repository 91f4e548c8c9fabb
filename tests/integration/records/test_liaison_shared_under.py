"""A liaison entry records under which consent or legal basis information was shared, and a
signed one stays immutable in the database after the column was added."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.records import actions, export
from stepcare.records.models import LiaisonEntry

R = Role


def test_a_liaison_entry_says_under_which_consent_or_legal_basis_it_shared(
    client_for, service, patient
) -> None:
    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    form = client.get(reverse("records:new", args=[patient.pk, "liaison"])).content.decode()
    assert "Shared under: the patient" in form
    entry = actions.create_document(
        by=hit,
        kind=LiaisonEntry,
        patient=patient,
        data={
            "contact_date": timezone.localdate(),
            "contact_with": "Housing officer",
            "summary": "Discussed the damp flat's effect on sleep.",
            "shared_under": "Consent to share with the housing association, recorded today.",
        },
    )
    signed = actions.sign_document(by=hit, document=entry, expected_version=entry.version)
    page = client.get(reverse("records:document", args=["liaison", signed.pk])).content.decode()
    assert "Consent to share with the housing association" in page
    (row,) = [d for d in export.subject_access_data(patient)["documents"] if d["kind"] == LiaisonEntry.LABEL]
    assert any("housing association" in str(v) for v in row["content"].values())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_liaisonentry SET shared_under = 'altered' WHERE id = %s", [signed.pk])
    assert LiaisonEntry.objects.get(pk=signed.pk).shared_under.startswith("Consent")


def test_the_scores_merge_field_gives_first_and_latest_scores_with_their_meaning(service) -> None:
    from stepcare.records import letters
    from tests.factories.outcomes import contact, gad7, phq9, scores
    from tests.factories.referrals import AllocatedReferralFactory

    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    referral = AllocatedReferralFactory(patient__team=service.team, allocated_to=hit)
    first = contact(referral=referral, clinician=hit, days_ago=20)
    scores(appointment=first, by=hit, PHQ9=phq9(18), GAD7=gad7(12))
    latest = contact(referral=referral, clinician=hit, days_ago=6)
    scores(appointment=latest, by=hit, PHQ9=phq9(6))
    text = letters.merge_values(patient=referral.patient, referral=referral, by=hit)["scores"]
    phq, gad = text.splitlines()
    assert phq.startswith("PHQ-9: 18 on") and "above the clinical cut-off" in phq
    assert ", latest 6 on" in phq and phq.endswith("below the clinical cut-off)")
    assert gad.startswith("GAD-7: 12 on") and "latest" not in gad
    assert "{scores}" not in letters.merge("Scores:\n{scores}", {"scores": text})
