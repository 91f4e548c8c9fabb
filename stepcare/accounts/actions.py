"""Writes about staff: accounts, memberships and MFA devices."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.models import Membership, Team, User
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
