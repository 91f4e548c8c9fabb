"""Where a request came from, made available to the audit writer without passing it down."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PENDING = "_stepcare_pending_views"


def audit_if_redisplayed(request: HttpRequest, *, patients: list[Any], obj: Any = None) -> None:
    """A POST about these patients: if its response shows the page again (a refused or
    invalid form) rather than redirecting, one view event is written for it.

    A successful POST redirects and its action has written its own event.
    """
    request.__dict__.setdefault(PENDING, []).append((patients, obj))


def _write_pending(request: HttpRequest, response: HttpResponse) -> None:
    pending = request.__dict__.get(PENDING)
    if not pending or 300 <= response.status_code < 400 or response.status_code in {403, 404}:
        return
    if response.status_code >= 500:
        return
    from stepcare.audit.actions import record_shown

    match = getattr(request, "resolver_match", None)
    page = match.view_name if match else request.path
    user: Any = request.user
    written: set[tuple[Any, ...]] = set()
    for patients, obj in pending:
        key = (*sorted(p.pk for p in patients if p is not None), type(obj).__name__, getattr(obj, "pk", None))
        if key in written:  # the same page asked twice: one event
            continue
        written.add(key)
        record_shown(by=user, patients=patients, obj=obj, page=page, detail={"redisplayed": True})


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
            response = self.get_response(request)
            _write_pending(request, response)
            return response
        finally:
            current.reset(token)
