"""Referrals in, by staff: one entered by hand, or a CSV file of them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from stepcare.accounts.permissions import Permission
from stepcare.audit import actions as audit_actions
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.referrals import actions
from stepcare.referrals.forms import ImportForm, StaffReferralForm
from stepcare.referrals.imports import import_csv_file
from stepcare.referrals.transitions import MoveRefused
from stepcare.referrals.views.common import _require, _teams


@login_required
@require_http_methods(["GET", "POST"])
def new(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    form = StaffReferralForm(request.POST or None, teams=_teams(request, Permission.MANAGE_REFERRALS))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = actions.submit_referral(
                by=request.user,
                team=d["team"],
                channel="staff entry",
                confirm_second=d["confirm_second"],
                second_reason=d["second_reason"],
                submission=form.submission(),
            )
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


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.MANAGE_REFERRALS)
    form = ImportForm(
        request.POST or None, request.FILES or None, teams=_teams(request, Permission.MANAGE_REFERRALS)
    )
    report: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        report = import_csv_file(
            by=request.user,
            team=form.cleaned_data["team"],
            data=form.cleaned_data["file"].read(),
            skip_bad_rows=form.cleaned_data["skip_bad_rows"],
        )
    return render(request, "referrals/import.html", {"form": form, "report": report})
