"""What every router of the REST API shares: problem responses, paging, the token's user and
write scope, audit of lists and reads, and fetching one object for the token's user through
``stepcare.audit.fetch`` (another team's object is audited, then a 404 that confirms nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Path, Schema
from pydantic import Field

from stepcare.accounts.models import User
from stepcare.accounts.roles import Permission
from stepcare.audit.actions import record
from stepcare.audit.fetch import fetch_for_user
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient

MAX_PAGE_SIZE = 100
PROBLEM = "application/problem+json"
NOT_FOUND = "There is nothing here that you can see."

M = TypeVar("M", bound=models.Model)


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "") -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail


def problem_response(status: int, title: str, detail: str = "", **headers: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class Paging(Schema):
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=1_000_000)


DB_ID: Any = Path(..., ge=1, le=2_147_483_647)  # type: ignore[type-arg]


def user_of(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def text(value: str) -> str:
    """A text filter, refused if it holds a NUL (PostgreSQL cannot compare one)."""
    if "\x00" in value:
        raise Problem(422, "Invalid request", "Text filters cannot contain NUL characters.")
    return value.strip()


def require_write(request: HttpRequest) -> None:
    token = getattr(request, "api_token", None)
    if token is None or not token.can_write:
        raise Problem(403, "Forbidden", "This token is read only; create a token with write scope.")


def page_of(qs: QuerySet[M], paging: Paging) -> tuple[list[M], int]:
    total = qs.count()
    return list(qs[paging.offset : paging.offset + paging.limit]), total


def audit_list(user: User, endpoint: str, patient_ids: list[int], paging: Paging) -> None:
    record(
        by=user,
        action=AuditEvent.Action.VIEW,
        detail={"api": endpoint, "offset": paging.offset, "patients": sorted(set(patient_ids))},
        patient_ids=patient_ids,  # each patient listed finds this read in their access log
    )


def audit_view(user: User, endpoint: str, patient: Patient, obj: models.Model | None = None) -> None:
    record(by=user, action=AuditEvent.Action.VIEW, patient=patient, obj=obj, detail={"api": endpoint})


def fetch(
    request: HttpRequest,
    queryset: QuerySet[M],
    pk: int,
    permission: Permission,
    endpoint: str,
    *,
    patient_of: Callable[[M], Patient | None],
    patients_of: Callable[[M], Iterable[Patient]] | None = None,
) -> M:
    """The object ``pk`` if the token's user holds ``permission`` for it. A missing object is a
    404; another team's is audited (naming its patients and the endpoint), then the same 404."""
    try:
        return fetch_for_user(
            request,
            queryset,
            pk,
            permission,
            by=user_of(request),
            patient_of=patient_of,
            patients_of=patients_of or (lambda obj: ()),
            detail={"api": endpoint},
        )
    except PermissionDenied:
        raise Problem(404, "Not found", NOT_FOUND) from None
