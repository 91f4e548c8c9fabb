"""Session limits and the MFA requirement, applied to every request."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

AUTH_AT = "_stepcare_auth_at"
LAST_SEEN = "_stepcare_last_seen"

# Paths that need no verified second factor: signing in and out, enrolment, static files,
# the health check, the public (patient-facing) pages and private calendar feeds.
PUBLIC_PREFIXES = ("/static/", "/health/", "/refer/", "/calendar/", "/favicon.ico")


@functools.cache
def _mfa_exempt_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:login"),
        reverse("accounts:logout"),
        reverse("accounts:mfa_enrol"),
        reverse("accounts:mfa_verify"),
    )


class SessionLimitsMiddleware:
    """Sign a member of staff out after 30 idle minutes or 12 hours in all (to the minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            auth_at = request.session.setdefault(AUTH_AT, now)
            last_seen = request.session.get(LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT_SECONDS
            too_long = now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
            if idle or too_long:
                logout(request)
                messages.info(
                    request,
                    "You were signed out after 30 minutes without activity."
                    if idle
                    else "You were signed out because you had been signed in for 12 hours.",
                )
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
            # Written at most once a minute (SESSION_LAST_SEEN_REFRESH_SECONDS), so most page views
            # cost no session UPDATE. The stored time is then up to a minute older than the last
            # request: the idle limit ends a session at most that much early, never late.
            refresh = settings.SESSION_LAST_SEEN_REFRESH_SECONDS
            if now - last_seen >= refresh or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """Every signed-in member of staff must have passed a TOTP check this session, and must
    replace a temporary password before opening anything."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path.startswith(PUBLIC_PREFIXES)
            and request.path not in _mfa_exempt_paths()
        ):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = "accounts:mfa_verify" if has_device else "accounts:mfa_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(PUBLIC_PREFIXES)
            and request.path not in (*_mfa_exempt_paths(), reverse("accounts:change_password"))
        ):
            # A temporary password from a manager is replaced before anything else is opened
            # (after the second factor, so a password alone cannot change the password).
            return redirect("accounts:change_password")
        return self.get_response(request)
