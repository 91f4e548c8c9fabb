"""Service managers manage staff: accounts, roles in teams, MFA resets, switching off."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from tests.conftest import sign_in

NEW = {
    "username": "jane.doe",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jane.doe@example.nhs.uk",
    "job_title": "CBT therapist",
    "temporary_password": "Harbour-lantern-47",
    "role": Role.HIGH_INTENSITY_THERAPIST,
}


def test_manager_adds_a_therapist_who_must_choose_a_password_after_mfa(service, client_for) -> None:
    manager = client_for(Role.SERVICE_MANAGER)
    response = manager.post(reverse("accounts:staff_new"), {**NEW, "team": service.team.pk})
    user = User.objects.get(username="jane.doe")
    assert response.status_code == 302
    assert user.must_change_password
    assert Membership.objects.get(user=user).role == Role.HIGH_INTENSITY_THERAPIST
    assert AuditEvent.objects.filter(object_type="accounts.User", object_id=str(user.pk)).exists()

    newcomer = Client()
    newcomer.post(reverse("accounts:login"), {"username": "jane.doe", "password": NEW["temporary_password"]})
    # MFA first: a password alone opens nothing, not even the password change.
    assert newcomer.get(reverse("accounts:change_password"))["Location"].startswith(
        reverse("accounts:mfa_enrol")
    )
    sign_in(newcomer, user)
    assert newcomer.get("/patients/")["Location"] == reverse("accounts:change_password")
    newcomer.post(
        reverse("accounts:change_password"),
        {
            "old_password": NEW["temporary_password"],
            "new_password1": "Quiet-river-stones-9",
            "new_password2": "Quiet-river-stones-9",
        },
    )
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Quiet-river-stones-9")
    assert newcomer.get("/patients/").status_code == 200


def test_wrong_values_for_a_new_account_are_explained_and_nothing_is_created(service, client_for) -> None:
    manager = client_for(Role.SERVICE_MANAGER)
    body = manager.post(
        reverse("accounts:staff_new"),
        {
            **NEW,
            "team": service.team.pk,
            "username": "Jane Doe",
            "temporary_password": "short",
            "email": "nope",
        },
    ).content.decode()
    assert "Use 3 or more lower-case letters" in body
    assert "This password is too short" in body
    assert "Enter an email address like name@nhs.net" in body
    taken = manager.post(
        reverse("accounts:staff_new"),
        {
            **NEW,
            "team": service.team.pk,
            "username": service.staff[Role.PWP].username,
        },
    ).content.decode()
    assert "That username is taken" in taken
    assert not User.objects.filter(username="jane.doe").exists()


def test_manager_cannot_give_a_role_in_a_team_they_do_not_manage(service, client_for) -> None:
    staff = service.staff[Role.PWP]
    response = client_for(Role.SERVICE_MANAGER).post(
        reverse("accounts:staff_detail", args=[staff.pk]), {"team": service.other_team.pk, "role": Role.PWP}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(user=staff, team=service.other_team).exists()


def test_ending_a_role_removes_access_but_keeps_the_history(service, client_for, patient) -> None:
    staff = service.staff[Role.PWP]
    membership = Membership.objects.get(user=staff)
    client_for(Role.SERVICE_MANAGER).post(
        reverse("accounts:staff_end_membership", args=[staff.pk, membership.pk])
    )
    membership.refresh_from_db()
    assert membership.active is False
    assert (
        sign_in(Client(), User.objects.get(pk=staff.pk))
        .get(reverse("patients:detail", args=[patient.pk]))
        .status_code
        == 403
    )


def test_resetting_mfa_makes_them_enrol_again(service, client_for) -> None:
    staff = service.staff[Role.PWP]
    client_for(Role.SERVICE_MANAGER).post(reverse("accounts:staff_reset_mfa", args=[staff.pk]))
    assert not TOTPDevice.objects.filter(user=staff).exists()


def test_a_switched_off_account_cannot_sign_in_and_a_manager_cannot_switch_off_themselves(
    service, client_for
) -> None:
    staff = service.staff[Role.PWP]
    manager = client_for(Role.SERVICE_MANAGER)
    manager.post(reverse("accounts:staff_set_active", args=[staff.pk]), {"active": "0"})
    staff.refresh_from_db()
    assert not staff.is_active
    attempt = Client().post(
        reverse("accounts:login"), {"username": staff.username, "password": "correct-horse-battery-staple"}
    )
    assert attempt.status_code == 200 and "_auth_user_id" not in attempt.client.session
    me = service.staff[Role.SERVICE_MANAGER]
    manager.post(reverse("accounts:staff_set_active", args=[me.pk]), {"active": "0"})
    me.refresh_from_db()
    assert me.is_active
    weak = manager.post(
        reverse("accounts:staff_set_active", args=[staff.pk]), {"active": "1", "temporary_password": "abc"}
    )
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    manager.post(reverse("accounts:staff_set_active", args=[staff.pk]), {"active": "1"})
    staff.refresh_from_db()
    assert staff.is_active


def test_staff_list_query_count_does_not_grow_with_staff(
    service, client_for, django_assert_num_queries
) -> None:
    from tests.factories.accounts import MembershipFactory

    manager = client_for(Role.SERVICE_MANAGER)
    manager.get(reverse("accounts:staff_list"))
    # sign-in (4), the count, the manager's teams for the filter, the page, its roles and devices
    with django_assert_num_queries(9):
        manager.get(reverse("accounts:staff_list"))
    MembershipFactory.create_batch(10, team=service.team)
    with django_assert_num_queries(9):
        manager.get(reverse("accounts:staff_list"))
