"""The one way for a page or an endpoint to fetch a patient-linked object for its user.

``fetch_for_user`` gets the object (404 when there is none), asks the access policy whether
the user holds ``permission`` for it, and on a refusal writes one ``access_denied`` audit
event naming the patients the object is about before refusing with a page that shows no
identifiers (offering break-glass where the page does). Asked to, it audits the read too.

Every patient-linked object goes through it: patients (``fetch_patient``), referrals,
appointments, groups, letters and every document of the clinical record
(``fetch_document``), and the REST API's objects (which turn the refusal into a 404).
A sub-object reached through its patient (a consent decision, a goal, a risk concern) is
fetched scoped to the patient the helper returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from stepcare.accounts.access import has_permission
from stepcare.accounts.models import User
from stepcare.accounts.roles import Permission
from stepcare.audit.actions import record, record_shown
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient

M = TypeVar("M", bound=models.Model)

BREAK_GLASS_PREFIX = "break-glass:"


def _no_patients(obj: Any) -> Iterable[Patient]:
    return ()


def fetch_for_user(
    request: HttpRequest,
    queryset: models.QuerySet[M],
    pk: int,
    permission: Permission,
    *,
    patients_of: Callable[[M], Iterable[Patient]] = _no_patients,
    patient_of: Callable[[M], Patient | None] | None = None,
    access_via: Callable[[M], Any] | None = None,
    by: User | None = None,
    break_glass: bool = False,
    audit_read: bool = False,
    audit_if_shown_again: bool = False,
    detail: dict[str, Any] | None = None,
) -> M:
    """``queryset``'s object ``pk`` if the user holds ``permission`` for it.

    - The user is ``request.user``, or ``by`` (the API's token user).
    - The policy is asked about the object, or about ``access_via(obj)`` (a document of the
      record is reached through its patient).
    - A refusal is audited: one event naming every patient the object is about
      (``patient_of`` for an object about one person, recorded in the event's own patient
      column; ``patients_of`` for several), with ``detail`` beside the permission. It raises
      ``PermissionDenied`` with no identifiers; with ``break_glass``, the refusal page offers
      break-glass for that patient to a user who may break glass.
    - ``audit_read`` writes one ``view`` event for the object and its patients (for a page
      showing just this object); ``audit_if_shown_again``, for a POST, one view event only if
      the response shows the page again instead of redirecting.
    """
    user = by if by is not None else cast(User, request.user)
    try:
        obj = queryset.get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if not has_permission(user, permission, obj=access_via(obj) if access_via is not None else obj):
        patient = patient_of(obj) if patient_of is not None else None
        record(
            by=user,
            action=AuditEvent.Action.ACCESS_DENIED,
            obj=obj,
            patient=patient,
            patients=list(patients_of(obj)),
            detail={"permission": permission.value, **(detail or {})},
        )
        offer = break_glass and patient is not None and has_permission(user, Permission.BREAK_GLASS)
        raise PermissionDenied(f"{BREAK_GLASS_PREFIX}{patient.pk}" if offer and patient else "")
    if audit_read:
        _audit_read(request, user, obj, patient_of(obj) if patient_of is not None else None, patients_of)
    elif audit_if_shown_again and request.method == "POST":
        patient = patient_of(obj) if patient_of is not None else None
        shown = [patient] if patient is not None else list(patients_of(obj))
        audit_if_redisplayed(request, patients=shown, obj=obj)
    return obj


def _audit_read(
    request: HttpRequest,
    user: User,
    obj: models.Model,
    patient: Patient | None,
    patients_of: Callable[[Any], Iterable[Patient]],
) -> None:
    page = request.resolver_match.view_name if request.resolver_match else ""
    if patient is not None:
        record(
            by=user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            obj=obj,
            detail={"page": page} if page else {},
        )
    else:
        record_shown(by=user, patients=patients_of(obj), obj=obj, page=page or request.path)


def fetch_patient(
    request: HttpRequest,
    pk: int,
    permission: Permission = Permission.VIEW_PATIENT,
    *,
    audit_view: bool = True,
    defer: bool = True,
) -> Patient:
    """The patient (with what the banner shows), if this user may see it; refusals offer
    break-glass. ``audit_view`` audits the read; otherwise a POST whose response shows the
    page again is audited then (``defer``)."""
    return fetch_for_user(
        request,
        Patient.objects.for_banner(),
        pk,
        permission,
        patient_of=_itself,
        break_glass=True,
        audit_read=audit_view,
        audit_if_shown_again=defer,
    )


def _itself(patient: Patient) -> Patient:
    return patient


def fetch_document(
    request: HttpRequest,
    queryset: models.QuerySet[M],
    pk: int,
    permission: Permission,
    *,
    audit_view: bool = True,
) -> tuple[M, Patient]:
    """A document of the clinical record and its patient (for the banner), if this user holds
    ``permission`` for the patient; refusals offer break-glass; ``audit_view`` audits the read."""
    document = fetch_for_user(
        request,
        queryset,
        pk,
        permission,
        patient_of=_patient_of_document,
        access_via=_patient_of_document,
        break_glass=True,
        audit_read=audit_view,
    )
    patient = Patient.objects.for_banner().get(pk=_patient_of_document(document).pk)
    return document, patient


def _patient_of_document(document: Any) -> Patient:
    patient: Patient = document.patient
    return patient
