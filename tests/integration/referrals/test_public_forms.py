"""The public self-referral and professional forms, against good, bad and hostile input."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.referrals import public
from stepcare.referrals.models import Referral
from tests.factories.referrals import IntakeTeamFactory

pytestmark = pytest.mark.django_db
URL = "/refer/"


@pytest.fixture
def instant(settings):
    settings.REFERRAL_FORM_MIN_SECONDS = 0


def _form(**overrides) -> dict[str, str]:
    data = {
        "given_name": "Imogen",
        "family_name": "Thistlewood",
        "date_of_birth": "12/08/1992",
        "nhs_number": "",
        "phone_mobile": "07700 900321",
        "email": "",
        "address": "",
        "postcode": "NB1 2AB",
        "preferred_contact": "phone",
        "preferred_language": "en",
        "gp_practice_name": "Riverside Surgery",
        "presenting_difficulties": "I have felt low and anxious for months and cannot sleep.",
        "secondary_care_involvement": "no",
        "consent": "on",
        "website": "",
        "started": public.new_token(),
    }
    data.update(overrides)
    return data


def test_the_form_needs_no_sign_in_and_shows_crisis_help_before_the_form(service) -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "116 123" in body and "999" in body and "111" in body
    assert body.index('data-testid="crisis-information"') < body.index("<form")
    assert "I agree that the service may keep these details" in body


def test_a_self_referral_is_received_with_a_reference_and_audited(service, instant) -> None:
    IntakeTeamFactory(team=service.other_team)
    client = Client()
    response = client.post(URL, _form())
    assert response.status_code == 302 and response["Location"] == reverse("refer:thanks")
    referral = Referral.objects.get()
    assert referral.source == "self" and referral.team == service.other_team and referral.consent_given
    assert referral.patient.family_name == "Thistlewood"
    thanks = client.get(reverse("refer:thanks")).content.decode()
    assert referral.reference in thanks
    # The reference is shown once; a later visit does not show it again.
    assert referral.reference not in client.get(reverse("refer:thanks")).content.decode()
    event = AuditEvent.objects.get(object_type="referrals.Referral")
    assert event.username == "public self-referral form" and event.user is None


def test_a_professional_referral_records_the_referrer_and_routes_by_gp_practice(service, instant) -> None:
    IntakeTeamFactory(team=service.team, is_default=True)
    IntakeTeamFactory(team=service.other_team, is_default=False, gp_practice_codes=["Y90001"])
    data = _form(
        source="gp",
        referrer_name="Dr Amy Hale",
        referrer_organisation="Riverside Surgery",
        referrer_contact="amy.hale@nhs.net",
        gp_practice_code="y90001",
        urgency="routine",
        secondary_care_involvement="no",
    )
    response = Client().post(reverse("refer:professional"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert (referral.source, referral.referrer_name, referral.team) == (
        "gp",
        "Dr Amy Hale",
        service.other_team,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_name", "", "Enter your first name."),
        ("date_of_birth", "31/02/1990", "Enter the date of birth as day/month/year"),
        ("date_of_birth", "01/01/2999", "must be in the past"),
        ("nhs_number", "1234567890", "not a valid NHS number"),
        ("phone_mobile", "call me maybe", "digits only"),
        ("consent", "", "Tick the box to agree"),
        ("presenting_difficulties", "", "Tell us a little"),
        ("given_name", "<script>alert(1)</script>", "Use letters only in names"),
        ("postcode", "ZZ99", "full UK postcode"),
        ("presenting_difficulties", "Low\x00mood", "Null characters are not allowed"),
    ],
)
def test_bad_answers_are_sent_back_with_a_plain_message_and_nothing_is_saved(
    service, instant, field, value, message
) -> None:
    response = Client().post(URL, _form(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("field", "length"),
    [("given_name", 101), ("family_name", 101), ("presenting_difficulties", 3001), ("address", 501)],
)
def test_answers_longer_than_the_limits_are_refused(service, instant, field, length) -> None:
    response = Client().post(URL, _form(**{field: "a" * length}))
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_html_typed_into_the_form_is_shown_as_text_to_staff(service, instant, client_for) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> I feel low'
    assert Client().post(URL, _form(presenting_difficulties=hostile)).status_code == 302
    referral = Referral.objects.get()
    staff = client_for(Role.ADMINISTRATOR)
    for url in (reverse("referrals:detail", args=[referral.pk]), reverse("referrals:inbox")):
        body = staff.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
    detail = staff.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail


def test_control_characters_are_removed(service, instant) -> None:
    assert (
        Client().post(URL, _form(presenting_difficulties="Low\x07 mood\x1b[31m\nfor weeks")).status_code
        == 302
    )
    assert Referral.objects.get().presenting_difficulties == "Low mood[31m\nfor weeks"


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(service, instant) -> None:
    response = Client().post(URL, _form(website="http://spam.example"))
    assert response.status_code == 302
    assert not Referral.objects.exists()


def test_a_form_sent_faster_than_a_person_could_is_sent_back(service, settings) -> None:
    settings.REFERRAL_FORM_MIN_SECONDS = 5
    start = dt.datetime(2025, 5, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token = public.new_token()
    with time_machine.travel(start + dt.timedelta(seconds=2), tick=False):
        response = Client().post(URL, _form(started=token))
    assert response.status_code == 400 and "quicker than we expected" in response.content.decode()
    assert not Referral.objects.exists()
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        assert Client().post(URL, _form(started=token)).status_code == 302
    assert Referral.objects.count() == 1


def test_a_missing_or_forged_timing_token_is_sent_back(service, instant) -> None:
    for token in ("", "forged:token", "1700000000.0"):
        response = Client().post(URL, _form(started=token))
        assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_flood_from_one_address_is_stopped_but_others_still_get_through(service, instant, settings) -> None:
    settings.REFERRAL_FORM_RATE_LIMIT_PER_HOUR = 3
    flooder = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [flooder.post(URL, _form(given_name=f"Person{'x' * n}")).status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Referral.objects.count() == 3
    assert "try again" in flooder.post(URL, _form()).content.decode().lower()
    assert Client(REMOTE_ADDR="198.51.100.7").post(URL, _form(given_name="Other")).status_code == 302


def test_the_rate_limit_counts_forms_that_fail_too(service, instant, settings) -> None:
    settings.REFERRAL_FORM_RATE_LIMIT_PER_HOUR = 2
    flooder = Client(REMOTE_ADDR="203.0.113.10")
    assert [flooder.post(URL, _form(given_name="")).status_code for _ in range(3)] == [400, 400, 429]


@pytest.mark.parametrize("url", [URL, "/refer/professional/"])
def test_no_question_about_secondary_care_is_answered_before_the_person_answers_it(service, url) -> None:
    body = Client().get(url).content.decode()
    radios = [line for line in body.split("<input") if 'name="secondary_care_involvement"' in line]
    assert len(radios) == 2 and not any("checked" in r.split(">")[0] for r in radios)


def test_leaving_the_secondary_care_question_unanswered_asks_for_an_answer(service, instant) -> None:
    response = Client().post(URL, _form(secondary_care_involvement=""))
    assert response.status_code == 400
    assert "Tell us whether you are seeing a community mental health team" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_failed_submit_titles_the_page_with_error_and_focuses_the_summary(service, instant) -> None:
    body = Client().post(URL, _form(given_name="")).content.decode()
    title = body.split("<title>")[1]
    assert title.startswith("Error: Refer yourself for talking therapy")
    summary = body.split('class="nhsuk-error-summary"')[1].split(">")[0]
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert "<title>Error:" not in Client().get(URL).content.decode()


def test_choosing_another_language_asks_which_and_keeps_the_answer(service, instant) -> None:
    response = Client().post(URL, _form(preferred_language="other"))
    assert response.status_code == 400
    assert "Tell us which language you would like to use." in response.content.decode()
    response = Client().post(URL, _form(preferred_language="other", preferred_language_other="Tigrinya"))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.preferred_language == "other"
    assert referral.submitted_details["preferred_language_other"] == "Tigrinya"


def test_the_forms_give_the_services_phone_number_and_opening_hours(service, settings, instant) -> None:
    settings.SERVICE_PHONE = "0113 496 0777"
    settings.SERVICE_OPENING_HOURS = "Monday to Friday, 8am to 8pm"
    for body in (
        Client().get(URL).content.decode(),
        Client().post(URL, _form(consent="")).content.decode(),
        Client().get(reverse("refer:thanks")).content.decode(),
    ):
        assert "0113 496 0777" in body and "Monday to Friday, 8am to 8pm" in body


def test_an_accepted_forms_token_cannot_be_used_again(service, instant) -> None:
    data = _form()
    assert Client().post(URL, data).status_code == 302
    replay = Client().post(URL, data)
    assert replay.status_code == 400 and "sent already" in replay.content.decode()
    assert Referral.objects.count() == 1
