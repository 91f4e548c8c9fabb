"""Referral pages for staff: inbox, referral, each step from screening to discharge, the
waiting list, allocation, the directory and letters. Thin: check permission, validate, call
one action, redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.accounts.models import Team
from stepcare.accounts.permissions import Permission, has_permission, team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.fetch import fetch_for_user
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.patients.selectors import visible_to
from stepcare.patients.views import _get_patient_for_user
from stepcare.pdf import pdf_response, render_pdf
from stepcare.referrals import actions, selectors
from stepcare.referrals.forms import (
    AgencySearchForm,
    AllocateForm,
    AssessmentForm,
    DecisionForm,
    EndForm,
    EnteredInErrorForm,
    ImportForm,
    OnwardForm,
    PauseForm,
    ProblemForm,
    ReferralListFilterForm,
    ReopenForm,
    ResumeForm,
    ScreenForm,
    StaffReferralForm,
    StepForm,
)
from stepcare.referrals.imports import parse_referral_csv, report_arrival_conflicts
from stepcare.referrals.models import OnwardReferral, Referral, SuitabilityDecision
from stepcare.referrals.transitions import NO_PATIENT_NEEDED, Move, MoveRefused, allowed_moves, check_move

ACCEPTING = {SuitabilityDecision.Outcome.ACCEPT_STEP_2, SuitabilityDecision.Outcome.ACCEPT_STEP_3}

# Which permission each move needs (in the referral's team).
MOVE_PERMISSION: dict[Move, Permission] = {
    Move.LINK_PATIENT: Permission.MANAGE_REFERRALS,
    Move.SCREEN: Permission.MANAGE_REFERRALS,
    Move.RECORD_ASSESSMENT: Permission.MANAGE_REFERRALS,
    Move.ACCEPT: Permission.DECIDE_SUITABILITY,
    Move.DECIDE_NOT_TO_TAKE_ON: Permission.DECIDE_SUITABILITY,
    Move.RECORD_PROBLEM: Permission.DECIDE_SUITABILITY,
    Move.PAUSE_WAIT: Permission.MANAGE_REFERRALS,
    Move.RESUME_WAIT: Permission.MANAGE_REFERRALS,
    Move.ALLOCATE: Permission.ALLOCATE,
    Move.STEP: Permission.DECIDE_SUITABILITY,
    Move.SIGNPOST: Permission.MANAGE_REFERRALS,
    Move.END: Permission.DECIDE_SUITABILITY,
    Move.REOPEN: Permission.MANAGE_REFERRALS,
    Move.MARK_ENTERED_IN_ERROR: Permission.MANAGE_REFERRALS,
}


def _require(request: StaffRequest, *permissions: Permission) -> None:
    if not any(has_permission(request.user, p) for p in permissions):
        raise PermissionDenied


def _patient(referral: Referral) -> Patient | None:
    return referral.patient


def _get_referral_for_user(
    request: StaffRequest,
    pk: int,
    permission: Permission = Permission.MANAGE_REFERRALS,
    *,
    audit_view: bool = True,
    defer: bool = True,
) -> Referral:
    """The referral, if this user may act on it in its team; reads are audited, refusals too."""
    # One fetch with everything the page shows, checked before any of it is shown or audited.
    referral = selectors.ready_for_page(
        fetch_for_user(
            request, selectors.referrals_for_page(), pk, permission, patient_of=lambda r: r.patient
        )
    )
    if audit_view:
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=referral.patient,
            obj=referral,
            detail={"page": request.resolver_match.view_name} if request.resolver_match else {},
        )
    elif request.method == "POST" and defer:
        audit_if_redisplayed(request, patients=[referral.patient], obj=referral)
    if referral.status == Referral.Status.ENTERED_IN_ERROR and not has_permission(
        request.user, Permission.VIEW_AUDIT
    ):
        _redact(referral)
    return referral


def _redact(referral: Referral) -> None:
    """An entered-in-error referral may be about the wrong person: its pages show nothing of
    the person (no banner, no details given, no difficulties), only that it was entered in
    error, by whom and why. The information-governance officer reads it in the audit trail.

    Only this in-memory copy is changed; nothing can be saved from it (every move is refused
    for an entered-in-error referral, and actions lock and re-read the row).
    """
    referral.patient = None
    referral.submitted_details = {}
    for field in (
        "presenting_difficulties",
        "referrer_name",
        "referrer_organisation",
        "referrer_contact",
        "gp_practice_code",
        "gp_practice_name",
        "screening_notes",
        "discharge_summary",
        "identity_note",
    ):
        setattr(referral, field, "")
    referral.redacted = True  # type: ignore[attr-defined]


def _teams(request: StaffRequest, permission: Permission) -> Any:
    return Team.objects.filter(id__in=team_ids_with_permission(request.user, permission))


# Lists ------------------------------------------------------------------------------------------


def _list_page(
    request: StaffRequest, *, name: str, team_ids: set[int], clinician_label: str, template: str
) -> HttpResponse:
    """A referral list: filters, one page of rows fetched, one audit event naming the patients
    shown on that page, then the page."""
    form = ReferralListFilterForm(
        request.GET or None,
        teams=Team.objects.filter(id__in=team_ids).order_by("name"),
        clinicians=selectors.list_clinicians(team_ids=team_ids),
        clinician_label=clinician_label,
    )
    fetch = selectors.inbox if name == "inbox" else selectors.waiting_list
    listing = fetch(user=request.user, filters=form.filters(), page=request.GET.get("page"))
    # The page's rows are fetched: the one audit event of this list names the patients shown.
    audit_actions.record_shown(
        by=request.user,
        patients=[row.referral.patient for row in listing.rows],
        page=f"referrals:{name}",
        detail={"list_page": listing.page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "rows": listing.rows,
            "page": listing.page,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@login_required
def inbox(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    return _list_page(
        request,
        name="inbox",
        team_ids=selectors.referral_teams(request.user),
        clinician_label="Screened by",
        template="referrals/inbox.html",
    )


@login_required
def waiting_list(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS, Permission.ALLOCATE)
    return _list_page(
        request,
        name="waiting_list",
        team_ids=selectors.waiting_list_teams(request.user),
        clinician_label="Therapist",
        template="referrals/waiting_list.html",
    )


@login_required
def directory(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    form = AgencySearchForm(request.GET or None)
    query, category = "", ""
    if form.is_valid():
        query, category = form.cleaned_data["q"], form.cleaned_data["category"]
    agencies = selectors.search_agencies(query=query, category=category)
    return render(request, "referrals/directory.html", {"form": form, "agencies": agencies})


@login_required
def patient_referrals(request: StaffRequest, pk: int) -> HttpResponse:
    """One patient's referrals, newest first (a page of its own in the patient's pages)."""
    patient = _get_patient_for_user(request, pk)
    return render(request, "referrals/patient_referrals.html", {"patient": patient})


# Referrals in -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    form = StaffReferralForm(request.POST or None, teams=_teams(request, Permission.MANAGE_REFERRALS))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = _submit_staff_referral(request, d, form.person())
        except MoveRefused as exc:
            form.add_error(None, str(exc))
            named = _patient_named_by(exc)
            if named is not None:
                audit_actions.record_shown(by=request.user, patients=[named], page="referrals:new")
            return render(request, "referrals/new.html", {"form": form}, status=400)
        messages.success(request, f"Referral {referral.reference} added. {referral.identity_note}".strip())
        return redirect("referrals:detail", referral_pk=referral.pk)
    return render(request, "referrals/new.html", {"form": form})


def _patient_named_by(exc: MoveRefused) -> Patient | None:
    """The patient a refusal names (a second open referral, a death), for the audit trail."""
    if isinstance(exc, actions.SecondOpenReferral):
        return exc.existing.patient
    if isinstance(exc, actions.PersonHasDied):
        return exc.patient
    return None


def _submit_staff_referral(request: StaffRequest, d: dict[str, Any], person: dict[str, Any]) -> Referral:
    return actions.submit_referral(
        by=request.user,
        team=d["team"],
        channel="staff entry",
        confirm_second=d["confirm_second"],
        second_reason=d["second_reason"],
        submission=actions.Submission(
            person=person,
            source=d["source"],
            received_on=d["received_on"],
            presenting_difficulties=d["presenting_difficulties"],
            urgency=d["urgency"],
            preferred_contact=d["preferred_contact"],
            preferred_language=d["preferred_language"],
            interpreter_required=d["interpreter_required"],
            gp_practice_code=d["gp_practice_code"],
            gp_practice_name=d["gp_practice_name"],
            secondary_care_involvement=d["secondary_care_involvement"],
            referrer_name=d["referrer_name"],
            referrer_organisation=d["referrer_organisation"],
            referrer_contact=d["referrer_contact"],
            consent_given=d["consent"],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    form = ImportForm(
        request.POST or None, request.FILES or None, teams=_teams(request, Permission.MANAGE_REFERRALS)
    )
    report: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            form.add_error("file", "The file is larger than 5 MB. Split it into smaller files.")
        else:
            parsed = parse_referral_csv(upload.read())
            if not parsed.file_problem:
                report_arrival_conflicts(parsed, team=form.cleaned_data["team"])
            report = {"bad": parsed.bad, "file_problem": parsed.file_problem, "imported": 0}
            if parsed.file_problem:
                pass
            elif parsed.bad and not form.cleaned_data["skip_bad_rows"]:
                report["refused"] = True
            elif parsed.good:
                created = actions.import_referrals(
                    by=request.user,
                    team=form.cleaned_data["team"],
                    submissions=parsed.good,
                    channel="CSV upload",
                )
                report["imported"] = len(created)
                report["needing_check"] = sum(1 for r in created if r.patient_id is None)
    return render(request, "referrals/import.html", {"form": form, "report": report})


# One referral -----------------------------------------------------------------------------------


@login_required
def detail(request: StaffRequest, referral_pk: int) -> HttpResponse:
    referral = _get_referral_for_user(request, referral_pk)
    moves = allowed_moves(referral.status)
    can = {
        move.value: move in moves and has_permission(request.user, MOVE_PERMISSION[move], obj=referral)
        for move in Move
    }
    if referral.patient_id is None:
        can = {k: v and Move(k) in NO_PATIENT_NEEDED for k, v in can.items()}
    wait = None
    if referral.status in Referral.WAITING_STATUSES or referral.first_treatment_date:
        wait = selectors.wait_row(referral, position=0, today=timezone.localdate())
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "patient": referral.patient,
            "can": can,
            "problem": selectors.current_problem(referral),
            "wait": wait,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity(request: StaffRequest, referral_pk: int) -> HttpResponse:
    """Who is this referral for? Only records the user may see are offered; another team's
    record is never named, only said to exist."""
    referral = _get_referral_for_user(request, referral_pk, audit_view=False, defer=False)
    refusal = _refusal(referral, Move.LINK_PATIENT)
    matches: list[Patient] = []
    elsewhere = False
    if not refusal:
        matches, elsewhere = visible_to(request.user, list(selectors.possible_matches(referral)))
    conflict = second = False
    if request.method == "POST" and not refusal:
        try:
            if request.POST.get("patient"):
                chosen = [m for m in matches if str(m.pk) == request.POST["patient"].strip()]
                if not chosen:
                    raise MoveRefused(
                        "Choose one of the records listed, or confirm this is a different person."
                    )
                actions.link_patient(
                    by=request.user,
                    referral=referral,
                    patient=chosen[0],
                    confirm_second=bool(request.POST.get("confirm_second")),
                    second_reason=request.POST.get("second_reason", "")[:500],
                )
                messages.success(request, f"Referral linked to {chosen[0].display_name}.")
            elif request.POST.get("different_person") or request.POST.get("without_nhs_number"):
                actions.create_patient_for_referral(
                    by=request.user,
                    referral=referral,
                    without_nhs_number=bool(request.POST.get("without_nhs_number")),
                )
                messages.success(request, "New patient record created for this referral.")
            else:
                raise MoveRefused("Choose the matching record, or confirm that this is a different person.")
        except actions.IdentityConflict as exc:
            refusal, conflict = str(exc), True
        except MoveRefused as exc:
            refusal = str(exc)
            second = isinstance(exc, actions.SecondOpenReferral) or bool(request.POST.get("confirm_second"))
        else:
            return redirect("referrals:detail", referral_pk=referral_pk)
    audit_actions.record_shown(
        by=request.user,
        patients=[p for p in ([referral.patient] if referral.patient else []) + matches],
        obj=referral,
        page="referrals:identity",
    )
    return render(
        request,
        "referrals/identity.html",
        {
            "referral": referral,
            "matches": matches,
            "elsewhere": elsewhere,
            "refusal": refusal,
            "conflict": conflict,
            "has_nhs_number": bool(referral.submitted_details.get("nhs_number")),
            "second": second,
            "confirm_second": bool(request.POST.get("confirm_second")),
            "second_reason": request.POST.get("second_reason", "")[:500],
        },
        status=400 if refusal and request.method == "POST" else 200,
    )


def _refusal(referral: Referral, move: Move) -> str:
    try:
        check_move(referral, move)
    except MoveRefused as exc:
        return str(exc)
    return ""


def _move_page(
    request: StaffRequest,
    referral_pk: int,
    *,
    move: Move,
    form_class: type[forms.Form],
    title: str,
    button: str,
    call: Callable[[Referral, dict[str, Any]], str],
    form_kwargs: Callable[[Referral], dict[str, Any]] | None = None,
    template: str = "referrals/move.html",
    extra: Callable[[Referral], dict[str, Any]] | None = None,
    initial: dict[str, Any] | Callable[[Referral], dict[str, Any]] | None = None,
    warning: bool = False,
) -> HttpResponse:
    """A page that makes one move: explain a refusal, or show the form and call the action."""
    referral = _get_referral_for_user(
        request, referral_pk, MOVE_PERMISSION[move], audit_view=request.method == "GET"
    )
    refusal = _refusal(referral, move)
    kwargs = form_kwargs(referral) if form_kwargs else {}
    form = form_class(
        request.POST or None, initial=initial(referral) if callable(initial) else initial, **kwargs
    )
    context_extra = extra(referral) if extra else {}
    status = 200
    if request.method == "POST" and not refusal:
        if form.is_valid():
            try:
                message = call(referral, form.cleaned_data)
            except MoveRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, message)
                return redirect("referrals:detail", referral_pk=referral_pk)
        status = 400
    context = {
        "referral": referral,
        "patient": referral.patient,
        "form": form,
        "title": title,
        "button": button,
        "refusal": refusal,
        "warning": warning,
    }
    context.update(context_extra)
    return render(request, template, context, status=status)


def _today_initial(field: str) -> dict[str, Any]:
    return {field: timezone.localdate().strftime("%d/%m/%Y")}


@login_required
@require_http_methods(["GET", "POST"])
def screen(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.screen(
            by=request.user,
            referral=r,
            notes=d["notes"],
            acute_risk=d["acute_risk"],
            secondary_care=d["secondary_care"],
        )
        return "Screening recorded."

    return _move_page(
        request,
        referral_pk,
        move=Move.SCREEN,
        form_class=ScreenForm,
        title="Screen the referral",
        button="Save screening",
        call=call,
        initial=lambda r: {"secondary_care": r.secondary_care_involvement},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.record_assessment(by=request.user, referral=r, assessment_date=d["assessment_date"])
        return "Assessment date recorded."

    return _move_page(
        request,
        referral_pk,
        move=Move.RECORD_ASSESSMENT,
        form_class=AssessmentForm,
        title="Record the assessment",
        button="Save assessment date",
        call=call,
        initial=_today_initial("assessment_date"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: StaffRequest, referral_pk: int) -> HttpResponse:
    shown: dict[str, Any] = {}

    def call(r: Referral, d: dict[str, Any]) -> str:
        decision = actions.decide(
            by=request.user, referral=r, outcome=d["outcome"], reason=d["reason"], rules_shown=shown["rules"]
        )
        if decision.outcome in ACCEPTING:
            return f"Decision recorded: {decision.get_outcome_display()}. The person is on the waiting list."
        return f"Decision recorded: {decision.get_outcome_display()}. The referral has been ended."

    def extra(r: Referral) -> dict[str, Any]:
        results = selectors.rule_results(r)
        shown["rules"] = [x.as_dict() for x in results if x.applies]
        return {"rules": results, "problem": selectors.current_problem(r)}

    return _move_page(
        request,
        referral_pk,
        move=Move.ACCEPT,
        form_class=DecisionForm,
        title="Suitability decision",
        button="Record decision",
        call=call,
        template="referrals/decide.html",
        extra=extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.record_problem_descriptor(
            by=request.user,
            referral=r,
            primary=d["primary"],
            secondary=d["secondary"] or "",
            recorded_on=d["recorded_on"],
            note=d["note"],
        )
        return "Problem descriptor recorded."

    return _move_page(
        request,
        referral_pk,
        move=Move.RECORD_PROBLEM,
        form_class=ProblemForm,
        title="Provisional problem descriptor",
        button="Save problem descriptor",
        call=call,
        initial=_today_initial("recorded_on"),
        template="referrals/problem.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def pause(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.pause_wait(by=request.user, referral=r, start_date=d["start_date"], reason=d["reason"])
        return "Wait paused. The waiting-time clock has stopped until the pause ends."

    return _move_page(
        request,
        referral_pk,
        move=Move.PAUSE_WAIT,
        form_class=PauseForm,
        title="Pause the wait (the person's request)",
        button="Pause the wait",
        call=call,
        initial=_today_initial("start_date"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def resume(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.resume_wait(by=request.user, referral=r, end_date=d["end_date"])
        return "Pause ended. The waiting-time clock is running again."

    return _move_page(
        request,
        referral_pk,
        move=Move.RESUME_WAIT,
        form_class=ResumeForm,
        title="End the pause",
        button="End the pause",
        call=call,
        initial=_today_initial("end_date"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocate(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.allocate(by=request.user, referral=r, therapist=d["therapist"])
        return f"Allocated to {d['therapist']}."

    return _move_page(
        request,
        referral_pk,
        move=Move.ALLOCATE,
        form_class=AllocateForm,
        title="Allocate to a therapist",
        button="Allocate",
        call=call,
        template="referrals/allocate.html",
        form_kwargs=lambda r: {"therapists": selectors.allocatable_users(team=r.team, step=r.step)},
        extra=lambda r: {"therapists": selectors.therapists_for_allocation(team=r.team, step=r.step)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def step(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        change = actions.change_step(
            by=request.user, referral=r, to_step=d["to_step"], handover_summary=d["handover_summary"]
        )
        return f"{change.direction} to step {change.to_step}. The person is on that step's waiting list."

    return _move_page(
        request,
        referral_pk,
        move=Move.STEP,
        form_class=StepForm,
        title="Step up or down",
        button="Change step",
        call=call,
        form_kwargs=lambda r: {"referral": r},
    )


@login_required
@require_http_methods(["GET", "POST"])
def signpost(request: StaffRequest, referral_pk: int) -> HttpResponse:
    referral = _get_referral_for_user(
        request, referral_pk, MOVE_PERMISSION[Move.SIGNPOST], audit_view=request.method == "GET"
    )
    refusal = _refusal(referral, Move.SIGNPOST)
    search = AgencySearchForm(request.GET or None)
    query, category = "", ""
    if search.is_valid():
        query, category = search.cleaned_data["q"], search.cleaned_data["category"]
    form = OnwardForm(request.POST or None)
    status = 200
    if request.method == "POST" and not refusal:
        if form.is_valid():
            try:
                onward = actions.record_onward_referral(
                    by=request.user,
                    referral=referral,
                    agency=form.cleaned_data["agency"],
                    organisation_name=form.cleaned_data["organisation_name"],
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                )
            except MoveRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, f"Recorded. The letter for {onward.organisation} is ready to print."
                )
                return redirect("referrals:letter", referral_pk=referral_pk, onward_pk=onward.pk)
        status = 400
    return render(
        request,
        "referrals/signpost.html",
        {
            "referral": referral,
            "patient": referral.patient,
            "form": form,
            "search": search,
            "agencies": list(selectors.search_agencies(query=query, category=category)[:50]),
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def letter(request: StaffRequest, referral_pk: int, onward_pk: int) -> HttpResponse:
    referral = _get_referral_for_user(request, referral_pk, audit_view=False)
    onward = get_object_or_404(
        OnwardReferral.objects.select_related("agency", "made_by"), pk=onward_pk, referral=referral
    )
    as_format = "pdf" if request.GET.get("format") == "pdf" else "html"
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.EXPORT,
        patient=referral.patient,
        obj=onward,
        detail={"letter": onward.kind, "format": as_format},
    )
    context = {"referral": referral, "patient": referral.patient, "onward": onward}
    if as_format == "pdf":
        pdf = render_pdf("referrals/letter.html", context, request=request)
        return pdf_response(pdf, f"{referral.reference}-{onward.kind}-{onward.pk}.pdf")
    return render(request, "referrals/letter.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def end(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.end_referral(
            by=request.user,
            referral=r,
            end_code=d["end_code"],
            discharge_date=d["discharge_date"],
            summary=d["summary"],
        )
        return "Referral ended."

    return _move_page(
        request,
        referral_pk,
        move=Move.END,
        form_class=EndForm,
        title="End the referral (discharge)",
        button="End the referral",
        call=call,
        form_kwargs=lambda r: {"referral": r},
        initial=_today_initial("discharge_date"),
        template="referrals/end.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request: StaffRequest, referral_pk: int) -> HttpResponse:
    referral = _get_referral_for_user(
        request, referral_pk, MOVE_PERMISSION[Move.REOPEN], audit_view=request.method == "GET"
    )
    refusal = _refusal(referral, Move.REOPEN)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            new_referral = actions.reopen(
                by=request.user,
                referral=referral,
                reason=form.cleaned_data["reason"],
                confirm_second=form.cleaned_data["confirm_second"],
                second_reason=form.cleaned_data["second_reason"],
            )
        except MoveRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"New referral {new_referral.reference} created, linked to {referral.reference}."
            )
            return redirect("referrals:detail", referral_pk=new_referral.pk)
    return render(
        request,
        "referrals/move.html",
        {
            "referral": referral,
            "patient": referral.patient,
            "form": form,
            "refusal": refusal,
            "title": "Re-open as a new referral",
            "button": "Create the new referral",
            "intro": (
                "An ended referral is never changed. The person is re-referred: "
                "a new referral, linked to this one, starts in the inbox."
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def entered_in_error(request: StaffRequest, referral_pk: int) -> HttpResponse:
    def call(r: Referral, d: dict[str, Any]) -> str:
        actions.mark_entered_in_error(by=request.user, referral=r, reason=d["reason"])
        return "Marked as entered in error. It is kept, but no longer appears in lists or counts."

    return _move_page(
        request,
        referral_pk,
        move=Move.MARK_ENTERED_IN_ERROR,
        form_class=EnteredInErrorForm,
        title="Mark as entered in error",
        button="Mark as entered in error",
        call=call,
        warning=True,
    )
