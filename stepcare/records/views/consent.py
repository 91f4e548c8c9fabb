"""Consent to share and the people around the patient: decisions, withdrawals, related people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.permissions import has_permission
from stepcare.audit.fetch import fetch_patient
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.records import actions, selectors
from stepcare.records.forms import ConsentForm, RelatedPersonForm, WithdrawConsentForm
from stepcare.records.models import Consent, RelatedPerson
from stepcare.records.views.common import P, form_status, page


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: StaffRequest, pk: int) -> HttpResponse:
    writing = request.method == "POST"
    patient = fetch_patient(
        request, pk, P.WRITE_CLINICAL_NOTES if writing else P.VIEW_CLINICAL_RECORD, audit_view=not writing
    )
    people = RelatedPerson.objects.filter(patient=patient)
    form = ConsentForm(request.POST or None, people=people)
    if writing and form.is_valid():
        try:
            _record_consent(request, patient, form)
        except actions.SigningRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Consent decision recorded.")
            return redirect("records:consent", pk=pk)
    all_consents = selectors.consents_for(patient)
    return page(
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
        status=form_status(request),
    )


def _record_consent(request: StaffRequest, patient: Patient, form: ConsentForm) -> None:
    d = form.cleaned_data
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


@login_required
@require_POST
def withdraw_consent(request: StaffRequest, pk: int, consent_pk: int) -> HttpResponse:
    patient = fetch_patient(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
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
    patient = fetch_patient(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
    form = RelatedPersonForm(request.POST)
    if form.is_valid():
        actions.add_related_person(by=request.user, patient=patient, data=form.cleaned_data)
        messages.success(request, "Person added. Record what they may be told as a consent decision.")
    else:
        messages.error(request, "Give the person's name and relationship.")
    return redirect("records:consent", pk=pk)
