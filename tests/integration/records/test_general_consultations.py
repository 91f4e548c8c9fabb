"""Specialist advice given in general (issue 11, item 11): no patient, fixed once saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role as R
from stepcare.audit.models import AuditEvent
from stepcare.records import consultations as general
from stepcare.records.models import (
    GeneralConsultation,
    GeneralConsultationAddendum,
    LiaisonEntry,
    SignedDocumentIsImmutable,
)
from tests.factories.accounts import MembershipFactory

URL = "records:consultations"


def _advice(**extra):
    return {
        "team": extra.pop("team"),
        "given_on": timezone.localdate().isoformat(),
        "asked_by_name": "Dr Imogen Ashdown",
        "asked_by_role": "GP",
        "asked_by_organisation": "Riverside Surgery",
        "method": "phone",
        "question": "When is step 3 right for someone with panic and agoraphobia?",
        "advice": "Offer CBT for panic; refer through the online form; crisis team if at risk.",
        **extra,
    }


def _record(service, author=None, team=None, **extra) -> GeneralConsultation:
    data = _advice(team=None, **extra)
    data.pop("team")
    data["given_on"] = dt.date.fromisoformat(data["given_on"])
    by = author or service.staff[R.HIGH_INTENSITY_THERAPIST]
    return general.record_consultation(by=by, team=team or service.team, data=data)


def test_a_clinician_records_advice_given_in_general_and_sees_it_on_their_page(service, client_for) -> None:
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    response = client.post(reverse(URL), _advice(team=service.team.pk))
    assert response.status_code == 302
    entry = GeneralConsultation.objects.get()
    assert entry.author == service.staff[R.HIGH_INTENSITY_THERAPIST] and entry.team == service.team
    assert entry.asked_by_organisation == "Riverside Surgery"
    page = client.get(reverse(URL)).content.decode()
    assert "Dr Imogen Ashdown" in page and "Offer CBT for panic" in page and "Riverside Surgery" in page
    # Staff activity, no patient: the write and the read are both audited.
    created = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE, object_type="records.GeneralConsultation"
    )
    assert created.patient_id is None and created.object_id == str(entry.pk)
    viewed = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, detail__page=URL).latest("id")
    assert viewed.patient_id is None and viewed.detail["consultations"] == [entry.pk]


def test_advice_without_who_asked_the_question_or_the_advice_is_refused_with_a_message(
    service, client_for
) -> None:
    client = client_for(R.PWP)
    response = client.post(reverse(URL), _advice(team=service.team.pk, asked_by_name="", advice=""))
    assert response.status_code == 400
    assert GeneralConsultation.objects.count() == 0
    body = response.content.decode()
    assert "This field is required" in body or "Enter" in body or "required" in body
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(reverse(URL), _advice(team=service.team.pk, given_on=future))
    assert response.status_code == 400 and "future" in response.content.decode()
    # Someone else's team cannot be chosen.
    response = client.post(reverse(URL), _advice(team=service.other_team.pk))
    assert response.status_code == 400 and GeneralConsultation.objects.count() == 0


def test_recorded_advice_cannot_change_through_the_model_a_queryset_or_the_database(service) -> None:
    entry = _record(service)
    entry.advice = "Something else"
    with pytest.raises(SignedDocumentIsImmutable):
        entry.save()
    with pytest.raises(SignedDocumentIsImmutable):
        GeneralConsultation.objects.filter(pk=entry.pk).update(advice="Something else")
    with pytest.raises(SignedDocumentIsImmutable):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_generalconsultation SET advice = 'x' WHERE id = %s", [entry.pk])
    addendum = general.add_consultation_addendum(
        by=entry.author, consultation=entry, text="Date was 2 March."
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_generalconsultationaddendum SET text = 'x' WHERE id = %s", [addendum.pk]
        )
    assert GeneralConsultation.objects.get(pk=entry.pk).advice.startswith("Offer CBT")


def test_a_correction_is_an_addendum_shown_beside_the_original(service, client_for) -> None:
    entry = _record(service)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = reverse("records:consultation_addendum", args=[entry.pk])
    assert client.post(url, {"text": "The GP was at Hillside, not Riverside."}).status_code == 302
    page = client.get(reverse(URL)).content.decode()
    assert "Offer CBT for panic" in page and "The GP was at Hillside, not Riverside." in page
    added = AuditEvent.objects.get(object_type="records.GeneralConsultationAddendum")
    assert added.patient_id is None and added.detail["consultation_id"] == entry.pk
    # A colleague who is neither the author nor a supervisor is refused, and that is audited.
    assert client_for(R.PWP).post(url, {"text": "Mine"}).status_code == 403
    assert GeneralConsultationAddendum.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, patient=None).exists()


def test_supervisors_and_service_managers_see_their_teams_advice_others_see_only_their_own(
    service, client_for
) -> None:
    _record(service)
    outsider = MembershipFactory(team=service.other_team, role=R.PWP).user
    _record(service, author=outsider, team=service.other_team, asked_by_name="Housing officer Brannigan")
    for role in (R.CLINICAL_SUPERVISOR, R.SERVICE_MANAGER):
        page = client_for(role).get(reverse(URL)).content.decode()
        assert "Dr Imogen Ashdown" in page, role
        assert "Brannigan" not in page, role
    colleague = client_for(R.PWP).get(reverse(URL)).content.decode()
    assert "Dr Imogen Ashdown" not in colleague
    # A service manager sees the list but records no advice (no form).
    manager = client_for(R.SERVICE_MANAGER)
    assert 'data-testid="consultation-form"' not in manager.get(reverse(URL)).content.decode()
    assert manager.post(reverse(URL), _advice(team=service.team.pk)).status_code == 403


def test_patient_specific_liaison_still_needs_a_patient(service) -> None:
    assert not LiaisonEntry._meta.get_field("patient").null


def test_the_consultations_page_query_count_is_pinned_and_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    client = client_for(R.CLINICAL_SUPERVISOR)
    supervisee = MembershipFactory(team=service.team, role=R.PWP).user
    first = _record(service, author=service.staff[R.CLINICAL_SUPERVISOR])
    second = _record(service, author=supervisee)
    for entry in (first, second):
        general.add_consultation_addendum(by=entry.author, consultation=entry, text="A first correction")
    client.get(reverse(URL))
    with django_assert_num_queries(
        15
    ) as one:  # session, user, device, memberships, 2 pages with addenda, audit
        client.get(reverse(URL))
    for n in range(52):
        entry = _record(service, author=supervisee if n % 2 else service.staff[R.CLINICAL_SUPERVISOR])
        general.add_consultation_addendum(by=entry.author, consultation=entry, text=f"Correction {n}")
    general.add_consultation_addendum(by=first.author, consultation=first, text="Another")
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse(URL)).content.decode()
    assert page.count('data-testid="consultation"') == 2 * general.PAGE_SIZE
    assert "?page=2" in page and "?team_page=2" in page  # 27 each: two pages each
