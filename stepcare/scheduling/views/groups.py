"""Groups: the list, starting one, its page, members joining and leaving, a session's register."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Room, Team, User
from stepcare.accounts.permissions import (
    Permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.fetch import fetch_for_user
from stepcare.http import StaffRequest
from stepcare.scheduling import actions, selectors
from stepcare.scheduling.forms import (
    GroupAttendanceForm,
    GroupForm,
    GroupMemberForm,
    GroupMemberSearchForm,
    GroupTeamForm,
)
from stepcare.scheduling.models import Appointment, Group, GroupMember
from stepcare.scheduling.timeslots import attendance_open

GROUPS_PAGE_SIZE = 25  # groups per page of the list, running groups first


def _group_team_ids(user: User) -> set[int]:
    return team_ids_with_permission(user, Permission.BOOK_APPOINTMENTS)


def _get_group_for_user(request: StaffRequest, group_pk: int) -> Group:
    return fetch_for_user(
        request,
        Group.objects.select_related("team", "room__site"),
        group_pk,
        Permission.BOOK_APPOINTMENTS,
        patients_of=selectors.group_patients,
    )


@login_required
def group_list(request: StaffRequest) -> HttpResponse:
    team_ids = _group_team_ids(request.user)
    if not team_ids:
        raise PermissionDenied
    page = Paginator(selectors.groups_in_teams(team_ids=team_ids), GROUPS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # A group's page opens for those who see its team's patients (not an employment adviser).
    opening = teams_seen_whole(request.user, Permission.BOOK_APPOINTMENTS)
    return render(request, "scheduling/group_list.html", {"page": page, "opening_teams": opening})


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: StaffRequest) -> HttpResponse:
    """Start a group: first its team (asked only of someone booking for several teams), then the
    group, whose facilitators are that team's clinicians, so the form stays the size of a team."""
    team_ids = _group_team_ids(request.user)
    if not team_ids:
        raise PermissionDenied
    teams = Team.objects.filter(pk__in=team_ids).order_by("name")
    choice = GroupTeamForm(request.POST or request.GET or None, teams=teams)
    if len(team_ids) == 1:
        team = teams.get()
    elif choice.is_valid():
        team = choice.cleaned_data["team"]
    else:
        return render(request, "scheduling/group_team.html", {"form": choice})
    form = GroupForm(
        request.POST or None,
        team=team,
        facilitators=selectors.clinicians_in_teams([team.pk]),
        rooms=Room.objects.filter(site__service_id=team.service_id)
        .select_related("site")
        .order_by("site__name", "name"),
    )
    if request.method == "POST" and form.is_valid():
        group = _start_group(request, form)
        if group is not None:
            messages.success(
                request, f"{group.name} created with {form.cleaned_data['sessions']} weekly sessions."
            )
            return redirect("scheduling:group", group_pk=group.pk)
    return render(
        request, "scheduling/group_new.html", {"form": form, "team": team, "several_teams": len(team_ids) > 1}
    )


def _start_group(request: StaffRequest, form: GroupForm) -> Group | None:
    """The group the valid ``form`` describes, with its sessions booked; None, with the refusal
    on the form, when the booking is refused."""
    data = form.cleaned_data
    try:
        return actions.start_group(
            by=request.user,
            team=data["team"],
            name=data["name"],
            kind=data["kind"],
            capacity=data["capacity"],
            facilitators=list(data["facilitators"]),
            room=data["room"],
            delivery_mode=data["delivery_mode"],
            first_date=data["first_date"],
            local_time=data["time"],
            sessions=data["sessions"],
            duration=dt.timedelta(minutes=data["duration"]),
        )
    except actions.BookingRefused as exc:
        form.add_error(None, str(exc))
        return None


@login_required
def group_detail(request: StaffRequest, group_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    page = selectors.group_page(group=group)
    audit_actions.record_shown(
        by=request.user, patients=[m.patient for m in page.members], obj=group, page="scheduling:group"
    )
    return render(
        request,
        "scheduling/group_detail.html",
        {"group": group, "page": page, "full": len(page.members) >= group.capacity, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_add_member(request: StaffRequest, group_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    search = GroupMemberSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    candidates = selectors.group_member_candidates(
        group=group, query=query, chosen=request.POST.get("referral", "")
    )
    found = candidates.found
    form = GroupMemberForm(request.POST or None, referrals=candidates.referrals, found=found)
    if request.method == "POST" and form.is_valid():
        referral = form.cleaned_data["referral"]
        try:
            member = actions.add_group_member(
                by=request.user, group=group, participant=actions.Participant(referral.patient, referral)
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{member.patient.display_name} added to {group.name}.")
            return redirect("scheduling:group", group_pk=group.pk)
    # The page names the people found by the search: one audit event lists them.
    audit_actions.record_shown(
        by=request.user, patients=[r.patient for r in found], obj=group, page="scheduling:group_add_member"
    )
    return render(
        request,
        "scheduling/group_add_member.html",
        {
            "group": group,
            "form": form,
            "search": search,
            "searched": bool(query),
            "found": found,
            "places_left": max(group.capacity - candidates.members, 0),
        },
    )


@login_required
@require_POST
def group_remove_member(request: StaffRequest, group_pk: int, member_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    member = get_object_or_404(GroupMember.objects.select_related("patient"), pk=member_pk, group=group)
    try:
        actions.remove_group_member(by=request.user, member=member)
    except actions.BookingRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{member.patient.display_name} has left {group.name}. "
            "Their places in later sessions are cancelled.",
        )
    return redirect("scheduling:group", group_pk=group.pk)


@login_required
@require_http_methods(["GET", "POST"])
def group_attendance(request: StaffRequest, group_pk: int, appointment_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    try:
        session = selectors.group_session(group=group, pk=appointment_pk)
    except Appointment.DoesNotExist:
        raise Http404 from None
    attendees = [a for a in session.attendees.all() if a.live or a.attendance]
    form = GroupAttendanceForm(request.POST or None, attendees=attendees)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.record_group_attendance(by=request.user, session=session, codes=form.codes())
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            plural = "s" if changed != 1 else ""
            messages.success(request, f"Attendance recorded for {changed} member{plural}.")
            return redirect("scheduling:group", group_pk=group.pk)
    # Shown (GET, or the register again after a refused POST): one event naming the members.
    audit_actions.record_shown(
        by=request.user,
        patients=[a.patient for a in attendees],
        obj=session,
        page="scheduling:group_attendance",
    )
    return render(
        request,
        "scheduling/group_attendance.html",
        {
            "group": group,
            "session": session,
            "form": form,
            "started": attendance_open(session.starts_at, timezone.now()),
        },
    )
