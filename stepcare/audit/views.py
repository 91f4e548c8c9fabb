"""Pages for the information-governance officer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from stepcare.accounts.permissions import Permission, has_permission
from stepcare.audit import actions
from stepcare.audit.forms import AuditSearchForm
from stepcare.audit.models import AuditEvent, BreakGlassGrant
from stepcare.audit.search import TooManyPatients, search_audit_events
from stepcare.audit.selectors import break_glass_grants
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient


@login_required
def break_glass_list(request: StaffRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.VIEW_AUDIT):
        raise PermissionDenied
    unreviewed = request.GET.get("show") != "all"
    grants = break_glass_grants()
    if unreviewed:
        grants = grants.filter(reviewed_at__isnull=True)
    shown = list(grants[:500])
    actions.record_shown(by=request.user, patients=[g.patient for g in shown], page="audit:break_glass_list")
    return render(request, "audit/break_glass_list.html", {"grants": shown, "unreviewed": unreviewed})


@login_required
@require_POST
def review_break_glass(request: StaffRequest, pk: int) -> HttpResponse:
    if not has_permission(request.user, Permission.VIEW_AUDIT):
        raise PermissionDenied
    grant = get_object_or_404(BreakGlassGrant.objects.select_related("patient"), pk=pk)
    try:
        actions.review_break_glass(by=request.user, grant=grant, note=request.POST.get("note", ""))
    except actions.ReviewRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Review recorded.")
    return redirect("audit:break_glass_list")


def _patients_named(events: list[AuditEvent]) -> list[Patient]:
    """The patients the results page names: each event's own and the first of those it showed
    (the rest are counted, ``shown_more``)."""
    named = {e.patient_id: e.patient for e in events if e.patient is not None}
    for event in events:
        named.update({s.patient_id: s.patient for s in event.shown_named})  # type: ignore[attr-defined]
    return list(named.values())


@login_required
@require_GET
def search(request: StaffRequest) -> HttpResponse:
    """Search the audit trail by patient, member of staff, dates and kind of event. The search
    is itself recorded, naming the patients the page shows."""
    if not has_permission(request.user, Permission.VIEW_AUDIT):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    filters = form.filters()
    try:
        page: Page[AuditEvent] | None = search_audit_events(filters=filters, page=request.GET.get("page"))
    except TooManyPatients as refused:
        form.add_error("patient", str(refused))
        page = None
    events = list(page.object_list) if page is not None else []
    actions.record(
        by=request.user,
        action=AuditEvent.Action.SEARCH,
        detail={
            "page": "audit:search",
            "filters": {k: str(v) for k, v in filters.__dict__.items() if v not in ("", None, False)},
            "results": page.paginator.count if page is not None else 0,
            "list_page": page.number if page is not None else None,
        },
        patients=_patients_named(events),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "events": events,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )
