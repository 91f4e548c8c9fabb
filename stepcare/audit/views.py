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
    return render(
        request, "audit/break_glass_list.html", {"grants": list(grants[:500]), "unreviewed": unreviewed}
    )


@login_required
@require_POST
def review_break_glass(request: StaffRequest, pk: int) -> HttpResponse:
    if not has_permission(request.user, Permission.VIEW_AUDIT):
        raise PermissionDenied
    grant = get_object_or_404(BreakGlassGrant.objects.select_related("patient"), pk=pk)
    actions.review_break_glass(by=request.user, grant=grant, note=request.POST.get("note", ""))
    messages.success(request, "Marked as reviewed.")
    return redirect("audit:break_glass_list")
