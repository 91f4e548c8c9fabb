"""Where a request came from, made available to the audit writer without passing it down."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    path: str


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "stepcare_audit_request", default=None
)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current.set(
            RequestContext(ip_address=request.META.get("REMOTE_ADDR"), path=request.path[:500])
        )
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
