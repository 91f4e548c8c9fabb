"""Response headers every page carries: a Content-Security-Policy without 'unsafe-inline'
(a fresh nonce per response for the little that must stay inline), and ``Cache-Control:
no-store`` on every signed-in response so no patient data is kept by browsers or proxies.

See docs/security.md and docs/adr/0011-security-headers-and-admin.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

NONCE_ATTR = "csp_nonce"


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Sits just after Django's SecurityMiddleware, so it also sees responses made by the
    sign-in, MFA, lockout and static-file layers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        setattr(request, NONCE_ATTR, nonce)
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(nonce))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Patient data may be on any signed-in page: never stored, by browser or proxy.
            patch_cache_control(response, no_store=True, private=True)
            if "max-age" in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store, private"
        return response


def nonce(request: HttpRequest) -> dict[str, str]:
    """Template context processor: ``{{ csp_nonce }}`` for inline elements that must stay."""
    return {NONCE_ATTR: str(getattr(request, NONCE_ATTR, ""))}
