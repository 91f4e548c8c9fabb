"""Audit sign-in and sign-out; end break-glass grants at sign-out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from stepcare.accounts.middleware import AUTH_AT, LAST_SEEN
from stepcare.audit.actions import end_break_glass_grants, record
from stepcare.audit.models import AuditEvent


@receiver(user_logged_in)
def _on_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    now = timezone.now().timestamp()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now
    record(by=user, action=AuditEvent.Action.SIGN_IN)


@receiver(user_logged_out)
def _on_sign_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        end_break_glass_grants(user=user)
        record(by=user, action=AuditEvent.Action.SIGN_OUT)


@receiver(user_login_failed)
def _on_sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    record(by=None, action=AuditEvent.Action.SIGN_IN_FAILED, username=str(credentials.get("username", "")))
