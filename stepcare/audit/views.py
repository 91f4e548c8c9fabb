"""Pages for the information-governance officer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from stepcare.accounts.permissions import Permission, has_permission
from stepcare.audit import actions
from stepcare.audit.models import BreakGlassGrant
from stepcare.audit.selectors import break_glass_grants
from stepcare.http import StaffRequest


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
