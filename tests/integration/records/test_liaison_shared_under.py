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
