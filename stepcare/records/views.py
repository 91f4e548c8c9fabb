"""Pages of the clinical record: documents (draft, sign, addendum), consent, people, export."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.permissions import Permission, has_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.patients.views import _get_patient_for_user
from stepcare.pdf import pdf_response, render_pdf
from stepcare.records import actions, diagrams, export, letters, nice, prefill, selectors
from stepcare.records.forms import (
    AddendumForm,
    ConsentForm,
    DispatchForm,
    GoalForm,
    GoalRatingForm,
    NewLetterForm,
    ReferralChoiceForm,
    RelatedPersonForm,
    SignForm,
    WithdrawConsentForm,
    document_form,
    formulation_form,
    formulation_initial,
)
from stepcare.records.models import (
    DOCUMENT_KINDS,
    ClinicalDocument,
    Consent,
    Formulation,
    FormulationTemplate,
    Goal,
    Letter,
    RelatedPerson,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
    SignedDocumentIsImmutable,
    TreatmentPlan,
)
from stepcare.referrals.models import Referral

P = Permission


def _kind(slug: str) -> type[ClinicalDocument]:
    kind = DOCUMENT_KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def _refuse(request: StaffRequest, patient: Patient, permission: Permission, obj: Any = None) -> None:
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.ACCESS_DENIED,
        patient=patient,
        obj=obj,
        detail={"permission": permission.value},
    )
    raise PermissionDenied(f"break-glass:{patient.pk}" if has_permission(request.user, P.BREAK_GLASS) else "")


def _get_document_for_user(
    request: StaffRequest,
    kind_slug: str,
    pk: int,
    permission: Permission = P.VIEW_CLINICAL_RECORD,
    *,
    audit_view: bool = True,
) -> tuple[ClinicalDocument, Patient]:
    """The document and its patient (for the banner), if this user may see it; reads audited."""
    kind = _kind(kind_slug)
    document = get_object_or_404(selectors.documents(kind), pk=pk)
    patient = Patient.objects.for_banner().get(pk=document.patient_id)
    if not has_permission(request.user, permission, obj=patient):
        _refuse(request, patient, permission, document)
    if audit_view:
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            obj=document,
            detail={"page": request.resolver_match.view_name} if request.resolver_match else {},
        )
    return document, patient


def _page(request: StaffRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a page; a refused POST shows the patient again, so it is audited as a read."""
    if request.method == "POST":
        audit_if_redisplayed(request, patients=[context["patient"]], obj=context.get("document"))
    return render(request, template, context, status=status)


def _referrals(patient: Patient) -> Any:
    return Referral.objects.counted().filter(patient=patient).order_by("-received_on")


# The record ------------------------------------------------------------------------------------


@login_required
def record(request: StaffRequest, pk: int) -> HttpResponse:
    """A patient's clinical record: new documents, and the timeline filtered by kind and paged."""
    patient = _get_patient_for_user(request, pk, P.VIEW_CLINICAL_RECORD)
    kind = request.GET.get("kind", "")
    if kind not in selectors.TIMELINE_KINDS:
        kind = ""
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    entries, more = selectors.timeline(patient=patient, kind=kind, page=page)
    return render(
        request,
        "records/record.html",
        {
            "patient": patient,
            "entries": entries,
            "kind": kind,
            "kinds": selectors.TIMELINE_KINDS,
            "page": page,
            "more": more,
            "document_kinds": DOCUMENT_KINDS.values(),
            "can_write": has_permission(request.user, P.WRITE_CLINICAL_NOTES, obj=patient),
            "can_export": has_permission(request.user, P.EXPORT_RECORD),
        },
    )


# Documents -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request: StaffRequest, pk: int, kind: str) -> HttpResponse:
    model = _kind(kind)
    patient = _get_patient_for_user(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=request.method == "GET")
    referrals = _referrals(patient)
    if model is Letter:
        return _new_letter(request, patient, referrals)
    if model is Formulation:
        return _new_formulation(request, patient, referrals)
    links: dict[str, Any] = {}
    appointment = _appointment_from(request, patient)
    initial: dict[str, Any] = {}
    default_referral = referrals.first()
    if model is SessionNote:
        if appointment is not None:
            links["appointment"] = appointment
            default_referral = next(
                (a.referral for a in appointment.attendees.all() if a.patient_id == patient.pk),
                default_referral,
            )
        initial = prefill.session_note(patient=patient, referral=default_referral, appointment=appointment)
    elif model is RiskAssessment:
        initial = prefill.risk_assessment(patient=patient)
    elif model is SafetyPlan:
        initial, links = prefill.safety_plan(patient=patient)
    Form = document_form(model)
    form = Form(request.POST or None, initial=initial)
    choice = ReferralChoiceForm(
        request.POST or None, referrals=referrals, initial={"referral": default_referral}
    )
    if request.method == "POST" and form.is_valid() and choice.is_valid():
        try:
            document = actions.create_document(
                by=request.user,
                kind=model,
                patient=patient,
                referral=choice.cleaned_data["referral"],
                data=form.content(),
                links=links,
            )
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{model.LABEL} saved as a draft. Sign it when it is complete.")
            return redirect("records:document", kind=model.KIND, doc_pk=document.pk)
    return _page(
        request,
        "records/new.html",
        {"patient": patient, "model": model, "form": form, "choice": choice, "appointment": appointment},
        status=400 if request.method == "POST" else 200,
    )


