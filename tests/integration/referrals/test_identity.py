"""Who is a referral for? The identity page offers only records the user may see, never names
another team's patient, links only with permission, and explains an NHS number conflict."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent, AuditEventPatient
from stepcare.patients.models import Patient
from stepcare.referrals import actions
from stepcare.referrals.models import Referral
from tests.factories.patients import PatientFactory, valid_nhs_number

pytestmark = pytest.mark.django_db
ADMIN = Role.ADMINISTRATOR


def _referral(service, **person) -> Referral:
    details = {
        "given_name": "Tamsin",
        "family_name": "Greyfriars",
        "date_of_birth": dt.date(1984, 6, 3),
        **person,
    }
    return actions.submit_referral(
        by=None,
        team=service.team,
        channel="public self-referral form",
        submission=actions.Submission(person=details, source="self", received_on=timezone.localdate()),
    )


def _secret(patient: Patient) -> list[str]:
    return [
        patient.family_name,
        patient.family_name.upper(),
        patient.nhs_number,
        patient.formatted_nhs_number,
        patient.phone_mobile,
        patient.postcode,
    ]


@pytest.fixture
def foreign(service) -> Patient:
    return PatientFactory(
        team=service.other_team,
        given_name="Ottoline",
        family_name="Marchbanks",
        date_of_birth=dt.date(1979, 2, 14),
        nhs_number=valid_nhs_number(881),
        phone_mobile="07700 900881",
        postcode="LS1 4AP",
    )


def test_another_teams_patient_is_never_named_on_the_identity_page(service, client_for, foreign) -> None:
    referral = _referral(service, nhs_number=foreign.nhs_number)
    assert referral.patient is None
    body = client_for(ADMIN).get(reverse("referrals:identity", args=[referral.pk])).content.decode()
    # The referral's own details (the NHS number typed on it) show; nothing of the record does.
    for secret in [s for s in _secret(foreign) if s and s != foreign.nhs_number]:
        assert secret not in body, secret
    assert foreign.date_of_birth.strftime("%d/%m/%Y") not in body
    assert "exists in another team" in body and "break-glass" in body


def test_another_teams_patient_cannot_be_linked_by_posting_its_id(service, client_for, foreign) -> None:
    referral = _referral(service, nhs_number=foreign.nhs_number)
    client = client_for(ADMIN)
    response = client.post(reverse("referrals:identity", args=[referral.pk]), {"patient": foreign.pk})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.patient is None
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    for secret in [s for s in _secret(foreign) if s]:
        assert secret not in detail


def test_the_link_action_refuses_a_record_the_user_may_not_see(service, foreign) -> None:
    referral = _referral(service, nhs_number=foreign.nhs_number)
    with pytest.raises(actions.MoveRefused, match="may not see"):
        actions.link_patient(by=service.staff[ADMIN], referral=referral, patient=foreign)


def test_own_teams_candidates_are_listed_linked_and_the_page_is_audited_naming_them(
    service, client_for
) -> None:
    known = PatientFactory(
        team=service.team, given_name="Tamsin", family_name="O\u2019Neill", date_of_birth=dt.date(1984, 6, 3)
    )
    referral = _referral(service, family_name="ONeill")
    client = client_for(ADMIN)
    body = client.get(reverse("referrals:identity", args=[referral.pk])).content.decode()
    assert known.display_name in body.replace("&#x27;", "'").replace("&rsquo;", "\u2019")
    event = AuditEvent.objects.filter(object_id=str(referral.pk), detail__page="referrals:identity").get()
    assert event.patient == known
    response = client.post(reverse("referrals:identity", args=[referral.pk]), {"patient": known.pk})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.patient == known


def test_a_different_person_with_a_taken_nhs_number_gets_an_explanation_not_a_server_error(
    service, client_for, foreign
) -> None:
    referral = _referral(service, nhs_number=foreign.nhs_number)
    client = client_for(ADMIN)
    url = reverse("referrals:identity", args=[referral.pk])
    response = client.post(url, {"different_person": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "already belongs to another patient record" in body
    assert "ask that team or use break-glass" in body and "without the NHS number" in body
    assert Patient.objects.filter(nhs_number=foreign.nhs_number).count() == 1
    # The safe way on when the number was wrong: a new record without it.
    response = client.post(url, {"without_nhs_number": "1"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.patient is not None and referral.patient != foreign
    assert referral.patient.nhs_number in ("", None)
    assert "was not copied" in referral.identity_note


def test_an_entered_in_error_referral_shows_nothing_of_the_person(service, client_for) -> None:
    patient = PatientFactory(team=service.team, family_name="Fairweather", postcode="YO1 7HH")
    referral = _referral(
        service,
        given_name=patient.given_name,
        family_name="Fairweather",
        date_of_birth=patient.date_of_birth,
        nhs_number=patient.nhs_number,
    )
    assert referral.patient == patient
    actions.mark_entered_in_error(
        by=service.staff[ADMIN], referral=referral, reason="Keyed against the wrong person."
    )
    client = client_for(ADMIN)
    for name in ("referrals:detail", "referrals:identity", "referrals:screen"):
        body = client.get(reverse(name, args=[referral.pk])).content.decode()
        assert "Fairweather" not in body and "FAIRWEATHER" not in body, name
        assert patient.nhs_number not in body and patient.formatted_nhs_number not in body, name
    assert "Entered in error" in client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()


def test_a_list_audit_event_appears_in_each_listed_patients_access_log(service, client_for) -> None:
    first = PatientFactory(team=service.team)
    second = PatientFactory(team=service.team)
    from stepcare.audit.actions import record_shown
    from stepcare.audit.selectors import patient_access_log

    event = record_shown(by=service.staff[ADMIN], patients=[first, second], page="test")
    assert event is not None and event.patient is None
    assert set(AuditEventPatient.objects.filter(event=event).values_list("patient_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert event in patient_access_log(patient=first) and event in patient_access_log(patient=second)
