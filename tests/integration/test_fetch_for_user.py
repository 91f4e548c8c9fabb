"""Every patient-linked object is fetched through the one helper (``stepcare.audit.fetch``).

A member of another team who asks for any kind of object — a patient, a referral, an
appointment, a group, every document of the clinical record (letters included), a consent
decision, a goal, a related person — is refused, and each refusal writes one ``access_denied``
audit event naming the patient. Asked through the object's page, the refusal shows no
identifiers; through the REST API, it is the same 404 as a missing object. The object's own
team reads it, and the read is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from stepcare.accounts.permissions import Permission, Role
from stepcare.api import actions as token_actions
from stepcare.audit.fetch import fetch_document, fetch_for_user, fetch_patient
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.records import actions as record_actions
from stepcare.records import selectors as record_selectors
from stepcare.records.defaults import ensure_defaults
from stepcare.records.models import (
    DOCUMENT_KINDS,
    ClinicalDocument,
    Consent,
    Formulation,
    FormulationTemplate,
    Goal,
    LetterTemplate,
    RelatedPerson,
)
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions as scheduling_actions
from stepcare.scheduling import selectors as scheduling_selectors
from stepcare.scheduling.models import Appointment, Group
from tests.conftest import sign_in
from tests.factories.accounts import MembershipFactory
from tests.factories.patients import PatientFactory
from tests.factories.records import ConsentFactory, GoalFactory, RelatedPersonFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import book, participant, start_group

pytestmark = pytest.mark.django_db
HIT = Role.HIGH_INTENSITY_THERAPIST
P = Permission


def _the_patient(obj: Any) -> Patient:
    patient: Patient = obj.patient
    return patient


class World:
    """A patient of ``team`` with one object of every patient-linked kind, written by a
    clinician of that team."""

    def __init__(self, team: Any, family_name: str) -> None:
        ensure_defaults(LetterTemplate, FormulationTemplate)
        self.author = MembershipFactory(team=team, role=Role.PWP).user
        self.patient = PatientFactory(team=team, family_name=family_name)
        self.referral = AllocatedReferralFactory(patient=self.patient)
        self.appointment = book(participants=[scheduling_actions.Participant(self.patient, self.referral)])
        self.group = start_group(team=team)
        scheduling_actions.add_group_member(
            by=self.group.facilitators.get(), group=self.group, participant=participant(self.patient)
        )
        self.documents: dict[str, ClinicalDocument] = {
            slug: record_actions.create_document(
                by=self.author,
                kind=model,
                patient=self.patient,
                data={},
                links={"template": FormulationTemplate.objects.filter(active=True).first()}
                if model is Formulation
                else {},
            )
            for slug, model in DOCUMENT_KINDS.items()
        }
        self.consent = ConsentFactory(patient=self.patient, recorded_by=self.author)
        self.goal = GoalFactory(patient=self.patient, set_by=self.author)
        self.person = RelatedPersonFactory(patient=self.patient)

    def fetches(self) -> dict[str, Callable[[Any], Any]]:
        """Every kind of object, each fetched through the helper for the request's user."""
        found: dict[str, Callable[[Any], Any]] = {
            "patient": lambda request: fetch_patient(request, self.patient.pk),
            "referral": lambda request: fetch_for_user(
                request, Referral.objects.all(), self.referral.pk, P.MANAGE_REFERRALS, patient_of=_the_patient
            ),
            "appointment": lambda request: fetch_for_user(
                request,
                Appointment.objects.all(),
                self.appointment.pk,
                P.BOOK_APPOINTMENTS,
                patients_of=lambda a: a.patients,
            ),
            "group": lambda request: fetch_for_user(
                request,
                Group.objects.all(),
                self.group.pk,
                P.BOOK_APPOINTMENTS,
                patients_of=scheduling_selectors.group_patients,
            ),
        }
        for slug, document in self.documents.items():
            found[slug] = lambda request, d=document: fetch_document(
                request, record_selectors.documents(type(d)), d.pk, P.VIEW_CLINICAL_RECORD
            )
        for name, model, obj in (
            ("consent", Consent, self.consent),
            ("goal", Goal, self.goal),
            ("related person", RelatedPerson, self.person),
        ):
            found[name] = lambda request, m=model, o=obj: fetch_for_user(
                request,
                m.objects.select_related("patient"),
                o.pk,
                P.VIEW_CLINICAL_RECORD,
                patient_of=_the_patient,
                access_via=_the_patient,
                break_glass=True,
            )
        return found

    def page_urls(self) -> list[str]:
        """Each object's own page (and the patient's pages that show the sub-objects)."""
        pk = self.patient.pk
        urls = [
            reverse("patients:detail", args=[pk]),
            reverse("records:record", args=[pk]),
            reverse("records:consent", args=[pk]),
            reverse("records:goals", args=[pk]),
            reverse("referrals:detail", args=[self.referral.pk]),
            reverse("scheduling:appointment", args=[self.appointment.pk]),
            reverse("scheduling:group", args=[self.group.pk]),
        ]
        for slug, document in self.documents.items():
            urls.append(reverse("records:document", kwargs={"kind": slug, "doc_pk": document.pk}))
        urls.append(reverse("records:pdf", kwargs={"kind": "letter", "doc_pk": self.documents["letter"].pk}))
        return urls

    def api_paths(self) -> list[str]:
        return [
            f"/api/v1/patients/{self.patient.pk}",
            f"/api/v1/patients/{self.patient.pk}/fhir",
            f"/api/v1/referrals/{self.referral.pk}",
            f"/api/v1/referrals/{self.referral.pk}/responses",
            f"/api/v1/appointments/{self.appointment.pk}",
        ]