def _appointment_from(request: StaffRequest, patient: Patient) -> Any:
    from stepcare.scheduling.models import Appointment

    raw = request.GET.get("appointment") or request.POST.get("appointment")
    if not raw or not str(raw).isdigit():
        return None
    appointment = Appointment.objects.prefetch_related("attendees__referral").filter(pk=int(raw)).first()
    if appointment is None or not any(a.patient_id == patient.pk for a in appointment.attendees.all()):
        return None
    return appointment


def _new_letter(request: StaffRequest, patient: Patient, referrals: Any) -> HttpResponse:
    people = RelatedPerson.objects.filter(patient=patient)
    form = NewLetterForm(request.POST or None, people=people, initial={"recipient_kind": Letter.Recipient.GP})
    choice = ReferralChoiceForm(
        request.POST or None, referrals=referrals, initial={"referral": referrals.first()}
    )
    if request.method == "POST" and form.is_valid() and choice.is_valid():
        d = form.cleaned_data
        try:
            recipient = letters.recipient_for(
                d["recipient_kind"],
                patient=patient,
                related_person=d["related_person"],
                agency=d["agency"],
                name=d["recipient_name"],
            )
        except letters.NoRecipient as exc:
            form.add_error(None, str(exc))
        else:
            text = letters.draft_from_template(
                d["template"], patient=patient, referral=choice.cleaned_data["referral"], by=request.user
            )
            letter = actions.create_document(
                by=request.user,
                kind=Letter,
                patient=patient,
                referral=choice.cleaned_data["referral"],
                data={"recipient_name": recipient.name, "recipient_address": recipient.address, **text},
                links={**recipient.links(), "template": d["template"]},
            )
            messages.success(request, "Letter drafted from the template. Check and edit it before sending.")
            return redirect("records:edit", kind=Letter.KIND, doc_pk=letter.pk)
    return _page(
        request,
        "records/new.html",
        {
            "patient": patient,
            "model": Letter,
            "form": form,
            "choice": choice,
            "merge_fields": letters.MERGE_FIELDS,
        },
        status=400 if request.method == "POST" else 200,
    )


def _new_formulation(request: StaffRequest, patient: Patient, referrals: Any) -> HttpResponse:
    raw = request.GET.get("template") or request.POST.get("template") or ""
    template = FormulationTemplate.objects.filter(active=True, pk=int(raw)).first() if raw.isdigit() else None
    if template is None:
        return render(
            request,
            "records/choose_template.html",
            {"patient": patient, "templates": FormulationTemplate.objects.filter(active=True)},
        )
    form = formulation_form(template)(request.POST or None)
    choice = ReferralChoiceForm(
        request.POST or None, referrals=referrals, initial={"referral": referrals.first()}
    )
    if request.method == "POST" and form.is_valid() and choice.is_valid():
        document = actions.create_document(
            by=request.user,
            kind=Formulation,
            patient=patient,
            referral=choice.cleaned_data["referral"],
            data=form.content(),  # type: ignore[attr-defined]
            links={"template": template},
        )
        messages.success(request, "Formulation saved as a draft. Sign it when it is complete.")
        return redirect("records:document", kind=Formulation.KIND, doc_pk=document.pk)
    return _page(
        request,
        "records/new.html",
        {"patient": patient, "model": Formulation, "form": form, "choice": choice, "template": template},
        status=400 if request.method == "POST" else 200,
    )


