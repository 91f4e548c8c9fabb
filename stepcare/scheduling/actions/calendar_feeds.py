"""The private calendar address a clinician gives their calendar app."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.models import CalendarFeed


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_calendar_feed(*, by: User, show_initials: bool = False) -> tuple[CalendarFeed, str]:
    """A new private calendar address for ``by``; any previous one stops working.

    Returns the feed and its secret, which is shown once and never stored.
    """
    revoke_calendar_feeds(by=by)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        clinician=by, token_hash=feed_token_hash(token), show_initials=show_initials
    )
    record(by=by, action=AuditEvent.Action.CREATE, obj=feed, detail={"show_initials": show_initials})
    return feed, token


@transaction.atomic
def revoke_calendar_feeds(*, by: User) -> int:
    count = CalendarFeed.objects.filter(clinician=by, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        record(by=by, action=AuditEvent.Action.UPDATE, detail={"calendar_feed_revoked": count})
    return count
