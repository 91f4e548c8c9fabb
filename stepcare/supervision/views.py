"""Supervision records, the supervisee's caseload, MDT meetings, the CPD portfolio and
countersignature: check, validate, call one action, redirect. Every response that shows a
patient writes an audit event naming them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import (
    Permission,
    Role,
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.outcomes import selectors as outcome_selectors
from stepcare.outcomes.forms import CaseloadFilterForm
from stepcare.patients.models import Patient
from stepcare.pdf import pdf_response, render_pdf
from stepcare.supervision import actions, selectors
from stepcare.supervision.forms import (
    AgendaForm,
    CaseActionsForm,
    CorrectionForm,
    CountersignForm,
    CpdForm,
    DecisionForm,
    MeetingForm,
    PeriodForm,
    SupervisionForm,
)
from stepcare.supervision.models import CaseAction, MdtMeeting

P = Permission
OPEN_ACTIONS_SHOWN = 50
SUPERVISEES_SHOWN = 200


def _page_name(request: StaffRequest) -> str:
    return request.resolver_match.view_name if request.resolver_match else request.path


def _refuse(request: StaffRequest, *, patient: Patient | None = None, obj: Any = None, what: str) -> None:
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.ACCESS_DENIED,
        patient=patient,
        obj=obj,
        detail={"permission": what},
    )
    raise PermissionDenied


def _shown(request: StaffRequest, patients: list[Any], obj: Any = None, **detail: Any) -> None:
    audit_actions.record_shown(
        by=request.user, patients=patients, page=_page_name(request), obj=obj, detail=detail
    )


def _supervisee_for(request: StaffRequest, clinician_pk: int) -> User:
    """The supervisee, when the user supervises in one of their teams (refusals audited)."""
    teams = team_ids_with_permission(request.user, P.SUPERVISE)
    # `selectors.supervising_team`, read with the supervisee in one query.
    supervisee = (
        User.objects.filter(pk=clinician_pk, is_active=True)
        .annotate(
            shared_team=Subquery(
                Membership.objects.filter(user=OuterRef("pk"), active=True, team_id__in=teams or [0])
                .order_by("team_id")
                .values("team_id")[:1]
            ),
            trainee=Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"), active=True, role=Role.TRAINEE_HIGH_INTENSITY_THERAPIST
                )
            ),
        )
        .first()
    )
    if supervisee is None:
        raise Http404
    if supervisee.pk == request.user.pk or supervisee.shared_team is None:
        _refuse(request, obj=supervisee, what=P.SUPERVISE.value)
    return supervisee


# A supervisee's caseload and supervision records ---------------------------------------------------


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


def _with_reasons(cases: list[dict[str, Any]], by_key: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**c, "reasons": by_key[c["key"]].reasons} for c in cases]


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """Record supervision, prefilled with every course of the supervisee's pack (all its pages,
    up to PACK_RECORD_CAP courses), each ticked as discussed and free to untick."""
    supervisee = _supervisee_for(request, clinician_pk)
    pack = outcome_selectors.supervision_pack(
        supervisee=supervisee,
        per_page=selectors.PACK_RECORD_CAP,
        charts=False,
        page_number=request.GET.get("part", 1),
        trainee=getattr(supervisee, "trainee", None),
    )
    items: list[Any] = pack.items
    part = pack.caseload.page
    left_out = max(0, part.paginator.count - part.number * selectors.PACK_RECORD_CAP)
    by_key = {f"c{item.row.referral.pk}": item for item in items}
    cases = [
        (key, f"{item.row.referral.patient.display_name} ({item.row.referral.reference})")
        for key, item in by_key.items()
    ]
    form = SupervisionForm(
        request.POST or None, cases=cases, initial={"held_on": timezone.localdate(), "duration_minutes": 60}
    )
    patients = [item.row.referral.patient for item in items]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = []
        for key, item in by_key.items():
            if not data.get(f"{key}_discussed"):
                continue
            todo = [
                actions.ActionInput(text, request.user if owner == "supervisor" else supervisee, due)
                for text, owner, due in form.case_actions(key)
            ]
            chosen.append(
                actions.CaseInput(
                    patient=item.row.referral.patient,
                    referral=item.row.referral,
                    reason="; ".join(item.reasons),
                    decision=data.get(f"{key}_decision", ""),
                    actions=todo,
                )
            )
        try:
            session = actions.record_supervision(
                by=request.user,
                supervisee=supervisee,
                held_on=data["held_on"],
                duration_minutes=data["duration_minutes"],
                notes=data.get("notes", ""),
                cases=chosen,
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Supervision recorded: {len(chosen)} case{'s' if len(chosen) != 1 else ''}."
            )
            return redirect("supervision:record", supervision_pk=session.pk)
    if request.method == "POST":
        audit_if_redisplayed(request, patients=patients)
    else:
        _shown(request, patients, supervisee=supervisee.pk)
    return render(
        request,
        "supervision/record_new.html",
        {
            "form": form,
            "supervisee": supervisee,
            "cases": _with_reasons(form.case_fields(), by_key),
            "left_out": left_out,
            "part": part,
            "cap": selectors.PACK_RECORD_CAP,
        },
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
    people = list(outcome_selectors.supervisees(request.user)[:SUPERVISEES_SHOWN]) if supervises else []
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


def _back_to(d: Any) -> HttpResponse:
    if d.meeting_id:
        return redirect("supervision:meeting", meeting_pk=d.meeting_id)
    return redirect("supervision:record", supervision_pk=d.supervision_id)


def _discussion_for(request: StaffRequest, discussion_pk: int) -> Any:
    """A discussion the user may add actions to or correct (refusals audited)."""
    found = selectors.discussion_detail(discussion_pk)
    if found is None:
        raise Http404
    if not selectors.may_write_about(request.user, found):
        what = P.VIEW_CLINICAL_RECORD if found.meeting_id else P.SUPERVISE
        _refuse(request, patient=found.patient, obj=found, what=what.value)
    return found


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


@login_required
def awaiting(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """Every document of a trainee awaiting the supervisor's countersignature, by kind, paged."""
    supervisee = _supervisee_for(request, clinician_pk)
    kind = request.GET.get("kind", selectors.COUNTERSIGNED_KINDS[0])
    if kind not in selectors.COUNTERSIGNED_KINDS:
        kind = selectors.COUNTERSIGNED_KINDS[0]
    page = selectors.awaiting_countersignature_page(
        supervisee, kind=kind, page_number=request.GET.get("page", 1)
    )
    totals = selectors.awaiting_countersignature_total(supervisee)
    docs = list(page.object_list) if page is not None else []
    _shown(request, [d.patient for d in docs], supervisee=supervisee.pk, kind=kind)
    return render(
        request,
        "supervision/awaiting.html",
        {"supervisee": supervisee, "page": page, "docs": docs, "kind": kind, "totals": totals},
    )


