"""Pages for service managers: staff, their roles in teams, MFA resets, accounts on and off.

And for everyone: changing one's own password (required after a temporary one).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts import actions
from stepcare.accounts.forms import (
    MembershipForm,
    ReactivateForm,
    StaffForm,
    StaffListFilterForm,
    TeamForm,
)
from stepcare.accounts.models import Membership, Service, User
from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.accounts.selectors import (
    ACCOUNTS_ON,
    ALL_ACCOUNTS,
    StaffFilters,
    staff_in_teams,
    staff_page,
    teams_by_id,
)
from stepcare.http import StaffRequest


def _managed_team_ids(request: StaffRequest) -> set[int]:
    teams = team_ids_with_permission(request.user, Permission.MANAGE_STAFF)
    if not teams:
        raise PermissionDenied
    return teams


def _get_staff_for_manager(request: StaffRequest, pk: int) -> tuple[User, set[int]]:
    """A member of staff in one of the manager's teams (else 404: no hint they exist)."""
    team_ids = _managed_team_ids(request)
    user = get_object_or_404(staff_in_teams(team_ids=team_ids), pk=pk)
    return user, team_ids


@login_required
def staff_list(request: StaffRequest) -> HttpResponse:
    """The staff of the manager's teams, a page at a time: accounts switched on unless asked
    otherwise. Wrong filters are explained and the default list is shown."""
    team_ids = _managed_team_ids(request)
    form = StaffListFilterForm(request.GET or None, teams=teams_by_id(team_ids))
    filters = form.filters()
    page = staff_page(team_ids=team_ids, filters=filters, page=request.GET.get("page"))
    # Paging keeps the filters applied; after wrong ones it pages the default list shown.
    query = request.GET.copy() if not form.errors else QueryDict(mutable=True)
    query.pop("page", None)
    with_switched_off = query.copy()
    with_switched_off["accounts"] = ALL_ACCOUNTS
    return render(
        request,
        "accounts/staff_list.html",
        {
            "form": form,
            "staff": page.object_list,
            "page": page,
            "filtered": filters != StaffFilters(),
            "accounts_on_only": filters.accounts == ACCOUNTS_ON,
            "query": query.urlencode(),
            "with_switched_off": with_switched_off.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_new(request: StaffRequest) -> HttpResponse:
    teams = teams_by_id(_managed_team_ids(request))
    form = StaffForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = actions.create_staff(
            by=request.user,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            job_title=data["job_title"],
            temporary_password=data["temporary_password"],
            team=data["team"],
            role=data["role"],
        )
        messages.success(
            request, f"Account created for {user}. They set up two-factor authentication at first sign-in."
        )
        return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/staff_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: StaffRequest, pk: int) -> HttpResponse:
    staff, team_ids = _get_staff_for_manager(request, pk)
    form = MembershipForm(request.POST or None, teams=teams_by_id(team_ids))
    if request.method == "POST" and form.is_valid():
        actions.add_membership(
            by=request.user, user=staff, team=form.cleaned_data["team"], role=form.cleaned_data["role"]
        )
        messages.success(request, "Role added.")
        return redirect("accounts:staff_detail", pk=pk)
    return render(
        request,
        "accounts/staff_detail.html",
        {"staff": staff, "form": form, "managed": team_ids, "reactivate_form": ReactivateForm(user=staff)},
    )


@login_required
@require_POST
def staff_end_membership(request: StaffRequest, pk: int, membership_pk: int) -> HttpResponse:
    staff, team_ids = _get_staff_for_manager(request, pk)
    membership = get_object_or_404(
        Membership, pk=membership_pk, user=staff, team_id__in=team_ids, active=True
    )
    actions.end_membership(by=request.user, membership=membership)
    messages.success(request, "Role ended. The history of what they did stays in the audit log.")
    return redirect("accounts:staff_detail", pk=pk)


@login_required
@require_POST
def staff_reset_mfa(request: StaffRequest, pk: int) -> HttpResponse:
    staff, _teams = _get_staff_for_manager(request, pk)
    actions.reset_mfa(by=request.user, user=staff)
    messages.success(
        request, f"Two-factor authentication reset: {staff} sets up a new authenticator at next sign-in."
    )
    return redirect("accounts:staff_detail", pk=pk)


@login_required
@require_POST
def staff_set_active(request: StaffRequest, pk: int) -> HttpResponse:
    staff, team_ids = _get_staff_for_manager(request, pk)
    if staff == request.user:
        messages.error(request, "You cannot switch off your own account.")
        return redirect("accounts:staff_detail", pk=pk)
    activate = request.POST.get("active") == "1"
    form = ReactivateForm(request.POST, user=staff)
    if not form.is_valid():
        return render(
            request,
            "accounts/staff_detail.html",
            {
                "staff": staff,
                "form": MembershipForm(teams=teams_by_id(team_ids)),
                "managed": team_ids,
                "reactivate_form": form,
            },
            status=400,
        )
    actions.set_active(
        by=request.user,
        user=staff,
        active=activate,
        temporary_password=form.cleaned_data["temporary_password"] if activate else "",
    )
    messages.success(request, f"{staff}'s account is {'switched on' if activate else 'switched off'}.")
    return redirect("accounts:staff_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def change_password(request: StaffRequest) -> HttpResponse:
    # The current password is asked for: an unattended signed-in screen must not be enough
    # to take over the account.
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = actions.change_own_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed.")
        return redirect("home")
    return render(
        request,
        "accounts/change_password.html",
        {"form": form, "required": request.user.must_change_password},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request: StaffRequest) -> HttpResponse:
    """A service manager adds a team to a service they manage a team in."""
    services = Service.objects.filter(teams__id__in=_managed_team_ids(request)).distinct().order_by("name")
    form = TeamForm(request.POST or None, services=services)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(
                by=request.user, service=form.cleaned_data["service"], name=form.cleaned_data["name"]
            )
        except actions.TeamRefused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"Team {team.name} created. You manage it: add its staff now.")
            return redirect("accounts:staff_new")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/team_new.html", {"form": form}, status=status)
