"""The patient's goals, each rated 0-10 over time."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.permissions import has_permission
from stepcare.audit.fetch import fetch_patient
from stepcare.http import StaffRequest
from stepcare.records import actions, selectors
from stepcare.records.forms import GoalForm, GoalRatingForm, ReferralChoiceForm
from stepcare.records.models import Goal
from stepcare.records.views.common import P, form_status, page, referrals_of


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: StaffRequest, pk: int) -> HttpResponse:
    """The patient's goals, each rated 0-10 over time."""
    writing = request.method == "POST"
    patient = fetch_patient(
        request, pk, P.WRITE_CLINICAL_NOTES if writing else P.VIEW_CLINICAL_RECORD, audit_view=not writing
    )
    referrals = referrals_of(patient)
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
    return page(
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
        status=form_status(request),
    )


@login_required
@require_POST
def rate_goal(request: StaffRequest, pk: int, goal_pk: int) -> HttpResponse:
    patient = fetch_patient(request, pk, P.WRITE_CLINICAL_NOTES, audit_view=False)
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
