"""At most one open referral per person per service, at arrival too: staff confirm a second one
with a reason (recorded and audited, the new referral linked to the open one); the public forms
never lose a referral (staff confirm when they link it); imports report such rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.referrals import actions, public
from stepcare.referrals.models import Referral
from tests.factories.patients import PatientFactory
from tests.factories.referrals import IntakeTeamFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def known(service):
    """A patient of the North team with an open referral in the service."""
    patient = PatientFactory(
        team=service.team, given_name="Orla", family_name="O'Neill", date_of_birth=dt.date(1990, 4, 2)
    )
    return ReferralFactory(team=service.team, patient=patient)


def _staff_entry(patient, **extra: str) -> dict[str, str]:
    data = {
        "team": str(patient.team_id),
        "source": "gp",
        "received_on": _d(timezone.localdate()),
        "urgency": "routine",
        "presenting_difficulties": "Panic attacks at work.",
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": _d(patient.date_of_birth),
        "nhs_number": patient.nhs_number,
        "phone_mobile": "07700 900123",
        "preferred_contact": "phone",
        "preferred_language": "en",
        "consent": "on",
    }
    data.update(extra)
    return data


def test_staff_entry_for_a_person_with_an_open_referral_needs_a_confirmed_second_with_a_reason(
    service, client_for, known
) -> None:
    client = client_for(Role.ADMINISTRATOR)
    url = reverse("referrals:new")
    refused = client.post(url, _staff_entry(known.patient))
    body = refused.content.decode()
    assert refused.status_code == 400 and known.reference in body and "already has an open referral" in body
    assert "Panic attacks at work." in body  # what was typed is kept
    assert AuditEvent.objects.filter(detail__page="referrals:new", patient=known.patient).exists()
    no_reason = client.post(url, _staff_entry(known.patient, confirm_second="on"))
    assert no_reason.status_code == 400 and "Say why a second open referral" in no_reason.content.decode()
    assert Referral.objects.filter(patient=known.patient).count() == 1

    done = client.post(
        url, _staff_entry(known.patient, confirm_second="on", second_reason="Separate couples work.")
    )
    assert done.status_code == 302
    new = Referral.objects.exclude(pk=known.pk).get()
    assert new.patient == known.patient and new.previous_referral == known
    assert "Separate couples work." in new.identity_note
    event = AuditEvent.objects.filter(object_id=str(new.pk), detail__move="create").get()
    assert event.detail["second_open_referral"] == "Separate couples work."
    assert event.detail["second_to"] == known.reference


def test_a_self_referral_for_a_person_with_an_open_referral_is_kept_and_confirmed_at_linking(
    service, client_for, known, settings
) -> None:
    settings.REFERRAL_FORM_MIN_SECONDS = 0
    IntakeTeamFactory(team=service.team)
    patient = known.patient
    response = Client().post(
        "/refer/",
        {
            "given_name": "ORLA",
            "family_name": "O’Neill",  # a typographic apostrophe: the same name
            "date_of_birth": _d(patient.date_of_birth),
            "nhs_number": patient.nhs_number,
            "phone_mobile": "07700 900321",
            "postcode": "NB1 2AB",
            "preferred_contact": "phone",
            "preferred_language": "en",
            "presenting_difficulties": "I feel worse again and want help.",
            "secondary_care_involvement": "no",
            "consent": "on",
            "website": "",
            "started": public.new_token(),
        },
    )
    assert response.status_code == 302  # never lost
    arrived = Referral.objects.exclude(pk=known.pk).get()
    assert arrived.patient is None and known.reference in arrived.identity_note

    client = client_for(Role.ADMINISTRATOR)
    url = reverse("referrals:identity", args=[arrived.pk])
    refused = client.post(url, {"patient": patient.pk})
    body = refused.content.decode()
    assert refused.status_code == 400 and "already has an open referral" in body
    assert 'data-testid="confirm-second"' in body
    arrived.refresh_from_db()
    assert arrived.patient is None
    linked = client.post(
        url, {"patient": patient.pk, "confirm_second": "on", "second_reason": "New episode; old one closing."}
    )
    assert linked.status_code == 302
    arrived.refresh_from_db()
    assert arrived.patient == patient and arrived.previous_referral == known
    event = AuditEvent.objects.filter(object_id=str(arrived.pk), detail__move="link_patient").get()
    assert event.detail["second_open_referral"] == "New episode; old one closing."


def test_linking_to_a_person_whose_other_referral_has_ended_needs_no_confirmation(service, known) -> None:
    Referral.objects.filter(pk=known.pk).update(
        status=Referral.Status.ENDED,
        end_code="50",
        discharge_date=timezone.localdate(),
        discharge_summary="Not assessed.",
    )
    waiting = ReferralFactory(team=service.team, patient=None, submitted_details={})
    linked = actions.link_patient(
        by=service.staff[Role.ADMINISTRATOR], referral=waiting, patient=known.patient
    )
    assert linked.patient == known.patient and linked.previous_referral is None


def test_an_open_referral_in_another_service_does_not_count(service) -> None:
    from tests.factories.accounts import ServiceFactory, TeamFactory

    patient = PatientFactory(team=service.team)
    elsewhere = TeamFactory(name="Elsewhere", service=ServiceFactory(name="Another service"))
    ReferralFactory(team=elsewhere, patient=patient)
    assert actions.check_can_refer(patient=patient, team=service.team) is None


CSV_HEADER = "given_name,family_name,date_of_birth,nhs_number,phone_mobile,source,received_on\n"


def _row(patient) -> str:
    return (
        f"{patient.given_name},{patient.family_name},{_d(patient.date_of_birth)},{patient.nhs_number},"
        f"07700 900001,gp,{_d(timezone.localdate())}\n"
    )


def test_an_import_row_for_a_person_with_an_open_referral_is_reported_and_nothing_imported(
    service, known, tmp_path
) -> None:
    IntakeTeamFactory(team=service.team)
    other = PatientFactory(team=service.team, given_name="Ada", family_name="Lovelace")
    path = tmp_path / "referrals.csv"
    path.write_text(CSV_HEADER + _row(other) + _row(known.patient))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 row"):
        call_command("import_referrals", str(path), stderr=err)
    assert (
        "Row 3: The details match a known patient who already has an open referral in this "
        f"service ({known.reference})" in err.getvalue()
    )
    assert Referral.objects.count() == 1

    out = io.StringIO()
    call_command("import_referrals", str(path), "--skip-bad-rows", stdout=out, stderr=io.StringIO())
    assert "Imported 1 referral(s)" in out.getvalue() and "Left out 1 bad row(s)" in out.getvalue()
    assert Referral.objects.filter(patient=known.patient).count() == 1
    assert Referral.objects.filter(patient=other).count() == 1


def test_the_import_page_reports_the_row_too(service, client_for, known) -> None:
    upload = SimpleUploadedFile("referrals.csv", (CSV_HEADER + _row(known.patient)).encode(), "text/csv")
    response = client_for(Role.ADMINISTRATOR).post(
        reverse("referrals:import"), {"team": service.team.pk, "file": upload}
    )
    body = response.content.decode()
    assert "Nothing was imported" in body and "Row 2:" in body and known.reference in body
    assert Referral.objects.count() == 1


def test_a_referral_arriving_for_a_person_who_has_died_is_kept_but_not_linked(service) -> None:
    patient = PatientFactory(team=service.team, date_of_death=timezone.localdate() - dt.timedelta(days=3))
    referral = actions.submit_referral(
        by=None,
        team=service.team,
        channel="public self-referral form",
        submission=actions.Submission(
            person={
                "given_name": patient.given_name,
                "family_name": patient.family_name,
                "date_of_birth": patient.date_of_birth,
                "nhs_number": patient.nhs_number,
            },
            source="self",
            received_on=timezone.localdate(),
        ),
    )
    assert referral.patient is None and "recorded as having died" in referral.identity_note
    with pytest.raises(actions.PersonHasDied):
        actions.link_patient(by=service.staff[Role.ADMINISTRATOR], referral=referral, patient=patient)