# Countersignature ------------------------------------------------------------------------------


@login_required
@require_POST
def countersign(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    from stepcare.records.models import DOCUMENT_KINDS

    model = DOCUMENT_KINDS.get(kind)
    if model is None:
        raise Http404
    document = get_object_or_404(model.objects.select_related("patient"), pk=doc_pk)
    if not has_permission(request.user, P.SUPERVISE, obj=document.patient):
        _refuse(request, patient=document.patient, obj=document, what=P.SUPERVISE.value)
    form = CountersignForm(request.POST)
    comment = form.cleaned_data.get("comment", "") if form.is_valid() else ""
    try:
        actions.countersign(by=request.user, document=document, comment=comment)
    except actions.SupervisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{document.LABEL} countersigned.")
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("records:document", kind=kind, doc_pk=document.pk)


# MDT meetings ------------------------------------------------------------------------------------


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


# CPD and accreditation portfolio ---------------------------------------------------------------


def _portfolio_user(request: StaffRequest) -> User:
    if not teams_seen_whole(request.user, P.WRITE_CLINICAL_NOTES):
        raise PermissionDenied
    return request.user


def _period(request: StaffRequest) -> tuple[dt.date, dt.date, PeriodForm]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start = (
        today.replace(year=today.year - 1)
        if not (today.month == 2 and today.day == 29)
        else today - dt.timedelta(days=365)
    )
    end = today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    if start > end:
        start, end = end, start
    return start, end, form


@login_required
@require_http_methods(["GET", "POST"])
def portfolio(request: StaffRequest) -> HttpResponse:
    user = _portfolio_user(request)
    start, end, period = _period(request)
    form = CpdForm(request.POST or None, initial={"on": timezone.localdate(), "kind": "cpd"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_cpd_entry(
                by=user,
                kind=data["kind"],
                on=data["on"],
                activity=data["activity"],
                hours=data["hours"],
                reflection=data.get("reflection", ""),
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Entry added to your log.")
            return redirect("supervision:portfolio")
    found = selectors.portfolio(user=user, start=start, end=end)
    return render(request, "supervision/portfolio.html", {"portfolio": found, "form": form, "period": period})


@login_required
def portfolio_pdf(request: StaffRequest) -> HttpResponse:
    user = _portfolio_user(request)
    start, end, _form = _period(request)
    data = selectors.portfolio(user=user, start=start, end=end)
    pdf = render_pdf("supervision/portfolio_pdf.html", {"portfolio": data}, request=request)
    return pdf_response(pdf, f"portfolio-{user.username}-{start:%Y%m%d}-{end:%Y%m%d}.pdf")


@login_required
def portfolio_csv(request: StaffRequest) -> HttpResponse:
    user = _portfolio_user(request)
    start, end, _form = _period(request)
    data = selectors.portfolio(user=user, start=start, end=end)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "date", "kind", "activity", "hours", "reflection"])
    for e in data.entries:
        writer.writerow(
            ["log", e.on.isoformat(), e.get_kind_display(), e.activity, f"{e.hours}", e.reflection]
        )
    writer.writerow(["total", "", "CPD hours", "", f"{data.cpd_hours}", ""])
    writer.writerow(
        [
            "total",
            "",
            "Supervision received (recorded in Stepcare)",
            "",
            f"{data.supervision_received_recorded}",
            "",
        ]
    )
    writer.writerow(
        ["total", "", "Supervision received (entered)", "", f"{data.supervision_received_manual}", ""]
    )
    writer.writerow(
        [
            "total",
            "",
            "Supervision given (recorded in Stepcare)",
            "",
            f"{data.supervision_given_recorded}",
            "",
        ]
    )
    writer.writerow(["total", "", "Supervision given (entered)", "", f"{data.supervision_given_manual}", ""])
    if data.trainee:
        writer.writerow(
            [
                "total",
                "",
                "Supervised practice (attended appointments)",
                "",
                f"{data.practice_hours_recorded}",
                "",
            ]
        )
        writer.writerow(
            ["total", "", "Supervised practice (entered)", "", f"{data.practice_hours_manual}", ""]
        )
        for modality, cases, finished in data.cases_by_modality:
            writer.writerow(["training cases", "", modality, f"{cases} cases, {finished} finished", "", ""])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="portfolio-{user.username}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    return response
