"""Where a request came from, made available to the audit writer without passing it down."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    path: str


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "stepcare_audit_request", default=None
)


def client_address(request: HttpRequest) -> str | None:
    """The client's address: behind ``PROXY_COUNT`` trusted proxies, the address the outermost
    trusted proxy saw (X-Forwarded-For, counted from the right); otherwise REMOTE_ADDR."""
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if proxies:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(chain) >= proxies:
            return str(chain[-proxies])
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current.set(RequestContext(ip_address=client_address(request), path=request.path[:500]))
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
