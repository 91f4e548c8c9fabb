"""Every response that shows a patient writes an audit event naming that patient.

Driven from the URL configuration: every page is rendered (GET, and a POST of an empty form,
which fails validation and shows the page again) by a role that may use it, with a service
around it in which the page has patients to show: referrals in the inbox and on the waiting
list, appointments in the diary, a break-glass grant for the IG officer's list, a search that
finds them. Any patient whose name (as the pages write it, "SURNAME, Given") appears in the
response must be named by an audit event written during that request, either as the event's
patient or among the patients a list event showed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.test import Client

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent, AuditEventPatient, BreakGlassGrant
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from tests.conftest import sign_in
from tests.factories.referrals import ReferralFactory
from tests.factories.scheduling import book, local, next_weekday, participant
from tests.integration.test_access_matrix import ACCESS, URL_NAMES, _url

PREFERRED = [
    Role.HIGH_INTENSITY_THERAPIST,
    Role.CLINICAL_SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.SERVICE_MANAGER,
    Role.IG_OFFICER,
]
# Pages that show no patient by design: an empty response is the expected answer.
QUERY = {"patients:search": lambda p: {"q": p.family_name}}


def _role(name: str) -> Role:
    rule = ACCESS[name]
    return next((r for r in PREFERRED if r in rule.own), min(rule.own))


def _service_with_patients_to_show(service, user, patient) -> None:
    """Give list pages something to list: the patient, and others, in every kind of list."""
    ReferralFactory(team=service.team, patient=patient)  # the inbox
    ReferralFactory(team=service.team, status=Referral.Status.WAITING, step="3")  # the waiting list
    clinician = user if user.active_memberships() else service.staff[Role.HIGH_INTENSITY_THERAPIST]
    book(
        clinician=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        participants=[participant(team=service.team)],
        starts_at=local(next_weekday(1), dt.time(11)),
    )
    if clinician != service.staff[Role.HIGH_INTENSITY_THERAPIST]:
        book(
            clinician=clinician,
            participants=[participant(team=service.team)],
            starts_at=local(next_weekday(1), dt.time(14)),
        )
    BreakGlassGrant.objects.create(
        user=service.staff[Role.PWP], patient=patient, reason="Crisis team called out of hours"
    )


def _audited_patients(since: int) -> set[int]:
    events = AuditEvent.objects.filter(pk__gt=since)
    named = set(events.exclude(patient=None).values_list("patient_id", flat=True))
    named |= set(AuditEventPatient.objects.filter(event__in=events).values_list("patient_id", flat=True))
    return named


def _shown(body: str) -> list[Patient]:
    return [p for p in Patient.objects.all() if p.display_name in body]


def _check(client: Client, method: str, url: str, data: dict, where: str) -> int:
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = getattr(client, method)(url, data)
    if response.status_code >= 300 and response.status_code != 400:
        return 0  # a redirect or a refusal shows no patient
    # A CSV download streams its body: the patients it names count as shown too.
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
        errors="replace"
    )
    shown = _shown(body)
    missing = [p.display_name for p in shown if p.pk not in _audited_patients(since)]
    assert not missing, f"{where}: shows {missing} with no audit event naming them"
    return len(shown)


@pytest.mark.parametrize("name", URL_NAMES)
def test_every_response_showing_a_patient_names_them_in_an_audit_event(service, name: str) -> None:
    rule = ACCESS[name]
    user = service.staff[_role(name)]
    url, patient = _url(name, rule, service.team, service)
    _service_with_patients_to_show(service, user, patient)
    client = sign_in(Client(), user)
    query = QUERY.get(name, lambda p: {})(patient)
    if rule.method == "get":
        _check(client, "get", url, query, f"GET {name}")
    _check(client, "post", url, {}, f"failed POST {name}")


def test_the_completeness_check_would_see_an_unaudited_page(service, client_for) -> None:
    """The check above is not vacuous: list pages do show patients, and every one is named."""
    patient = ReferralFactory(team=service.team).patient
    client = client_for(Role.ADMINISTRATOR)
    from django.urls import reverse

    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    body = client.get(reverse("referrals:inbox")).content.decode()
    assert patient.display_name in body
    assert patient.pk in _audited_patients(since)
    assert AuditEvent.objects.filter(Q(pk__gt=since), detail__page="referrals:inbox").count() == 1
