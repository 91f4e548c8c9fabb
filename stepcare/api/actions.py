"""Creating and revoking personal access tokens (audited)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.api.models import ApiToken
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent

MAX_LIFETIME_DAYS = 90
TOKEN_PREFIX = "stp_"


class TokenRefused(Exception):
    pass


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(*, by: User, name: str, scope: str, expires_on: dt.date) -> tuple[ApiToken, str]:
    """A new token for ``by``; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise TokenRefused("Give the token a name, so you can recognise it later.")
    if scope not in ApiToken.Scope.values:
        raise TokenRefused("Choose read only, or read and write.")
    today = timezone.localdate()
    if expires_on <= today:
        raise TokenRefused("The expiry date must be in the future.")
    if expires_on > today + dt.timedelta(days=MAX_LIFETIME_DAYS):
        raise TokenRefused(f"A token can last at most {MAX_LIFETIME_DAYS} days.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time(23, 59, 59)))
    token = ApiToken.objects.create(
        user=by,
        name=name[:100],
        prefix=raw[:12],
        token_hash=hash_token(raw),
        scope=scope,
        expires_at=expires_at,
    )
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        obj=token,
        detail={"api_token": token.prefix, "scope": scope, "expires_on": expires_on.isoformat()},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, by: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != by.pk:
        raise TokenRefused("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            obj=token,
            detail={"api_token": token.prefix, "revoked": True},
        )
    return token
