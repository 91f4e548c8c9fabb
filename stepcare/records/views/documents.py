"""A document of the record: read, edit the draft, sign, add an addendum, record a letter's
dispatch, print."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.pdf import pdf_response, render_pdf
from stepcare.records import actions
from stepcare.records.forms import AddendumForm, DispatchForm, SignForm
from stepcare.records.models import ClinicalDocument, Letter, SignedDocumentIsImmutable
from stepcare.records.views.common import P, document_context, edit_form, get_document_for_user, page


@login_required
def document(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = get_document_for_user(request, kind, doc_pk)
    return render(request, "records/document.html", document_context(request, doc, patient))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = get_document_for_user(
        request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=request.method == "GET"
    )
    if doc.is_signed:
        messages.error(request, "This document is signed and cannot be changed. Add an addendum instead.")
        return redirect("records:document", kind=kind, doc_pk=doc.pk)
    form = edit_form(doc, request.POST or None)
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
            form = edit_form(exc.current, data)
            form.is_valid()
            form.add_error(None, str(exc))
        except SignedDocumentIsImmutable as exc:
            messages.error(request, str(exc))
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
        else:
            messages.success(request, "Draft saved.")
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
    return page(
        request,
        "records/edit.html",
        {"patient": patient, "document": doc, "model": type(doc), "form": form, "theirs": theirs},
        status=409 if theirs else 400 if request.method == "POST" else 200,
    )


def _refused_form(
    request: StaffRequest, doc: ClinicalDocument, patient: Patient, what: str, form: Any
) -> HttpResponse:
    """The document page again with the refused form (``what``: sign, dispatch or addendum),
    audited as a read of the document."""
    with transaction.atomic():
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            obj=doc,
            detail={"page": f"{what} refused"},
        )
    context = document_context(request, doc, patient)
    context[f"{what}_form"] = form
    return render(request, "records/document.html", context, status=400)


@login_required
@require_POST
def sign(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = get_document_for_user(request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
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
    return _refused_form(request, doc, patient, "sign", form)


@login_required
@require_POST
def dispatch(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    """Record that a signed letter was sent (post, secure email or by hand), by whom and when."""
    doc, patient = get_document_for_user(request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
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
    return _refused_form(request, doc, patient, "dispatch", form)


@login_required
@require_POST
def addendum(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    doc, patient = get_document_for_user(request, kind, doc_pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.add_addendum(by=request.user, document=doc, text=form.cleaned_data["text"])
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Addendum added beside the signed document.")
            return redirect("records:document", kind=kind, doc_pk=doc.pk)
    return _refused_form(request, doc, patient, "addendum", form)


@login_required
def pdf(request: StaffRequest, kind: str, doc_pk: int) -> HttpResponse:
    """The document as a PDF: a letter in the NHS letter layout, a safety plan to give the patient."""
    doc, patient = get_document_for_user(request, kind, doc_pk, audit_view=False)
    audit_actions.record(
        by=request.user, action=AuditEvent.Action.EXPORT, patient=patient, obj=doc, detail={"format": "pdf"}
    )
    context = document_context(request, doc, patient)
    context["team"] = patient.team
    body = render_pdf("records/print.html", context, request=request)
    return pdf_response(body, f"{doc.KIND}-{doc.pk}.pdf")
