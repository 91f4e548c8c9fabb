"""A clinician's weekly working pattern, and their leave and other time away."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Site, Team, User
from stepcare.http import StaffRequest
from stepcare.scheduling import actions, selectors
from stepcare.scheduling.forms import (
    UnavailabilityForm,
    WorkingPatternForm,
)
from stepcare.scheduling.models import Unavailability
from stepcare.scheduling.views.common import overseen_team_ids


def _get_clinician_for_user(request: StaffRequest, clinician_pk: int) -> User:
    """The member of staff whose pattern this is: oneself, or someone in a team one manages
    or supervises."""
    clinician = get_object_or_404(User, pk=clinician_pk, is_active=True)
    if clinician == request.user:
        return clinician
    overseen = overseen_team_ids(request.user)
    if not overseen & selectors.team_ids_of(clinician):
        raise PermissionDenied
    return clinician


def _pattern_sites(request: StaffRequest, clinician: User) -> Any:
    """The sites of the clinician's teams' services (their teams read inside the same query)."""
    services = Team.objects.filter(memberships__user=clinician, memberships__active=True).values("service_id")
    return Site.objects.filter(service_id__in=services).order_by("name")


@login_required
def my_availability(request: StaffRequest) -> HttpResponse:
    return redirect("scheduling:availability", clinician_pk=request.user.pk)


@login_required
@require_http_methods(["GET", "POST"])
def availability(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """A clinician's weekly working pattern, and their leave and other time away."""
    clinician = _get_clinician_for_user(request, clinician_pk)
    sites = _pattern_sites(request, clinician)
    rows = selectors.working_pattern(clinician)
    pattern_form = WorkingPatternForm(
        request.POST if request.method == "POST" else None,
        sites=sites,
        initial=WorkingPatternForm.initial_for(rows),
    )
    if request.method == "POST" and pattern_form.is_valid():
        try:
            actions.set_working_pattern(
                by=request.user, clinician=clinician, blocks=pattern_form.cleaned_data["blocks"]
            )
        except actions.BookingRefused as exc:
            pattern_form.add_error(None, str(exc))
        else:
            messages.success(request, "Working pattern saved.")
            return redirect("scheduling:availability", clinician_pk=clinician.pk)
    return _availability_page(request, clinician, rows, pattern_form, UnavailabilityForm())


def _availability_page(
    request: StaffRequest,
    clinician: User,
    rows: list[Any],
    pattern_form: WorkingPatternForm,
    leave_form: UnavailabilityForm,
) -> HttpResponse:
    return render(
        request,
        "scheduling/availability.html",
        {
            "clinician": clinician,
            "is_me": clinician == request.user,
            "rows": rows,
            "uses_default": not rows,
            "weekly_hours": sum(r.hours for r in rows) if rows else 37.5,
            "pattern_form": pattern_form,
            "leave_form": leave_form,
            "away": list(selectors.time_away(clinician=clinician)),
        },
    )


@login_required
@require_POST
def add_leave(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    clinician = _get_clinician_for_user(request, clinician_pk)
    form = UnavailabilityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            away = actions.add_unavailability(
                by=request.user,
                clinician=clinician,
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            booked = selectors.booked_during(
                clinician=clinician, starts_at=away.starts_at, ends_at=away.ends_at
            )
            messages.success(request, f"{away.get_kind_display()} recorded.")
            if booked:
                messages.warning(
                    request,
                    f"{booked} appointment{'s are' if booked != 1 else ' is'} already booked in that time. "
                    "Move or cancel them from the diary: nothing is moved automatically.",
                )
            return redirect("scheduling:availability", clinician_pk=clinician.pk)
    rows = selectors.working_pattern(clinician)
    pattern_form = WorkingPatternForm(
        sites=_pattern_sites(request, clinician), initial=WorkingPatternForm.initial_for(rows)
    )
    return _availability_page(request, clinician, rows, pattern_form, form)


@login_required
@require_POST
def withdraw_leave(request: StaffRequest, clinician_pk: int, away_pk: int) -> HttpResponse:
    clinician = _get_clinician_for_user(request, clinician_pk)
    away = get_object_or_404(Unavailability, pk=away_pk, clinician=clinician, withdrawn_at__isnull=True)
    actions.withdraw_unavailability(by=request.user, away=away)
    messages.success(request, f"{away.get_kind_display()} removed.")
    return redirect("scheduling:availability", clinician_pk=clinician.pk)
