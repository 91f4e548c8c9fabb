"""A new installation: `stepcare bootstrap` makes the first service manager, who signs in
with the one-time password, enrols an authenticator, chooses a password and adds a team."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.models import Membership, Organisation, Team, User
from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
# Session, user, memberships, MFA device, services, and the page's own reads: not one per team.
QUERIES_ON_TEAM_PAGE = 6


def _bootstrap(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "bootstrap",
        "--organisation",
        "x9z",
        "--service",
        "Riverside Talking Therapies",
        "--manager",
        "Asha.Patel@example.nhs.uk",
        "--name",
        "Asha Patel",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _one_time_password(output: str) -> str:
    match = re.search(r"one-time password: (\S+)", output)
    assert match, output
    return match.group(1)


def test_bootstrap_creates_the_service_and_a_manager_who_must_enrol_then_replace_the_password() -> None:
    output = _bootstrap()
    password = _one_time_password(output)
    manager = User.objects.get(username="asha.patel")
    assert Organisation.objects.get().ods_code == "X9Z"
    assert manager.email == "asha.patel@example.nhs.uk" and manager.get_full_name() == "Asha Patel"
    assert manager.must_change_password and manager.check_password(password)
    membership = Membership.objects.get(user=manager)
    assert membership.role == Role.SERVICE_MANAGER and membership.team.name == "Intake"
    assert AuditEvent.objects.filter(
        object_type="accounts.User", object_id=str(manager.pk), detail__bootstrap=True
    ).exists()

    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "asha.patel", "password": password})
    assert response.status_code == 302
    # A password alone opens nothing: enrol an authenticator first, from the secret shown.
    assert client.get(reverse("accounts:staff_list"))["Location"].startswith(reverse("accounts:mfa_enrol"))
    client.get(reverse("accounts:mfa_enrol"))
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    client.post(reverse("accounts:mfa_enrol"), {"token": code})
    assert TOTPDevice.objects.get(user=manager).confirmed
    # Then the one-time password is replaced before anything else opens.
    assert client.get(reverse("accounts:staff_list"))["Location"] == reverse("accounts:change_password")
    client.post(
        reverse("accounts:change_password"),
        {
            "old_password": password,
            "new_password1": "Copper-kettle-meadow-31",
            "new_password2": "Copper-kettle-meadow-31",
        },
    )
    manager.refresh_from_db()
    assert not manager.must_change_password and not manager.check_password(password)
    assert client.get(reverse("accounts:staff_list")).status_code == 200


def test_bootstrap_refuses_to_run_twice_unless_forced() -> None:
    _bootstrap()
    with pytest.raises(CommandError, match="already set up"):
        _bootstrap()
    assert User.objects.count() == 1
    output = _bootstrap("--force", "--username", "asha.patel2", "--team", "Second front door")
    assert "one-time password" in output
    assert User.objects.count() == 2 and Organisation.objects.count() == 1


def test_bootstrap_explains_a_bad_ods_code_and_creates_nothing() -> None:
    with pytest.raises(CommandError, match="ODS code"):
        call_command(
            "bootstrap", "--organisation", "not an ods", "--service", "S", "--manager", "a.b@example.nhs.uk"
        )
    assert not User.objects.exists() and not Organisation.objects.exists()


def test_a_manager_adds_a_team_manages_it_and_staffs_it(service, client_for) -> None:
    manager = client_for(Role.SERVICE_MANAGER)
    form = manager.get(reverse("accounts:team_new"))
    assert form.status_code == 200 and "Team name" in form.content.decode()
    response = manager.post(
        reverse("accounts:team_new"), {"service": service.team.service_id, "name": "  Step 3   East "}
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Step 3 East")
    assert Membership.objects.filter(
        user=service.staff[Role.SERVICE_MANAGER], team=team, role=Role.SERVICE_MANAGER, active=True
    ).exists()
    assert AuditEvent.objects.filter(object_type="accounts.Team", object_id=str(team.pk)).exists()
    staff_form = manager.get(reverse("accounts:staff_new")).content.decode()
    assert f'value="{team.pk}"' in staff_form


def test_a_second_team_with_the_same_name_is_refused_with_a_message(service, client_for) -> None:
    manager = client_for(Role.SERVICE_MANAGER)
    response = manager.post(
        reverse("accounts:team_new"), {"service": service.team.service_id, "name": "north TEAM"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "already has a team called north TEAM" in body and 'value="north TEAM"' in body
    assert Team.objects.filter(name__iexact="north team").count() == 1


def test_a_manager_cannot_add_a_team_to_a_service_they_do_not_manage(service, client_for) -> None:
    from tests.factories.accounts import OrganisationFactory, ServiceFactory, TeamFactory

    other_service = ServiceFactory(name="Elsewhere", organisation=OrganisationFactory(ods_code="RX1"))
    elsewhere = TeamFactory(name="Elsewhere", service=other_service)
    response = client_for(Role.SERVICE_MANAGER).post(
        reverse("accounts:team_new"), {"service": elsewhere.service_id, "name": "Step 2"}
    )
    assert response.status_code == 400 and not Team.objects.filter(name="Step 2").exists()


def test_staff_without_the_manage_staff_permission_cannot_add_teams(service) -> None:
    client = sign_in(Client(), service.staff[Role.HIGH_INTENSITY_THERAPIST])
    assert client.get(reverse("accounts:team_new")).status_code == 403


def test_the_add_a_team_page_runs_a_fixed_number_of_queries(
    service, client_for, django_assert_num_queries
) -> None:
    from tests.factories.accounts import TeamFactory

    manager = client_for(Role.SERVICE_MANAGER)
    manager.get(reverse("accounts:team_new"))
    for n in range(3):
        team = TeamFactory(name=f"Extra {n}", service=service.team.service)
        Membership.objects.create(
            user=service.staff[Role.SERVICE_MANAGER], team=team, role=Role.SERVICE_MANAGER
        )
    with django_assert_num_queries(QUERIES_ON_TEAM_PAGE):
        assert manager.get(reverse("accounts:team_new")).status_code == 200
