"""One way for a page to fetch a patient-linked object for the signed-in user.

``fetch_for_user`` gets the object (404 when there is none), asks the access policy whether
the user holds ``permission`` for it, and on a refusal writes one ``access_denied`` audit
event naming the patients the object is about before refusing with a page that shows no
identifiers. Used for scheduling's appointments and groups and for referrals; patients,
letters and the record documents are to move onto it (they check the patient rather than the
document, and offer break-glass on a refusal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from stepcare.accounts.access import has_permission
from stepcare.accounts.roles import Permission
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient

M = TypeVar("M", bound=models.Model)


def fetch_for_user(
    request: StaffRequest,
    queryset: models.QuerySet[M],
    pk: int,
    permission: Permission,
    *,
    patients_of: Callable[[M], Iterable[Patient]] = lambda obj: (),
    patient_of: Callable[[M], Patient | None] | None = None,
) -> M:
    """``queryset``'s object ``pk`` if ``request.user`` holds ``permission`` for it.

    A refusal is audited (one event naming every patient the object is about: ``patient_of``
    for an object about one person, recorded in the event's own patient column;
    ``patients_of`` for several) and raises ``PermissionDenied`` with no identifiers. The
    caller audits a successful read, since it knows what its page shows."""
    try:
        obj = queryset.get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if not has_permission(request.user, permission, obj=obj):
        record(
            by=request.user,
            action=AuditEvent.Action.ACCESS_DENIED,
            obj=obj,
            patient=patient_of(obj) if patient_of is not None else None,
            patients=list(patients_of(obj)),
            detail={"permission": permission.value},
        )
        raise PermissionDenied
    return obj
