"""Smaller parts of the clinical record: the liaison entry's basis for sharing (immutable once
signed), the scores merge field, formulation diagrams, templates in the admin, prefilled measures."""

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


def test_a_formulation_carries_a_diagram_drawn_from_its_fields_as_its_template_says(
    client_for, service, patient
) -> None:
    import io

    from pypdf import PdfReader

    from stepcare.records.models import Formulation, FormulationTemplate

    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    five = FormulationTemplate.objects.get(name="Five areas (generic CBT)")
    beck = FormulationTemplate.objects.get(name="Longitudinal formulation (Beck)")
    ipt = FormulationTemplate.objects.get(name="IPT focal area")
    assert (five.diagram, beck.diagram, ipt.diagram) == ("cycle", "flow", "none")
    keys = [s["key"] for s in five.sections]
    sections = {k: f"<b>{k}</b> in the patient's words" for k in keys}
    cycle = actions.create_document(
        by=hit, kind=Formulation, patient=patient, data={"sections": sections}, links={"template": five}
    )
    page = client.get(reverse("records:document", args=["formulation", cycle.pk])).content.decode()
    svg = page[page.index('data-testid="formulation-diagram"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<rect") == len(keys) and svg.count("<line") == len(keys)  # a closed cycle
    assert "&lt;b&gt;thoughts&lt;/b&gt;" in svg and "<b>thoughts" not in svg  # the words are escaped
    pdf = client.get(reverse("records:pdf", args=["formulation", cycle.pk]))
    assert pdf.status_code == 200 and PdfReader(io.BytesIO(pdf.content)).pages
    flow_keys = [s["key"] for s in beck.sections]
    flow = actions.create_document(
        by=hit,
        kind=Formulation,
        patient=patient,
        data={"sections": {k: "Some words" for k in flow_keys}},
        links={"template": beck},
    )
    page = client.get(reverse("records:document", args=["formulation", flow.pk])).content.decode()
    assert page.count("<line") == len(flow_keys) - 1  # top to bottom, no way back
    none = actions.create_document(
        by=hit,
        kind=Formulation,
        patient=patient,
        data={"sections": {s["key"]: "Words" for s in ipt.sections}},
        links={"template": ipt},
    )
    page = client.get(reverse("records:document", args=["formulation", none.pk])).content.decode()
    assert 'data-testid="formulation-diagram"' not in page


def test_a_service_adds_a_formulation_template_in_the_admin_and_dispatches_are_read_only_there(
    service, patient
) -> None:
    from django.contrib.admin.sites import site as admin_site
    from django.test import Client

    from stepcare.records.models import FormulationTemplate, LetterDispatch
    from tests.conftest import sign_in
    from tests.factories.accounts import UserFactory

    superuser = UserFactory(is_superuser=True, is_staff=True)
    admin = sign_in(Client(), superuser)
    response = admin.post(
        reverse("admin:records_formulationtemplate_add"),
        {
            "name": "Health anxiety (Salkovskis and Warwick)",
            "approach": "CBT",
            "description": "",
            "source": "Salkovskis and Warwick (1986)",
            "sections": '[{"key": "trigger", "label": "Trigger", "help": ""}, '
            '{"key": "belief", "label": "Misinterpretation", "help": ""}]',
            "diagram": "cycle",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    added = FormulationTemplate.objects.get(name="Health anxiety (Salkovskis and Warwick)")
    assert [s["key"] for s in added.sections] == ["trigger", "belief"]
    clinician = sign_in(Client(), service.staff[R.HIGH_INTENSITY_THERAPIST])
    chooser = clinician.get(reverse("records:new", args=[patient.pk, "formulation"])).content.decode()
    assert "Health anxiety (Salkovskis and Warwick)" in chooser
    dispatches = admin_site._registry[LetterDispatch]

    class Request:
        user = superuser

    assert not dispatches.has_add_permission(Request())  # type: ignore[arg-type]
    assert not dispatches.has_change_permission(Request())  # type: ignore[arg-type]
    assert not dispatches.has_delete_permission(Request())  # type: ignore[arg-type]


def test_a_session_note_is_prefilled_with_the_scores_recorded_at_the_session(service, client_for) -> None:
    from tests.factories.outcomes import contact, gad7, phq9, scores
    from tests.factories.referrals import AllocatedReferralFactory

    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    referral = AllocatedReferralFactory(patient__team=service.team, allocated_to=hit)
    session = contact(referral=referral, clinician=hit, days_ago=0)
    scores(appointment=session, by=hit, PHQ9=phq9(12), GAD7=gad7(9))
    form = client_for(R.HIGH_INTENSITY_THERAPIST).get(
        reverse("records:new", args=[referral.patient.pk, "session-note"]) + f"?appointment={session.pk}"
    )
    body = form.content.decode()
    assert "GAD-7 9 (mild); PHQ-9 12 (moderate)" in body


def test_the_timeline_filters_contacts_and_liaison(service, client_for, patient) -> None:
    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    actions.create_document(
        by=hit,
        kind=LiaisonEntry,
        patient=patient,
        data={
            "contact_date": timezone.localdate(),
            "contact_with": "Employment adviser",
            "summary": "Return",
        },
    )
    from tests.factories.records import SessionNoteFactory

    SessionNoteFactory(patient=patient, author=hit)
    url = reverse("records:record", args=[patient.pk])
    page = client_for(R.HIGH_INTENSITY_THERAPIST).get(url + "?kind=liaison").content.decode()
    assert "Contacts and liaison" in page
    assert 'data-kind="liaison"' in page and 'data-kind="document"' not in page
