"""What the record's pages share: the document kind from the URL, fetching a document for the
user (through ``stepcare.audit.fetch``), a page that audits a re-display, the document page's
context."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from stepcare.accounts.permissions import Permission, has_permission
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.fetch import fetch_document
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.records import diagrams, nice, selectors
from stepcare.records.forms import (
    AddendumForm,
    DispatchForm,
    DocumentForm,
    FormulationForm,
    SignForm,
    document_form,
    formulation_form,
    formulation_initial,
)
from stepcare.records.models import (
    DOCUMENT_KINDS,
    ClinicalDocument,
    Formulation,
    Letter,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
    TreatmentPlan,
)
from stepcare.referrals.models import Referral
from stepcare.referrals.models.referral import ReferralQuerySet

P = Permission


def kind_from(slug: str) -> type[ClinicalDocument]:
    kind = DOCUMENT_KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def get_document_for_user(
    request: StaffRequest,
    kind_slug: str,
    pk: int,
    permission: Permission = P.VIEW_CLINICAL_RECORD,
    *,
    audit_view: bool = True,
) -> tuple[ClinicalDocument, Patient]:
    """The document and its patient (for the banner), if this user may see it; reads audited."""
    return fetch_document(
        request, selectors.documents(kind_from(kind_slug)), pk, permission, audit_view=audit_view
    )


def page(request: StaffRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a page; a refused POST shows the patient again, so it is audited as a read."""
    if request.method == "POST":
        audit_if_redisplayed(request, patients=[context["patient"]], obj=context.get("document"))
    return render(request, template, context, status=status)


def form_status(request: StaffRequest) -> int:
    """A form page shown again after a POST is a 400; shown to fill in, a 200."""
    return 400 if request.method == "POST" else 200


def referrals_of(patient: Patient) -> ReferralQuerySet:
    qs: ReferralQuerySet = Referral.objects.counted().filter(patient=patient).order_by("-received_on")
    return qs


def edit_form(doc: ClinicalDocument, data: Any) -> DocumentForm | FormulationForm:
    """The draft's form, bound to ``data`` (the POST) when given."""
    if isinstance(doc, Formulation):
        return formulation_form(doc.template)(
            data, initial={**formulation_initial(doc.sections), "version": doc.version}
        )
    return document_form(type(doc))(data, instance=type(doc).objects.get(pk=doc.pk))


def document_context(request: StaffRequest, document: ClinicalDocument, patient: Patient) -> dict[str, Any]:
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
        context["crisis_contacts"] = crisis_contacts()
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


def crisis_contacts() -> list[tuple[str, str]]:
    return [
        *settings.RECORDS_CRISIS_CONTACTS.items(),
        ("NHS 111, option 2 (mental health, 24 hours)", "111"),
        ("Samaritans (24 hours, free)", "116 123"),
        ("In an emergency", "999 or go to A&E"),
    ]
