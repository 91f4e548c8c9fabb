"""The public referral forms at /refer/: no sign-in, plain English, crisis help first."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from stepcare.referrals import actions, public
from stepcare.referrals.forms import ProfessionalReferralForm, SelfReferralForm
from stepcare.referrals.models import SourceOfReferral, Urgency

SESSION_REFERENCE = "stepcare_referral_reference"


def _submission(form: SelfReferralForm | ProfessionalReferralForm, *, source: str) -> actions.Submission:
    d: dict[str, Any] = form.cleaned_data
    return actions.Submission(
        person=form.person(),
        source=source,
        received_on=timezone.localdate(),
        presenting_difficulties=d["presenting_difficulties"],
        urgency=d.get("urgency") or Urgency.ROUTINE,
        preferred_contact=d["preferred_contact"],
        preferred_language=d["preferred_language"],
        interpreter_required=d["interpreter_required"],
        gp_practice_code=d.get("gp_practice_code", ""),
        gp_practice_name=d.get("gp_practice_name", ""),
        secondary_care_involvement=bool(d["secondary_care_involvement"]),
        referrer_name=d.get("referrer_name", ""),
        referrer_organisation=d.get("referrer_organisation", ""),
        referrer_contact=d.get("referrer_contact", ""),
        consent_given=True,
    )


def _public_form(
    request: HttpRequest, form_class: type[SelfReferralForm] | type[ProfessionalReferralForm], template: str
) -> HttpResponse:
    if request.method == "POST":
        if public.over_rate_limit(request):
            return render(request, "referrals/public/too_many.html", _phone(), status=429)
        form = form_class(request.POST)
        if request.POST.get("website"):
            # Only robots fill in the hidden field. Thank them and keep nothing.
            return redirect("refer:thanks")
        if form.is_valid():
            problem = public.token_problem(form.cleaned_data["started"])
            if not problem and not public.use_token(form.cleaned_data["started"]):
                problem = "This form was sent already. If you need to refer again, fill in a new form."
            if problem:
                form.add_error(None, problem)
            else:
                source = (
                    SourceOfReferral.SELF
                    if isinstance(form, SelfReferralForm)
                    else form.cleaned_data["source"]
                )
                referral = actions.submit_referral(
                    by=None,
                    team=public.intake_team(form.cleaned_data.get("gp_practice_code", "")),
                    submission=_submission(form, source=source),
                    channel="public self-referral form"
                    if source == SourceOfReferral.SELF
                    else "public professional referral form",
                )
                request.session[SESSION_REFERENCE] = referral.reference
                return redirect("refer:thanks")
        data = request.POST.copy()
        data["started"] = public.new_token()
        form.data = data
        status = 400
    else:
        form = form_class(initial={"started": public.new_token()})
        status = 200
    return render(request, template, {"form": form, **_phone()}, status=status)


def _phone() -> dict[str, str]:
    return {
        "service_phone": settings.SERVICE_PHONE,
        "service_opening_hours": settings.SERVICE_OPENING_HOURS,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    return _public_form(request, SelfReferralForm, "referrals/public/self_referral.html")


@never_cache
@require_http_methods(["GET", "POST"])
def professional_referral(request: HttpRequest) -> HttpResponse:
    return _public_form(request, ProfessionalReferralForm, "referrals/public/professional_referral.html")


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    reference = request.session.pop(SESSION_REFERENCE, "")
    return render(request, "referrals/public/thanks.html", {"reference": reference, **_phone()})
