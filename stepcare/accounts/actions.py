"""Writes about staff: accounts, memberships and MFA devices."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.models import Membership, Organisation, Service, Team, User
from stepcare.accounts.permissions import Role
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for ``user``; any earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp_enrolment(*, user: User, device: TOTPDevice) -> TOTPDevice:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(by=user, action=AuditEvent.Action.MFA_ENROLLED, obj=device)
    return device


@transaction.atomic
def add_membership(*, by: User | None, user: User, team: Team, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, team=team, role=role, defaults={"active": True}
    )
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        obj=membership,
        detail={"user": user.username, "team": team.name, "role": role},
    )
    return membership


@transaction.atomic
def create_staff(
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    temporary_password: str,
    team: Team,
    role: str,
) -> User:
    """A new member of staff with a temporary password, changed at first sign-in."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        must_change_password=True,
    )
    user.set_password(temporary_password)
    user.save()
    record(by=by, action=AuditEvent.Action.CREATE, obj=user, detail={"username": username})
    add_membership(by=by, user=user, team=team, role=role)
    return user


@transaction.atomic
def end_membership(*, by: User, membership: Membership) -> Membership:
    membership.active = False
    membership.save(update_fields=["active"])
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        obj=membership,
        detail={"user": membership.user.username, "ended": membership.role},
    )
    return membership


@transaction.atomic
def reset_mfa(*, by: User, user: User) -> int:
    """Remove the person's authenticators: they enrol a new one at their next sign-in."""
    removed: int = TOTPDevice.objects.filter(user=user).delete()[0]
    record(by=by, action=AuditEvent.Action.UPDATE, obj=user, detail={"mfa_reset": True})
    return removed


@transaction.atomic
def set_active(*, by: User, user: User, active: bool, temporary_password: str = "") -> User:
    """Switch an account off (it can no longer sign in) or back on."""
    user.is_active = active
    fields = ["is_active"]
    if temporary_password:
        user.set_password(temporary_password)
        user.must_change_password = True
        fields += ["password", "must_change_password"]
    user.save(update_fields=fields)
    record(by=by, action=AuditEvent.Action.UPDATE, obj=user, detail={"active": active})
    return user


@transaction.atomic
def change_own_password(*, user: User, new_password: str) -> User:
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(by=user, action=AuditEvent.Action.UPDATE, obj=user, detail={"password_changed": True})
    return user


class TeamRefused(Exception):
    """A team that cannot be created; the message is for the person who asked."""


@transaction.atomic
def create_team(*, by: User, service: Service, name: str) -> Team:
    """A new team in ``service``. Whoever creates it manages it (holds the service-manager
    role in it), so they can add its staff straight away."""
    name = " ".join(name.split())
    if not name:
        raise TeamRefused("Enter the team's name.")
    if Team.objects.filter(service=service, name__iexact=name).exists():
        raise TeamRefused(f"{service} already has a team called {name}. Choose another name.")
    team = Team.objects.create(service=service, name=name)
    record(by=by, action=AuditEvent.Action.CREATE, obj=team, detail={"team": name, "service": service.name})
    add_membership(by=by, user=by, team=team, role=Role.SERVICE_MANAGER)
    return team


class BootstrapRefused(Exception):
    """The service is already set up: bootstrapping again needs an explicit --force."""


@transaction.atomic
def bootstrap_service(
    *,
    ods_code: str,
    organisation_name: str,
    service_name: str,
    team_name: str,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    one_time_password: str,
    force: bool = False,
) -> User:
    """The first organisation, service, team and service manager of a new installation.

    The manager signs in with ``one_time_password``, enrols an authenticator and must then
    choose their own password (the same flow as staff added by a manager). Refused when
    any member of staff already exists, unless ``force``.
    """
    if User.objects.exists() and not force:
        raise BootstrapRefused(
            "Stepcare is already set up: staff accounts exist. Service managers add staff at "
            "/account/staff/. Use --force only to add another organisation and manager on purpose."
        )
    if User.objects.filter(username=username).exists():
        raise BootstrapRefused(f"The username {username} is taken. Choose another with --username.")
    organisation, _ = Organisation.objects.get_or_create(
        ods_code=ods_code, defaults={"name": organisation_name or ods_code}
    )
    service, _ = Service.objects.get_or_create(organisation=organisation, name=service_name)
    team, _ = Team.objects.get_or_create(service=service, name=team_name)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        job_title="Service manager",
        must_change_password=True,
    )
    user.set_password(one_time_password)
    user.save()
    record(
        by=None,
        action=AuditEvent.Action.CREATE,
        obj=user,
        detail={
            "bootstrap": True,
            "forced": force,
            "username": username,
            "organisation": organisation.ods_code,
            "service": service.name,
            "team": team.name,
        },
    )
    add_membership(by=None, user=user, team=team, role=Role.SERVICE_MANAGER)
    return user


@transaction.atomic
def password_set_by_admin(*, by: User, user: User) -> None:
    """A superuser set someone's password in the admin (already saved). Someone who knows a
    password they did not choose must not also inherit the authenticator: the person enrols a
    new one and chooses their own password at the next sign-in. Audited."""
    removed = 0
    if user.pk != by.pk:
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        detail={
            "password_set_in_admin": True,
            "mfa_reset": user.pk != by.pk,
            "authenticators_removed": removed,
        },
    )


@transaction.atomic
def record_admin_change(
    *,
    by: User,
    obj: Any,
    created: bool = False,
    deleted: bool = False,
    changed: list[str] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a change made in Django's admin, as the staff pages audit theirs."""
    record(
        by=by,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=obj,
        detail={"admin": True, "deleted": deleted, "changed": changed or [], **(detail or {})},
    )
