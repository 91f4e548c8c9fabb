"""What the supervision pages share: refusals and audit of what a page shows, and fetching
a supervisee or a discussion for the signed-in user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import (
    Permission,
    Role,
    team_ids_with_permission,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.supervision import selectors

P = Permission


def _page_name(request: StaffRequest) -> str:
    return request.resolver_match.view_name if request.resolver_match else request.path


def _refuse(request: StaffRequest, *, patient: Patient | None = None, obj: Any = None, what: str) -> None:
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.ACCESS_DENIED,
        patient=patient,
        obj=obj,
        detail={"permission": what},
    )
    raise PermissionDenied


def _shown(request: StaffRequest, patients: list[Any], obj: Any = None, **detail: Any) -> None:
    audit_actions.record_shown(
        by=request.user, patients=patients, page=_page_name(request), obj=obj, detail=detail
    )


def _shown_or_redisplayed(request: StaffRequest, patients: list[Any], **detail: Any) -> None:
    """A GET shows the patients; a POST that redisplays the form audits them as redisplayed."""
    if request.method == "POST":
        audit_if_redisplayed(request, patients=patients)
    else:
        _shown(request, patients, **detail)


def _supervisee_for(request: StaffRequest, clinician_pk: int) -> User:
    """The supervisee, when the user supervises in one of their teams (refusals audited)."""
    teams = team_ids_with_permission(request.user, P.SUPERVISE)
    # `selectors.supervising_team`, read with the supervisee in one query.
    supervisee = (
        User.objects.filter(pk=clinician_pk, is_active=True)
        .annotate(
            shared_team=Subquery(
                Membership.objects.filter(user=OuterRef("pk"), active=True, team_id__in=teams or [0])
                .order_by("team_id")
                .values("team_id")[:1]
            ),
            trainee=Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"), active=True, role=Role.TRAINEE_HIGH_INTENSITY_THERAPIST
                )
            ),
        )
        .first()
    )
    if supervisee is None:
        raise Http404
    if supervisee.pk == request.user.pk or supervisee.shared_team is None:
        _refuse(request, obj=supervisee, what=P.SUPERVISE.value)
    return supervisee


def _back_to(d: Any) -> HttpResponse:
    if d.meeting_id:
        return redirect("supervision:meeting", meeting_pk=d.meeting_id)
    return redirect("supervision:record", supervision_pk=d.supervision_id)


def _discussion_for(request: StaffRequest, discussion_pk: int) -> Any:
    """A discussion the user may add actions to or correct (refusals audited)."""
    found = selectors.discussion_detail(discussion_pk)
    if found is None:
        raise Http404
    if not selectors.may_write_about(request.user, found):
        what = P.VIEW_CLINICAL_RECORD if found.meeting_id else P.SUPERVISE
        _refuse(request, patient=found.patient, obj=found, what=what.value)
    return found
