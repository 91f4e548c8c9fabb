"""Service-wide pages that belong to no single app: home, health check, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from stepcare.accounts.context_processors import CLINICAL_ROLES
from stepcare.accounts.permissions import Permission, Role, has_permission
from stepcare.http import StaffRequest


def landing_url(request: StaffRequest) -> str | None:
    """The page a member of staff starts their working day on, from the roles they hold.

    A clinician: their own day. An administrator: the referral inbox. A service manager: the
    team diary (which links to the waiting list). An information-governance officer: the audit
    pages. ``None`` when no role has a landing page of its own.
    """
    user = request.user
    memberships = user.active_memberships()
    roles = {role for _team, role in memberships}
    if roles & set(CLINICAL_ROLES):
        return reverse("scheduling:my_day")
    if Role.ADMINISTRATOR in roles and has_permission(user, Permission.MANAGE_REFERRALS):
        return reverse("referrals:inbox")
    if Role.SERVICE_MANAGER in roles:
        team_id = min(team for team, role in memberships if role == Role.SERVICE_MANAGER)
        return reverse("scheduling:team_diary", kwargs={"team_pk": team_id})
    if Role.IG_OFFICER in roles and has_permission(user, Permission.VIEW_AUDIT):
        return reverse("audit:search")
    if has_permission(user, Permission.FIND_PATIENT):
        return reverse("patients:search")
    return None


@login_required
def home(request: StaffRequest) -> HttpResponse:
    url = landing_url(request)
    if url is not None:
        return redirect(url)
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
