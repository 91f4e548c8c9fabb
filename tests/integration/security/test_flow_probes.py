"""Flows driven with another team's identifiers: search, the public form, import, identity
matching and linking. Nothing of that team's patient appears in any response."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from tests.factories.patients import PatientFactory, valid_nhs_number
from tests.factories.referrals import IntakeTeamFactory
from tests.integration.referrals.test_import import HEADER
from tests.integration.referrals.test_public_forms import URL as SELF_REFERRAL_URL
from tests.integration.referrals.test_public_forms import _form

pytestmark = pytest.mark.django_db
STAFF = [Role.ADMINISTRATOR, Role.HIGH_INTENSITY_THERAPIST, Role.CLINICAL_SUPERVISOR, Role.SERVICE_MANAGER]


@pytest.fixture
def theirs(service) -> Patient:
    return PatientFactory(
        team=service.other_team,
        given_name="Perpetua",
        family_name="Applegarth",
        date_of_birth=dt.date(1977, 11, 9),
        nhs_number=valid_nhs_number(4242),
        phone_mobile="07700 904242",
        postcode="QX7 1PP",
    )


def _nothing_of(patient: Patient, body: str, *, typed: tuple[str, ...] = ()) -> None:
    for secret in (
        patient.family_name,
        patient.family_name.upper(),
        patient.given_name,
        patient.nhs_number,
        patient.formatted_nhs_number,
        patient.phone_mobile,
        patient.postcode,
        patient.date_of_birth.strftime("%d/%m/%Y"),
    ):
        if secret not in typed:
            assert secret not in body, secret


@pytest.mark.parametrize("role", STAFF, ids=lambda r: r.value)
def test_searching_for_another_teams_patient_by_each_identifier_shows_nothing(
    service, client_for, theirs, role
) -> None:
    client = client_for(role)
    for query in (theirs.family_name, theirs.nhs_number, theirs.phone_mobile, "applegarth 09/11/1977"):
        body = client.get(reverse("patients:search"), {"q": query}).content.decode()
        _nothing_of(theirs, body.replace(f'value="{query}"', ""))


def test_the_public_form_with_another_teams_patients_details_links_nothing_and_shows_nothing(
    service, client_for, theirs, settings
) -> None:
    settings.REFERRAL_FORM_MIN_SECONDS = 0
    IntakeTeamFactory(team=service.team, is_default=True)
    response = Client().post(
        SELF_REFERRAL_URL,
        _form(
            given_name=theirs.given_name,
            family_name=theirs.family_name,
            date_of_birth=theirs.date_of_birth.strftime("%d/%m/%Y"),
            nhs_number=theirs.nhs_number,
        ),
        follow=True,
    )
    _nothing_of(theirs, response.content.decode())
    referral = Referral.objects.get()
    assert referral.team == service.team and referral.patient is None
    staff = client_for(Role.ADMINISTRATOR)
    for name in ("referrals:inbox", "referrals:detail", "referrals:identity"):
        args = [referral.pk] if name != "referrals:inbox" else []
        body = staff.get(reverse(name, args=args)).content.decode()
        # The referral's own typed details show; nothing that only the record holds does.
        assert theirs.phone_mobile not in body and theirs.postcode not in body, name
        assert "ask that team" in body.lower() or name != "referrals:identity"


def test_an_import_carrying_another_teams_nhs_number_reports_nothing_of_that_patient(
    service, client_for, theirs
) -> None:
    row = f"Someone,Else,01/01/1990,{theirs.nhs_number},07700 900999,self,01/03/2025,Worry\n"
    upload = SimpleUploadedFile("r.csv", (HEADER + row).encode(), content_type="text/csv")
    client = client_for(Role.ADMINISTRATOR)
    body = client.post(
        reverse("referrals:import"), {"team": service.team.pk, "file": upload}
    ).content.decode()
    _nothing_of(theirs, body, typed=(theirs.nhs_number,))
    referral = Referral.objects.get()
    assert referral.patient is None
    identity = client.get(reverse("referrals:identity", args=[referral.pk])).content.decode()
    _nothing_of(theirs, identity, typed=(theirs.nhs_number, theirs.formatted_nhs_number))


def test_creating_a_patient_with_another_teams_nhs_number_names_nothing_of_them(
    service, client_for, theirs
) -> None:
    from tests.integration.test_patients import VALID

    response = client_for(Role.ADMINISTRATOR).post(
        reverse("patients:create"),
        {**VALID, "team": service.team.pk, "nhs_number": theirs.nhs_number, "phone_mobile": "07700 900555"},
    )
    body = response.content.decode()
    _nothing_of(theirs, body, typed=(theirs.nhs_number, theirs.formatted_nhs_number))
    assert "exists in another team" in body
    assert Patient.objects.filter(nhs_number=theirs.nhs_number).count() == 1