def _events(user: Any, action: str) -> Any:
    return AuditEvent.objects.filter(user=user, action=action).order_by("pk")


def _named(event: AuditEvent) -> set[int]:
    """Every patient an event names: its own column and its shown-patient rows."""
    rows = event.shown.values_list("patient_id", flat=True)
    return {p for p in [event.patient_id, *rows] if p is not None}


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_every_kind_of_object_fetched_for_another_team_is_refused_and_audited(service) -> None:
    theirs = World(service.other_team, "Zebedee")
    user = service.staff[HIT]
    fetches = theirs.fetches()
    assert set(DOCUMENT_KINDS) <= set(fetches)
    assert {"patient", "referral", "appointment", "group", "letter", "consent", "goal"} <= set(fetches)
    for n, (name, fetch) in enumerate(fetches.items(), start=1):
        with pytest.raises(PermissionDenied) as refused:
            fetch(_request(user))
        assert "ZEBEDEE" not in str(refused.value).upper(), name
        refusals = list(_events(user, AuditEvent.Action.ACCESS_DENIED))
        assert len(refusals) == n, name
        assert theirs.patient.pk in _named(refusals[-1]), name
        assert refusals[-1].detail["permission"], name
    assert not _events(user, AuditEvent.Action.VIEW).exists()


def test_every_page_of_another_teams_object_is_refused_audited_and_shows_no_identifiers(service) -> None:
    theirs = World(service.other_team, "Zebedee")
    user = service.staff[HIT]
    client = sign_in(Client(), user)
    for n, url in enumerate(theirs.page_urls(), start=1):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode().upper()
        assert "ZEBEDEE" not in body and theirs.patient.nhs_number not in body, url
        assert theirs.referral.reference.upper() not in body, url
        refusals = list(_events(user, AuditEvent.Action.ACCESS_DENIED))
        assert len(refusals) == n, url
        assert theirs.patient.pk in _named(refusals[-1]), url


def test_a_refused_record_page_still_offers_break_glass(service) -> None:
    theirs = World(service.other_team, "Zebedee")
    client = sign_in(Client(), service.staff[HIT])
    letter = theirs.documents["letter"]
    for url in (
        reverse("patients:detail", args=[theirs.patient.pk]),
        reverse("records:document", kwargs={"kind": "letter", "doc_pk": letter.pk}),
    ):
        body = client.get(url).content.decode()
        assert reverse("patients:break_glass", args=[theirs.patient.pk]) in body, url


def test_every_api_object_of_another_team_is_a_404_and_audited(service) -> None:
    theirs = World(service.other_team, "Zebedee")
    user = service.staff[HIT]
    _token, raw = token_actions.create_token(
        by=user, name="Dashboard", scope="read", expires_on=dt.date.today() + dt.timedelta(days=30)
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for n, path in enumerate(theirs.api_paths(), start=1):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "ZEBEDEE" not in response.content.decode().upper(), path
        refusals = list(_events(user, AuditEvent.Action.ACCESS_DENIED))
        assert len(refusals) == n, path
        assert theirs.patient.pk in _named(refusals[-1]) and refusals[-1].detail["api"], path


def test_a_missing_object_is_a_404_and_no_refusal(service) -> None:
    user = service.staff[HIT]
    with pytest.raises(Http404):
        fetch_patient(_request(user), 999_999)
    with pytest.raises(Http404):
        fetch_document(
            _request(user),
            record_selectors.documents(DOCUMENT_KINDS["letter"]),
            999_999,
            P.VIEW_CLINICAL_RECORD,
        )
    assert not _events(user, AuditEvent.Action.ACCESS_DENIED).exists()


def test_the_objects_own_team_reads_each_and_the_read_is_audited(service) -> None:
    ours = World(service.team, "Ashdown")
    user = service.staff[HIT]
    for name, fetch in ours.fetches().items():
        before = _events(user, AuditEvent.Action.VIEW).count()
        obj = fetch(_request(user))
        assert obj is not None, name
        if name == "patient" or name in DOCUMENT_KINDS:  # single-object pages: the helper audits
            events = list(_events(user, AuditEvent.Action.VIEW))
            assert len(events) == before + 1, name
            assert ours.patient.pk in _named(events[-1]), name
    client = sign_in(Client(), user)
    for url in ours.page_urls():
        before = _events(user, AuditEvent.Action.VIEW).count()
        response = client.get(url)
        assert response.status_code == 200, url
        events = list(_events(user, AuditEvent.Action.VIEW))
        assert len(events) == before + 1 or url.endswith("/pdf/"), url
        if not url.endswith("/pdf/"):
            assert ours.patient.pk in _named(events[-1]), url
    assert not _events(user, AuditEvent.Action.ACCESS_DENIED).exists()


def test_a_document_page_writes_one_view_event_naming_its_document(service) -> None:
    ours = World(service.team, "Ashdown")
    user = service.staff[HIT]
    client = sign_in(Client(), user)
    for slug, document in ours.documents.items():
        client.get(reverse("records:document", kwargs={"kind": slug, "doc_pk": document.pk}))
        event = _events(user, AuditEvent.Action.VIEW).last()
        assert event is not None
        assert (event.object_type, event.object_id) == (document._meta.label, str(document.pk)), slug
        assert event.patient_id == ours.patient.pk
