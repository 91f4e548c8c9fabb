"""MDT meetings: the list, a new meeting, its agenda and the decision on each case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.permissions import (
    teams_seen_whole,
)
from stepcare.audit.context import audit_if_redisplayed
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.supervision import actions, selectors
from stepcare.supervision.forms import (
    AgendaForm,
    DecisionForm,
    MeetingForm,
)
from stepcare.supervision.models import MdtMeeting
from stepcare.supervision.views.common import P, _refuse, _shown


def _meeting_teams(request: StaffRequest) -> set[int]:
    teams = teams_seen_whole(request.user, P.VIEW_CLINICAL_RECORD)
    if not teams:
        raise PermissionDenied
    return teams


def _meeting_for(request: StaffRequest, meeting_pk: int) -> MdtMeeting:
    meeting = selectors.meeting_detail(meeting_pk)
    if meeting is None:
        raise Http404
    if meeting.team_id not in teams_seen_whole(request.user, P.VIEW_CLINICAL_RECORD):
        _refuse(request, obj=meeting, what=P.VIEW_CLINICAL_RECORD.value)
    return meeting


@login_required
def meetings(request: StaffRequest) -> HttpResponse:
    _meeting_teams(request)
    page = selectors.meetings(user=request.user, page_number=request.GET.get("page", 1))
    return render(request, "supervision/meetings.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: StaffRequest) -> HttpResponse:
    teams = _meeting_teams(request)
    form = MeetingForm(request.POST or None, team_ids=teams, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.create_meeting(
                by=request.user,
                team=data["team"],
                held_on=data["held_on"],
                title=data["title"],
                attendees=data["attendees"],
                external_attendees=data.get("external_attendees", ""),
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Meeting set up. Add patients to its agenda.")
            return redirect("supervision:agenda", meeting_pk=meeting.pk)
    return render(request, "supervision/meeting_new.html", {"form": form})


def _decision_forms(meeting: MdtMeeting, cases: list[Any]) -> dict[int, DecisionForm]:
    undecided = [c for c in cases if not c.decision and c.error_correction is None]
    owners = selectors.team_members(meeting.team_id) if undecided else []
    return {
        c.pk: DecisionForm(owners=owners, initial={"confirm_patient": c.patient_id}, prefix=f"d{c.pk}")
        for c in undecided
    }


@login_required
def meeting(request: StaffRequest, meeting_pk: int) -> HttpResponse:
    found = _meeting_for(request, meeting_pk)
    cases = list(found.cases.all())
    _shown(request, [c.patient for c in cases], obj=found)
    forms = _decision_forms(found, cases)
    rows = [(c, forms.get(c.pk)) for c in cases]
    return render(request, "supervision/meeting.html", {"meeting": found, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request: StaffRequest, meeting_pk: int) -> HttpResponse:
    """Add a patient to the agenda: search the team's patients, choose one."""
    found = _meeting_for(request, meeting_pk)
    # No NUL byte reaches the database (PostgreSQL refuses one in text).
    query = (request.GET.get("q") or request.POST.get("q") or "").replace("\x00", "").strip()[:100]
    results = selectors.agenda_candidates(meeting=found, query=query) if query else []
    form = AgendaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = Patient.objects.filter(pk=form.cleaned_data["patient"], team_id=found.team_id).first()
        if patient is None:
            messages.error(request, "Choose a patient of this team from the search results.")
        else:
            try:
                actions.add_to_agenda(
                    by=request.user,
                    meeting=found,
                    patient=patient,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except actions.SupervisionRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{patient.display_name} added to the agenda.")
                return redirect("supervision:agenda", meeting_pk=found.pk)
    on_agenda = [c.patient for c in found.cases.all()]
    shown = results + on_agenda
    if request.method == "POST":
        audit_if_redisplayed(request, patients=shown, obj=found)
    else:
        _shown(request, shown, obj=found)
    return render(
        request,
        "supervision/agenda.html",
        {"meeting": found, "form": form, "query": query, "results": results, "on_agenda": on_agenda},
    )


@login_required
@require_POST
def decision(request: StaffRequest, meeting_pk: int, discussion_pk: int) -> HttpResponse:
    found = _meeting_for(request, meeting_pk)
    item = next((c for c in found.cases.all() if c.pk == discussion_pk), None)
    if item is None:
        raise Http404
    form = DecisionForm(request.POST, owners=selectors.team_members(found.team_id), prefix=f"d{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        todo = [actions.ActionInput(text, owner, due) for text, owner, due in form.filled_actions()]
        try:
            actions.record_decision(
                by=request.user,
                discussion=item,
                confirm_patient=data["confirm_patient"],
                decision=data["decision"],
                actions=todo,
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Decision recorded for {item.patient.display_name}.")
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"The decision for {item.patient.display_name} was not saved: {errors}")
    return redirect("supervision:meeting", meeting_pk=found.pk)
