"""Service-wide pages that belong to no single app: home, health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from stepcare.accounts.permissions import Permission, has_permission
from stepcare.http import StaffRequest


@login_required
def home(request: StaffRequest) -> HttpResponse:
    if has_permission(request.user, Permission.FIND_PATIENT) and not has_permission(
        request.user, Permission.VIEW_AUDIT
    ):
        return redirect("patients:search")
    return render(request, "home.html")


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers: the app answers and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A refusal page that shows no patient identifiers; offers break-glass where allowed."""
    message = str(exception or "")
    break_glass_pk = message.removeprefix("break-glass:") if message.startswith("break-glass:") else None
    return render(request, "403.html", {"break_glass_pk": break_glass_pk}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
