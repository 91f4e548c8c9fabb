"""A new document of the record: a note, assessment or plan prefilled from what is known, a
letter drafted from a template, a formulation on its template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from stepcare.audit.fetch import fetch_patient
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.records import actions, letters, prefill
from stepcare.records.forms import NewLetterForm, ReferralChoiceForm, document_form, formulation_form
from stepcare.records.models import (
    ClinicalDocument,
    Formulation,
    FormulationTemplate,
    Letter,
    RelatedPerson,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
)
from stepcare.records.views.common import P, form_status, kind_from, page, referrals_of
from stepcare.referrals.models import Referral
from stepcare.referrals.models.referral import ReferralQuerySet

if TYPE_CHECKING:
    from stepcare.scheduling.models import Appointment


@dataclass(frozen=True)
class _Start:
    """What a new document starts from: its prefilled fields, the objects it links to, the
    referral it is filed under by default and the appointment it is the note of."""

    initial: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)
    referral: Referral | None = None
    appointment: Appointment | None = None


@login_required
@require_http_methods(["GET", "POST"])
def new(request: StaffRequest, pk: int, kind: str) -> HttpResponse:
    model = kind_from(kind)
    patient = fetch_patient(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=request.method == "GET")
    referrals = referrals_of(patient)
    if model is Letter:
        return _new_letter(request, patient, referrals)
    if model is Formulation:
        return _new_formulation(request, patient, referrals)
    start = _start(request, model, patient, referrals)
    form = document_form(model)(request.POST or None, initial=start.initial)
    choice = ReferralChoiceForm(
        request.POST or None, referrals=referrals, initial={"referral": start.referral}
    )
    if request.method == "POST" and form.is_valid() and choice.is_valid():
        try:
            document = actions.create_document(
                by=request.user,
                kind=model,
                patient=patient,
                referral=choice.cleaned_data["referral"],
                data=form.content(),
                links=start.links,
            )
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{model.LABEL} saved as a draft. Sign it when it is complete.")
            return redirect("records:document", kind=model.KIND, doc_pk=document.pk)
    context = {"patient": patient, "model": model, "form": form, "choice": choice}
    return page(
        request, "records/new.html", {**context, "appointment": start.appointment}, form_status(request)
    )


def _start(
    request: StaffRequest, model: type[ClinicalDocument], patient: Patient, referrals: ReferralQuerySet
) -> _Start:
    appointment = _appointment_from(request, patient)
    if model is SessionNote:
        links: dict[str, Any] = {}
        booked_for = None
        if appointment is not None:
            links["appointment"] = appointment
            booked_for = next(
                (a.referral for a in appointment.attendees.all() if a.patient_id == patient.pk), None
            )
        # The note of an appointment is filed under the referral it was booked for (the
        # patient's latest referral is read only when there is none).
        referral = booked_for or referrals.first()
        initial = prefill.session_note(patient=patient, referral=referral, appointment=appointment)
        return _Start(initial, links, referral, appointment)
    default_referral = referrals.first()
    if model is RiskAssessment:
        return _Start(prefill.risk_assessment(patient=patient), {}, default_referral, appointment)
    if model is SafetyPlan:
        initial, links = prefill.safety_plan(patient=patient)
        return _Start(initial, links, default_referral, appointment)
    return _Start({}, {}, default_referral, appointment)


def _appointment_from(request: StaffRequest, patient: Patient) -> Appointment | None:
    from stepcare.scheduling.models import Appointment

    raw = request.GET.get("appointment") or request.POST.get("appointment")
    if not raw or not str(raw).isdigit():
        return None
    appointment = Appointment.objects.prefetch_related("attendees__referral").filter(pk=int(raw)).first()
    if appointment is None or not any(a.patient_id == patient.pk for a in appointment.attendees.all()):
        return None
    return appointment


def _new_letter(request: StaffRequest, patient: Patient, referrals: ReferralQuerySet) -> HttpResponse:
    people = RelatedPerson.objects.filter(patient=patient)
    form = NewLetterForm(request.POST or None, people=people, initial={"recipient_kind": Letter.Recipient.GP})
    choice = ReferralChoiceForm(
        request.POST or None, referrals=referrals, initial={"referral": referrals.first()}
    )
    if request.method == "POST" and form.is_valid() and choice.is_valid():
        letter = _draft_letter(request, patient, form, choice.cleaned_data["referral"])
        if letter is not None:
            messages.success(request, "Letter drafted from the template. Check and edit it before sending.")
            return redirect("records:edit", kind=Letter.KIND, doc_pk=letter.pk)
    context = {"patient": patient, "model": Letter, "form": form, "choice": choice}
    return page(
        request, "records/new.html", {**context, "merge_fields": letters.MERGE_FIELDS}, form_status(request)
    )


def _draft_letter(
    request: StaffRequest, patient: Patient, form: NewLetterForm, referral: Referral | None
) -> ClinicalDocument | None:
    """The letter drafted from the chosen template to the chosen recipient, or ``None`` with
    the reason on the form when there is no one to send it to."""
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
        return None
    text = letters.draft_from_template(d["template"], patient=patient, referral=referral, by=request.user)
    return actions.create_document(
        by=request.user,
        kind=Letter,
        patient=patient,
        referral=referral,
        data={"recipient_name": recipient.name, "recipient_address": recipient.address, **text},
        links={**recipient.links(), "template": d["template"]},
    )


def _new_formulation(request: StaffRequest, patient: Patient, referrals: ReferralQuerySet) -> HttpResponse:
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
            data=form.content(),
            links={"template": template},
        )
        messages.success(request, "Formulation saved as a draft. Sign it when it is complete.")
        return redirect("records:document", kind=Formulation.KIND, doc_pk=document.pk)
    return page(
        request,
        "records/new.html",
        {"patient": patient, "model": Formulation, "form": form, "choice": choice, "template": template},
        status=form_status(request),
    )
