"""Staff sign-in: passwords, MFA, lockout, session limits, sign-out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories.accounts import TEST_PASSWORD, TOTPDeviceFactory, UserFactory

LOGIN = "/account/sign-in/"


def _password_step(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.django_db
def test_passwords_are_stored_with_argon2() -> None:
    user = UserFactory()
    user.set_password("a long enough passphrase")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize("password", ["short1!", "password123456", "123456789012345"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.django_db
def test_password_alone_does_not_open_any_page() -> None:
    user = UserFactory(username="ben")
    TOTPDeviceFactory(user=user)
    client = Client()
    response = _password_step(client, "ben")
    assert response.status_code == 302
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))


@pytest.mark.django_db
def test_staff_without_an_authenticator_are_sent_to_enrol() -> None:
    UserFactory(username="newcomer")
    client = Client()
    _password_step(client, "newcomer")
    response = client.get("/patients/")
    assert response["Location"].startswith(reverse("accounts:mfa_enrol"))
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, drawn inline with no network


@pytest.mark.django_db
def test_a_correct_code_completes_sign_in_and_a_wrong_one_is_explained(service) -> None:
    user = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    device = user.totpdevice_set.get()
    client = Client()
    _password_step(client, user.username)
    wrong = client.post(reverse("accounts:mfa_verify"), {"token": "12345x"})
    assert "The code is 6 digits" in wrong.content.decode()
    right = client.post(reverse("accounts:mfa_verify") + "?next=/patients/", {"token": _code(device)})
    assert right.status_code == 302 and right["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


@pytest.mark.django_db
def test_enrolment_confirms_the_device_and_signs_in() -> None:
    user = UserFactory(username="newcomer")
    client = Client()
    _password_step(client, "newcomer")
    client.get(reverse("accounts:mfa_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:mfa_enrol"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.MFA_ENROLLED).exists()


@pytest.mark.django_db
def test_a_new_session_id_is_issued_at_sign_in() -> None:
    UserFactory(username="ben")
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _password_step(client, "ben")
    assert client.session.session_key != before


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account(settings) -> None:
    UserFactory(username="ben")
    client = Client()
    for _ in range(4):
        response = _password_step(client, "ben", "wrong password")
        assert "The username or password is not right" in response.content.decode()
    locked = _password_step(client, "ben", "wrong password")
    assert locked.status_code == 429
    assert "locked for 30 minutes" in locked.content.decode()
    # Even the right password is refused while locked.
    assert _password_step(client, "ben").status_code == 429
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED, username="ben").count() >= 5


@pytest.mark.django_db
def test_idle_sessions_end_after_30_minutes(service, settings) -> None:
    settings.SESSION_LAST_SEEN_REFRESH_SECONDS = 60
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(Client(), service.staff[Role.PWP])
        assert client.get("/patients/").status_code == 200
        clock.move_to(start + dt.timedelta(minutes=29))
        assert client.get("/patients/").status_code == 200
        clock.move_to(start + dt.timedelta(minutes=29 + 31))
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session


def _session_writes(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum(1 for q in queries.captured_queries if q["sql"].startswith('UPDATE "django_session"'))


@pytest.mark.django_db
def test_the_idle_clock_is_written_at_most_once_a_minute(service, settings) -> None:
    settings.SESSION_LAST_SEEN_REFRESH_SECONDS = 60
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(Client(), service.staff[Role.PWP])
        clock.move_to(start + dt.timedelta(seconds=5))
        assert _session_writes(client, "/patients/") == 0
        clock.move_to(start + dt.timedelta(seconds=59))
        assert _session_writes(client, "/patients/") == 0
        clock.move_to(start + dt.timedelta(seconds=61))
        assert _session_writes(client, "/patients/") == 1
        clock.move_to(start + dt.timedelta(seconds=90))
        assert _session_writes(client, "/patients/") == 0


@pytest.mark.django_db
def test_the_idle_limit_holds_to_the_minute_with_the_unwritten_requests(service, settings) -> None:
    """Requests within a minute of the stored time are not written, so the session ends at
    most a minute early after the last request and never late."""
    settings.SESSION_LAST_SEEN_REFRESH_SECONDS = 60
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(Client(), service.staff[Role.PWP])
        clock.move_to(start + dt.timedelta(seconds=50))  # not written: stored time stays 09:00
        assert client.get("/patients/").status_code == 200
        clock.move_to(start + dt.timedelta(minutes=29, seconds=59))
        assert client.get("/patients/").status_code == 200  # written: stored time 09:29:59
        clock.move_to(start + dt.timedelta(minutes=59, seconds=59))
        assert client.get("/patients/").status_code == 200  # exactly 30 idle minutes
        clock.move_to(start + dt.timedelta(minutes=59 + 30, seconds=59, microseconds=1))
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_sessions_end_after_12_hours_even_when_active(service, settings) -> None:
    settings.SESSION_LAST_SEEN_REFRESH_SECONDS = 60
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(Client(), service.staff[Role.PWP])
        for minutes in range(20, 12 * 60, 20):
            clock.move_to(start + dt.timedelta(minutes=minutes))
            assert client.get("/patients/").status_code == 200, minutes
        clock.move_to(start + dt.timedelta(hours=12, minutes=1))
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_sign_out_ends_the_session(service) -> None:
    client = sign_in(Client(), service.staff[Role.PWP])
    assert client.post(reverse("accounts:logout")).status_code == 302
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_OUT).exists()


@pytest.mark.django_db
def test_next_parameter_cannot_send_people_to_another_site(service) -> None:
    user = service.staff[Role.PWP]
    client = Client()
    _password_step(client, user.username)
    response = client.post(
        reverse("accounts:mfa_verify") + "?next=https://evil.example/",
        {"token": _code(user.totpdevice_set.get())},
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_new_session_id_is_issued_when_the_second_factor_completes() -> None:
    device = TOTPDeviceFactory(user=UserFactory(username="ben"))
    client = Client()
    _password_step(client, "ben")
    after_password = client.cookies["sessionid"].value
    response = client.post(reverse("accounts:mfa_verify"), {"token": _code(device)})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != after_password
    assert client.get("/patients/").status_code in {200, 403}  # signed in (403: no role here)
    # A copy of the cookie taken before the code never becomes a signed-in session.
    stolen = Client()
    stolen.cookies["sessionid"] = after_password
    response = stolen.get("/patients/")
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_changing_ones_password_asks_for_the_current_one(service) -> None:
    user = service.staff[Role.PWP]
    client = sign_in(Client(), user)
    url = reverse("accounts:change_password")
    new = {"new_password1": "Quiet-river-stones-9", "new_password2": "Quiet-river-stones-9"}
    response = client.post(url, new)
    assert (response.status_code == 200 and "This field is required" in response.content.decode()) or (
        "old password" in response.content.decode().lower()
    )
    response = client.post(url, {"old_password": "not my password", **new})
    assert "incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert client.post(url, {"old_password": TEST_PASSWORD, **new}).status_code == 302
    user.refresh_from_db()
    assert user.check_password("Quiet-river-stones-9")
