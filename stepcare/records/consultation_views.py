"""Advice given in general, to other professionals, about no one patient: one's own, and
(supervisors, service managers) their teams'. Immutable once written; corrected by addenda."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Team
from stepcare.accounts.permissions import Permission as P
from stepcare.accounts.permissions import has_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.records import consultations as general
from stepcare.records.forms import AddendumForm, GeneralConsultationForm
from stepcare.records.models import GeneralConsultation


@login_required
@require_http_methods(["GET", "POST"])
def consultations(request: StaffRequest) -> HttpResponse:
    """One's own advice given in general, and (supervisors, service managers) their teams'."""
    if not general.may_see_list(request.user):
        raise PermissionDenied
    may_write = bool(general.writing_teams(request.user))
    form = None
    if may_write:
        teams = Team.objects.filter(pk__in=general.writing_teams(request.user)).order_by("name")
        form = GeneralConsultationForm(request.POST or None, teams=teams)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            team = data.pop("team")
            try:
                general.record_consultation(by=request.user, team=team, data=data)
            except general.ConsultationRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, "Advice recorded.")
                return redirect("records:consultations")
    elif request.method == "POST":
        raise PermissionDenied
    own = general.own_page(request.user, request.GET.get("page"))
    team = general.team_page(request.user, request.GET.get("team_page"))
    shown = list(own.object_list) + (list(team.object_list) if team is not None else [])
    if shown:
        general.audit_listed(by=request.user, shown=shown)
    status = 400 if form is not None and request.method == "POST" else 200
    return render(
        request,
        "records/consultations.html",
        {
            "form": form,
            "own": own,
            "team": team,
            "perms_supervise": has_permission(request.user, P.SUPERVISE),
        },
        status=status,
    )


@login_required
@require_POST
def consultation_addendum(request: StaffRequest, consultation_pk: int) -> HttpResponse:
    consultation = get_object_or_404(GeneralConsultation, pk=consultation_pk)
    if not general.may_add_addendum(request.user, consultation):
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.ACCESS_DENIED,
            obj=consultation,
            detail={"page": "records:consultation_addendum"},
        )
        raise PermissionDenied
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            general.add_consultation_addendum(
                by=request.user, consultation=consultation, text=form.cleaned_data["text"]
            )
        except general.ConsultationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Write the addendum (at most 10,000 characters).")
    return redirect("records:consultations")
