"""Django's admin: reachable only when switched on; role grants and passwords set there are
audited; a password set by someone else forces a new authenticator; no TOTP secret shows."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import clear_url_caches, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.models import Membership
from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.factories.accounts import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(service) -> Client:
    boss = UserFactory(username="root.admin", is_superuser=True, is_staff=True)
    TOTPDeviceFactory(user=boss)
    return sign_in(Client(), boss)


def test_a_role_granted_in_the_admin_is_audited_like_the_staff_pages(service, superuser_client) -> None:
    user = service.staff[Role.PWP]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "username": user.username,
            "date_joined_0": "2025-01-01",
            "date_joined_1": "09:00:00",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": str(Membership.objects.get(user=user).pk),
            "memberships-0-user": str(user.pk),
            "memberships-0-team": str(service.team.pk),
            "memberships-0-role": Role.PWP.value,
            "memberships-0-active": "on",
            "memberships-1-user": str(user.pk),
            "memberships-1-team": str(service.other_team.pk),
            "memberships-1-role": Role.CLINICAL_SUPERVISOR.value,
            "memberships-1-active": "on",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    granted = Membership.objects.get(user=user, team=service.other_team)
    event = AuditEvent.objects.get(object_type="accounts.Membership", object_id=str(granted.pk))
    assert event.username == "root.admin" and event.detail["role"] == Role.CLINICAL_SUPERVISOR.value


def test_a_password_set_by_a_superuser_forces_a_new_authenticator_and_is_audited(
    service, superuser_client
) -> None:
    user = service.staff[Role.PWP]
    assert TOTPDevice.objects.filter(user=user).exists()
    response = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Another-long-passphrase-7", "password2": "Another-long-passphrase-7"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-long-passphrase-7") and user.must_change_password
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(
        object_type="accounts.User", object_id=str(user.pk), detail__password_set_in_admin=True
    ).exists()


def test_the_admin_never_shows_or_edits_a_totp_secret(service, superuser_client) -> None:
    device = TOTPDevice.objects.get(user=service.staff[Role.PWP])
    secret = base64.b32encode(device.bin_key).decode()
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
    ]
    for url in pages:
        body = superuser_client.get(url).content.decode()
        assert device.key not in body and secret not in body and "otpauth://" not in body
    response = superuser_client.post(pages[1], {"key": "00" * 20, "name": "x"})
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.key != "00" * 20
    assert superuser_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_the_admin_is_not_reachable_when_switched_off(settings, superuser_client) -> None:
    import importlib

    import stepcare.urls

    settings.ADMIN_ENABLED = False
    try:
        importlib.reload(stepcare.urls)
        clear_url_caches()
        assert superuser_client.get("/admin/").status_code == 404
    finally:
        settings.ADMIN_ENABLED = True
        importlib.reload(stepcare.urls)
        clear_url_caches()
    assert superuser_client.get("/admin/").status_code == 200


def test_admin_is_off_by_default_in_production() -> None:
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings; print(settings.ADMIN_ENABLED)"
    env = {
        "STEPCARE_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "stepcare.settings",
        "SECRET_KEY": "p7Hq2xVt9LmN4bKc8RwZ1sYd6FgJ3aUe5TiO0oPlMnBvCxQzWeRtYuIoPaSdFgHj",
        "DATABASE_URL": "postgresql://u:p@localhost:5432/stepcare",
        "REDIS_URL": "redis://localhost:6379/0",
        "ALLOWED_HOSTS": "stepcare.example.nhs.uk",
        "VIDEO_BASE_URL": "https://video.example.nhs.uk/join/",
        "SERVICE_PHONE": "0113 496 0000",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