def _document_context(request: StaffRequest, document: ClinicalDocument, patient: Patient) -> dict[str, Any]:
    can_write = has_permission(request.user, P.WRITE_CLINICAL_NOTES, obj=patient)
    context: dict[str, Any] = {
        "patient": patient,
        "document": document,
        "model": type(document),
        "content": document.content(),
        "addenda": selectors.addenda_for(document),
        "can_write": can_write,
        "sign_form": SignForm(initial={"version": document.version}),
        "addendum_form": AddendumForm(),
    }
    if isinstance(document, SessionNote) and not document.is_signed:
        context["item9_prompt"] = selectors.item9_prompt(document)
    if isinstance(document, RiskAssessment):
        previous = selectors.previous_risk_review(document)
        context["previous_review"] = previous
        context["risk_changes"] = document.changes_since(previous)
    if isinstance(document, Letter):
        context["consent_ok"] = selectors.sharing_allowed(document)
        if document.is_signed:
            context["dispatches"] = selectors.dispatches_for(document)
            context["dispatch_form"] = DispatchForm()
    if isinstance(document, SafetyPlan):
        context["crisis_contacts"] = _crisis_contacts()
    if document.is_signed and document.KIND in ("session-note", "assessment"):
        from stepcare.supervision.selectors import countersign_context

        context.update(countersign_context(request.user, document))
    if isinstance(document, Formulation):
        context["diagram"] = diagrams.formulation_svg(document.template.diagram, context["content"])
    if isinstance(document, TreatmentPlan) and document.modality and document.problem_descriptor:
        session_range = nice.range_for(document.modality, document.problem_descriptor)
        context["session_range"] = session_range
        context["outside_range"] = session_range is not None and session_range.outside(
            document.planned_sessions
        )
    return context


def _crisis_contacts() -> list[tuple[str, str]]:
    return [
        *settings.RECORDS_CRISIS_CONTACTS.items(),
        ("NHS 111, option 2 (mental health, 24 hours)", "111"),
        ("Samaritans (24 hours, free)", "116 123"),
        ("In an emergency", "999 or go to A&E"),
    ]


