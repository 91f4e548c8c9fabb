"""A supervisee's caseload, recording supervision from the pack, the supervision records,
their actions and corrections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.permissions import (
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.audit.context import audit_if_redisplayed
from stepcare.http import StaffRequest
from stepcare.outcomes import selectors as outcome_selectors
from stepcare.outcomes.forms import CaseloadFilterForm
from stepcare.supervision import actions, selectors
from stepcare.supervision.forms import (
    CaseActionsForm,
    CorrectionForm,
    SupervisionForm,
)
from stepcare.supervision.models import CaseAction
from stepcare.supervision.views.common import (
    P,
    _back_to,
    _discussion_for,
    _refuse,
    _shown,
    _shown_or_redisplayed,
    _supervisee_for,
)

OPEN_ACTIONS_SHOWN = 50


SUPERVISEES_SHOWN = 25  # a page of the supervisor's team colleagues


@login_required
def supervisee_caseload(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    supervisee = _supervisee_for(request, clinician_pk)
    form = CaseloadFilterForm(request.GET or None)
    sort = form.cleaned_data["sort"] if form.is_valid() and form.cleaned_data.get("sort") else "last_contact"
    show = form.cleaned_data["show"] if form.is_valid() and form.cleaned_data.get("show") else "all"
    data = outcome_selectors.caseload(
        user=supervisee, sort=sort, filter_name=show, page_number=request.GET.get("page", 1)
    )
    _shown(
        request, [row.referral.patient for row in data.rows if row.referral.patient], supervisee=supervisee.pk
    )
    return render(
        request,
        "outcomes/caseload.html",
        {"caseload": data, "form": form, "sort": sort, "show": show, "owner": supervisee},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """Record supervision, prefilled with every course of the supervisee's pack (all its pages,
    up to PACK_RECORD_CAP courses), each ticked as discussed and free to untick."""
    supervisee = _supervisee_for(request, clinician_pk)
    offered = selectors.record_cases(
        supervisee, part=request.GET.get("part", 1), trainee=getattr(supervisee, "trainee", None)
    )
    initial = {"held_on": timezone.localdate(), "duration_minutes": 60}
    form = SupervisionForm(request.POST or None, cases=offered.choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen_cases(offered.by_key, supervisor=request.user, supervisee=supervisee)
        try:
            session = actions.record_supervision(
                by=request.user,
                supervisee=supervisee,
                held_on=form.cleaned_data["held_on"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                notes=form.cleaned_data.get("notes", ""),
                cases=chosen,
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Supervision recorded: {len(chosen)} case{pluralize(len(chosen))}.")
            return redirect("supervision:record", supervision_pk=session.pk)
    _shown_or_redisplayed(request, offered.patients, supervisee=supervisee.pk)
    context = {"form": form, "supervisee": supervisee, "cases": offered.with_reasons(form.case_fields())}
    return render(
        request,
        "supervision/record_new.html",
        {**context, "left_out": offered.left_out, "part": offered.part, "cap": offered.cap},
    )


@login_required
def supervision_list(request: StaffRequest) -> HttpResponse:
    """The supervision home: packs and supervisees (for a supervisor), one's open actions,
    supervision given and received (paged), and links to MDT meetings and the portfolio."""
    if not teams_seen_whole(request.user, P.WRITE_CLINICAL_NOTES):
        raise PermissionDenied
    page = selectors.supervision_sessions(user=request.user, page_number=request.GET.get("page", 1))
    actions_page = selectors.open_actions_page(
        user=request.user, page_number=request.GET.get("actions", 1), per_page=OPEN_ACTIONS_SHOWN
    )
    open_actions = list(actions_page.object_list)
    supervises = has_permission(request.user, P.SUPERVISE)
    people = (
        Paginator(outcome_selectors.supervisees(request.user), SUPERVISEES_SHOWN).get_page(
            request.GET.get("people")
        )
        if supervises
        else None
    )
    _shown(request, [a.discussion.patient for a in open_actions])
    return render(
        request,
        "supervision/list.html",
        {
            "page": page,
            "open_actions": open_actions,
            "actions_page": actions_page,
            "supervises": supervises,
            "people": people,
        },
    )


@login_required
def supervision_record(request: StaffRequest, supervision_pk: int) -> HttpResponse:
    session = selectors.supervision_detail(supervision_pk)
    if session is None:
        raise Http404
    if not selectors.may_see_supervision(request.user, session):
        _refuse(request, obj=session, what=P.SUPERVISE.value)
    cases = list(session.cases.all())
    _shown(request, [c.patient for c in cases], obj=session)
    may_write = request.user.pk == session.supervisor_id or session.team_id in team_ids_with_permission(
        request.user, P.SUPERVISE
    )
    return render(
        request, "supervision/record.html", {"session": session, "cases": cases, "may_write": may_write}
    )


@login_required
@require_POST
def action_done(request: StaffRequest, action_pk: int) -> HttpResponse:
    action = get_object_or_404(
        CaseAction.objects.select_related(
            "discussion__patient", "discussion__meeting", "discussion__supervision"
        ),
        pk=action_pk,
    )
    if not selectors.may_complete(request.user, action):
        _refuse(request, patient=action.discussion.patient, obj=action, what=P.SUPERVISE.value)
    try:
        actions.complete_action(by=request.user, action=action)
    except actions.SupervisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Action marked done.")
    return _back_to(action.discussion)


@login_required
@require_http_methods(["GET", "POST"])
def discussion_actions(request: StaffRequest, discussion_pk: int) -> HttpResponse:
    """Add actions (each with owner and due date) to a recorded supervision or MDT discussion."""
    found = _discussion_for(request, discussion_pk)
    form = CaseActionsForm(request.POST or None, owners=selectors.action_owners(found))
    if request.method == "POST" and form.is_valid():
        todo = [actions.ActionInput(text, owner, due) for text, owner, due in form.filled_actions()]
        try:
            made = actions.add_case_actions(by=request.user, discussion=found, actions=todo)
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"{len(made)} action{'s' if len(made) != 1 else ''} added for {found.patient.display_name}.",
            )
            return _back_to(found)
    if request.method == "POST":
        audit_if_redisplayed(request, patients=[found.patient], obj=found)
    else:
        _shown(request, [found.patient], obj=found)
    return render(request, "supervision/discussion_actions.html", {"discussion": found, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def correct(request: StaffRequest, discussion_pk: int) -> HttpResponse:
    """Correct a recorded discussion by an addendum or mark it entered in error: the original
    stays as it was, with the correction beside it."""
    found = _discussion_for(request, discussion_pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.correct_discussion(
                by=request.user,
                discussion=found,
                kind=data["kind"],
                reason=data["reason"],
                text=data.get("text", ""),
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Correction recorded for {found.patient.display_name}.")
            return _back_to(found)
    if request.method == "POST":
        audit_if_redisplayed(request, patients=[found.patient], obj=found)
    else:
        _shown(request, [found.patient], obj=found)
    return render(request, "supervision/correct.html", {"discussion": found, "form": form})
