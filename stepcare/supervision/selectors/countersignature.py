"""Trainees' signed documents that need, await or carry a supervisor's countersignature."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Permission, Role, team_ids_with_permission
from stepcare.supervision.models import (
    Countersignature,
)
from stepcare.supervision.selectors.team import is_trainee, named_supervisor_id

COUNTERSIGNED_KINDS = ("session-note", "assessment")


PENDING_LIMIT = 50


def _author_is_trainee(author_id: int) -> bool:
    return Membership.objects.filter(
        user_id=author_id, active=True, role=Role.TRAINEE_HIGH_INTENSITY_THERAPIST
    ).exists()


def needs_countersignature(document: Any) -> bool:
    """Whether the service requires a countersignature of this document: a trainee's signed
    session note or assessment, while SUPERVISION_TRAINEE_COUNTERSIGNATURE is on."""
    if not getattr(settings, "SUPERVISION_TRAINEE_COUNTERSIGNATURE", True):
        return False
    return document.KIND in COUNTERSIGNED_KINDS and _author_is_trainee(document.author_id)


def may_countersign(user: User, document: Any) -> bool:
    """The trainee's named supervisor; when none is named, a supervisor in the patient's team."""
    named = named_supervisor_id(document.author_id)
    if named is not None:
        return bool(named == user.pk)
    return document.patient.team_id in team_ids_with_permission(user, Permission.SUPERVISE)


def countersignature_for(document: Any) -> Countersignature | None:
    return (
        Countersignature.objects.filter(
            content_type=ContentType.objects.get_for_model(type(document)), object_id=document.pk
        )
        .select_related("countersigned_by")
        .first()
    )


def awaiting_countersignature(
    trainee: User, *, limit: int | None = None, trainee_role: bool | None = None
) -> list[Any]:
    """The trainee's signed session notes and assessments not yet countersigned (oldest first,
    at most `limit`, PENDING_LIMIT by default), when the service requires it. One query per
    kind; `awaiting_countersignature_page` lists them all, paged. `trainee_role`: whether the
    user holds a trainee's role, when the caller has read it already (otherwise read here)."""
    from stepcare.records.models import DOCUMENT_KINDS

    limit = limit or PENDING_LIMIT
    if not _countersigning(trainee, trainee_role):
        return []
    found: list[Any] = []
    for kind in COUNTERSIGNED_KINDS:
        model = DOCUMENT_KINDS[kind]
        signed = Countersignature.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
        )
        found += list(
            model.objects.signed()
            .filter(author=trainee)
            .exclude(Exists(signed))
            .select_related("patient")
            .order_by("signed_at", "id")[:limit]
        )
    found.sort(key=lambda d: d.signed_at)
    return found[:limit]


def _awaiting_queryset(trainee: User, kind: str) -> QuerySet[Any]:
    from stepcare.records.models import DOCUMENT_KINDS

    model = DOCUMENT_KINDS[kind]
    signed = Countersignature.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
    )
    return model.objects.signed().filter(author=trainee).exclude(Exists(signed))


def _countersigning(trainee: User, trainee_role: bool | None) -> bool:
    """Whether the service requires countersignature and ``trainee`` holds a trainee's role."""
    if not getattr(settings, "SUPERVISION_TRAINEE_COUNTERSIGNATURE", True):
        return False
    return is_trainee(trainee) if trainee_role is None else trainee_role


def awaiting_countersignature_total(trainee: User, *, trainee_role: bool | None = None) -> dict[str, int]:
    """How many of the trainee's documents of each kind wait for a countersignature (one count
    query per kind); empty when none is required."""
    if not _countersigning(trainee, trainee_role):
        return {}
    return {kind: _awaiting_queryset(trainee, kind).count() for kind in COUNTERSIGNED_KINDS}


def awaiting_countersignature_page(
    trainee: User, *, kind: str, page_number: int | str = 1, per_page: int = 25
) -> Page[Any] | None:
    """One kind of the trainee's documents awaiting countersignature, oldest first, paged in
    the database; None when none is required."""
    if kind not in COUNTERSIGNED_KINDS:
        kind = COUNTERSIGNED_KINDS[0]
    if not getattr(settings, "SUPERVISION_TRAINEE_COUNTERSIGNATURE", True) or not is_trainee(trainee):
        return None
    qs = _awaiting_queryset(trainee, kind).select_related("patient").order_by("signed_at", "id")
    return Paginator(qs, per_page).get_page(page_number)


def countersign_context(user: User, document: Any) -> dict[str, Any]:
    """For a signed document's page: its countersignature, whether one is needed, and whether
    this user may give it."""
    signature = countersignature_for(document)
    needed = signature is None and needs_countersignature(document)
    return {
        "countersignature": signature,
        "countersignature_needed": needed,
        "can_countersign": needed and user.pk != document.author_id and may_countersign(user, document),
    }