@login_required
def document(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = _get_document_for_user(request, kind, doc_pk)
    return render(request, "records/document.html", _document_context(request, doc, patient))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = _get_document_for_user(
        request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=request.method == "GET"
    )
    if doc.is_signed:
        messages.error(request, "This document is signed and cannot be changed. Add an addendum instead.")
        return redirect("records:document", kind=kind, doc_pk=doc.pk)
    form = _edit_form(doc, request.POST or None)
    theirs: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_draft(
                by=request.user,
                document=doc,
                data=form.content(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except actions.ConcurrentEdit as exc:
            theirs = exc.theirs
            data = request.POST.copy()
            # Having seen their changes, saving again is deliberate.
            data["version"] = str(exc.current.version)
            form = _edit_form(exc.current, data)
            form.is_valid()
            form.add_error(None, str(exc))
        except SignedDocumentIsImmutable as exc:
            messages.error(request, str(exc))
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
        else:
            messages.success(request, "Draft saved.")
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
    return _page(
        request,
        "records/edit.html",
        {"patient": patient, "document": doc, "model": type(doc), "form": form, "theirs": theirs},
        status=409 if theirs else 400 if request.method == "POST" else 200,
    )


def _edit_form(doc: ClinicalDocument, data: Any) -> Any:
    if isinstance(doc, Formulation):
        return formulation_form(doc.template)(
            data, initial={**formulation_initial(doc.sections), "version": doc.version}
        )
    return document_form(type(doc))(data, instance=type(doc).objects.get(pk=doc.pk))


@login_required
@require_POST
def sign(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = _get_document_for_user(request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            actions.sign_document(
                by=request.user,
                document=doc,
                expected_version=form.cleaned_data["version"],
                legal_basis=form.cleaned_data["legal_basis"],
                raise_concern=form.cleaned_data["raise_concern"],
            )
        except actions.ConcurrentEdit as exc:
            form.add_error(None, f"{exc} Review the draft before signing.")
        except (actions.SigningRefused, SignedDocumentIsImmutable) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{doc.LABEL} signed. It can no longer be changed; add an addendum to correct it."
            )
            if isinstance(doc, Letter):
                messages.info(request, "Send the letter, then record here how and when it was sent.")
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
    with transaction.atomic():
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            obj=doc,
            detail={"page": "sign refused"},
        )
    context = _document_context(request, doc, patient)
    context["sign_form"] = form
    return render(request, "records/document.html", context, status=400)


@login_required
@require_POST
def dispatch(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    """Record that a signed letter was sent (post, secure email or by hand), by whom and when."""
    doc, patient = _get_document_for_user(request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    if not isinstance(doc, Letter):
        messages.error(request, "Only letters are sent: this document stays in the record.")
        return redirect("records:document", kind=kind, doc_pk=doc.pk)
    form = DispatchForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.dispatch_letter(
                by=request.user,
                letter=doc,
                route=d["route"],
                dispatched_on=d["dispatched_on"],
                email_address=d["email_address"] or "",
                note=d["note"],
            )
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Recorded as sent.")
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
    with transaction.atomic():
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            obj=doc,
            detail={"page": "dispatch refused"},
        )
    context = _document_context(request, doc, patient)
    context["dispatch_form"] = form
    return render(request, "records/document.html", context, status=400)


@login_required
@require_POST
def addendum(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = _get_document_for_user(request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.add_addendum(by=request.user, document=doc, text=form.cleaned_data["text"])
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Addendum added beside the signed document.")
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        patient=patient,
        obj=doc,
        detail={"page": "addendum refused"},
    )
    context = _document_context(request, doc, patient)
    context["addendum_form"] = form
    return render(request, "records/document.html", context, status=400)


@login_required
def pdf(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    """The document as a PDF: a letter in the NHS letter layout, a safety plan to give the patient."""
    doc, patient = _get_document_for_user(request, kind, doc_pk, audit_view=False)
    audit_actions.record(
        by=request.user, action=AuditEvent.Action.EXPORT, patient=patient, obj=doc, detail={"format": "pdf"}
    )
    context = _document_context(request, doc, patient)
    context["team"] = patient.team
    body = render_pdf("records/print.html", context, request=request)
    return pdf_response(body, f"{doc.KIND}-{doc.pk}.pdf")


@login_required
def drafts(request: StaffRequest) -> HttpResponse:
    """One's own drafts unsigned for too long, and (for supervisors) their teams'."""
    if not has_permission(request.user, P.WRITE_CLINICAL_NOTES):
        raise PermissionDenied
    found = selectors.overdue_drafts(user=request.user)
    unsent = selectors.unsent_letters(user=request.user)
    patients = {d.patient_id for d in found["own"] + found["team"] + unsent["own"] + unsent["team"]}
    if patients:
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            detail={"page": "records:drafts", "patients": sorted(patients)},
        )
    return render(
        request,
        "records/drafts.html",
        {
            "own": found["own"],
            "team": found["team"],
            "days": settings.RECORDS_DRAFT_OVERDUE_DAYS,
            "unsent_own": unsent["own"],
            "unsent_team": unsent["team"],
            "unsent_days": settings.RECORDS_UNSENT_LETTER_DAYS,
        },
    )


@login_required
def appointment_note(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    """From the diary: the session note of this appointment, new (prefilled) or the one written."""
    from stepcare.scheduling.models import Appointment

    appointment = get_object_or_404(Appointment.objects.prefetch_related("attendees"), pk=appointment_pk)
    attendees = list(appointment.attendees.all())
    wanted = request.GET.get("patient")
    attendee = next(
        (a for a in attendees if str(a.patient_id) == wanted), attendees[0] if attendees else None
    )
    if attendee is None:
        raise Http404
    patient = _get_patient_for_user(request, attendee.patient_id, P.WRITE_CLINICAL_NOTES, audit_view=False)
    existing = SessionNote.objects.filter(appointment=appointment, patient=patient).first()
    if existing is not None:
        return redirect("records:document", kind=SessionNote.KIND, doc_pk=existing.pk)
    url = reverse("records:new", kwargs={"pk": patient.pk, "kind": SessionNote.KIND})
    return redirect(f"{url}?appointment={appointment.pk}")


# Consent and people ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: StaffRequest, pk: int) -> HttpResponse:
    writing = request.method == "POST"
    patient = _get_patient_for_user(
        request, pk, P.WRITE_CLINICAL_NOTES if writing else P.VIEW_CLINICAL_RECORD, audit_view=not writing
    )
    people = RelatedPerson.objects.filter(patient=patient)
    form = ConsentForm(request.POST or None, people=people)
    if writing and form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_consent(
                by=request.user,
                patient=patient,
                scope=d["scope"],
                given=d["given"],
                decided_on=d["decided_on"],
                related_person=d["related_person"],
                agency_name=d["agency_name"],
                may_be_told=d["may_be_told"],
            )
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Consent decision recorded.")
            return redirect("records:consent", pk=pk)
    all_consents = selectors.consents_for(patient)
    return _page(
        request,
        "records/consent.html",
        {
            "patient": patient,
            "form": form,
            "current": selectors.current_consents(all_consents),
            "history": all_consents,
            "people": list(people),
            "person_form": RelatedPersonForm(),
            "withdraw_form": WithdrawConsentForm(),
            "can_write": has_permission(request.user, P.WRITE_CLINICAL_NOTES, obj=patient),
        },
        status=400 if writing else 200,
    )


@login_required
@require_POST
def withdraw_consent(request: StaffRequest, pk: int, consent_pk: int) -> HttpResponse:
    patient = _get_patient_for_user(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    decision = get_object_or_404(Consent, pk=consent_pk, patient=patient)
    form = WithdrawConsentForm(request.POST)
    if form.is_valid():
        try:
            actions.withdraw_consent(
                by=request.user,
                consent=decision,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"],
            )
        except actions.SigningRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Consent withdrawn. Nothing more will be shared on it.")
    else:
        messages.error(request, "Give the date the consent was withdrawn.")
    return redirect("records:consent", pk=pk)


@login_required
@require_POST
def add_person(request: StaffRequest, pk: int) -> HttpResponse:
    patient = _get_patient_for_user(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    form = RelatedPersonForm(request.POST)
    if form.is_valid():
        actions.add_related_person(by=request.user, patient=patient, data=form.cleaned_data)
        messages.success(request, "Person added. Record what they may be told as a consent decision.")
    else:
        messages.error(request, "Give the person's name and relationship.")
    return redirect("records:consent", pk=pk)


# Goals -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: StaffRequest, pk: int) -> HttpResponse:
    """The patient's goals, each rated 0-10 over time."""
    writing = request.method == "POST"
    patient = _get_patient_for_user(
        request, pk, P.WRITE_CLINICAL_NOTES if writing else P.VIEW_CLINICAL_RECORD, audit_view=not writing
    )
    referrals = _referrals(patient)
    form = GoalForm(request.POST or None)
    choice = ReferralChoiceForm(
        request.POST or None, referrals=referrals, initial={"referral": referrals.first()}
    )
    if writing and form.is_valid() and choice.is_valid():
        actions.add_goal(
            by=request.user,
            patient=patient,
            referral=choice.cleaned_data["referral"],
            description=form.cleaned_data["description"],
            rating=form.cleaned_data["rating"],
            on=timezone.localdate(),
        )
        messages.success(request, "Goal added with its first rating.")
        return redirect("records:goals", pk=pk)
    return _page(
        request,
        "records/goals.html",
        {
            "patient": patient,
            "goals": selectors.goals_for(patient),
            "form": form,
            "choice": choice,
            "rating_form": GoalRatingForm(),
            "can_write": has_permission(request.user, P.WRITE_CLINICAL_NOTES, obj=patient),
        },
        status=400 if writing else 200,
    )


@login_required
@require_POST
def rate_goal(request: StaffRequest, pk: int, goal_pk: int) -> HttpResponse:
    patient = _get_patient_for_user(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    goal = get_object_or_404(Goal, pk=goal_pk, patient=patient)
    form = GoalRatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rate_goal(
                by=request.user,
                goal=goal,
                rating=form.cleaned_data["rating"],
                on=form.cleaned_data["rated_on"],
            )
        except actions.SigningRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Rating recorded.")
    else:
        messages.error(request, "Give a rating from 0 to 10 and its date.")
    return redirect("records:goals", pk=pk)


# Subject access -------------------------------------------------------------------------------


@login_required
def subject_access(request: StaffRequest, pk: int) -> HttpResponse:
    """The whole record of one patient for a subject access request (IG officer), PDF or JSON;
    a POST asks for it as a background export job (a long record takes too long to render here)."""
    if not has_permission(request.user, P.EXPORT_RECORD):
        raise PermissionDenied
    patient = get_object_or_404(Patient.objects.for_banner(), pk=pk)
    if request.method == "POST":
        from stepcare.exports import actions as export_actions

        try:
            job = export_actions.request_subject_access(by=request.user, patient=patient)
        except export_actions.ExportRefused as refused:
            messages.error(request, str(refused))
            return redirect("patients:access_log", pk=patient.pk)
        return redirect("exports:job", job_pk=job.pk)
    fmt = "json" if request.GET.get("format") == "json" else "pdf"
    with transaction.atomic():
        audit_actions.record(
            by=request.user, action=AuditEvent.Action.EXPORT, patient=patient, detail={"subject_access": fmt}
        )
    data = export.subject_access_data(patient)
    name = f"subject-access-{patient.nhs_number or patient.pk}"
    if fmt == "json":
        response = HttpResponse(json.dumps(data, indent=2, default=str), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    return pdf_response(export.subject_access_pdf(data), f"{name}.pdf")
