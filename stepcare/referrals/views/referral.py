"""One referral: its page, who it is for, and the letters made when signposting or referring on."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.accounts.permissions import Permission, has_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.patients.selectors import visible_to
from stepcare.pdf import pdf_response, render_pdf
from stepcare.referrals import actions, selectors
from stepcare.referrals.models import OnwardReferral, Referral
from stepcare.referrals.moves import moves_open_to
from stepcare.referrals.transitions import Move, MoveRefused
from stepcare.referrals.views.common import _get_referral_for_user, _refusal


@login_required
def detail(request: StaffRequest, referral_pk: int) -> HttpResponse:
    referral = _get_referral_for_user(request, referral_pk)
    wait = None
    if referral.status in Referral.WAITING_STATUSES or referral.first_treatment_date:
        wait = selectors.wait_row(referral, position=0, today=timezone.localdate())
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "patient": referral.patient,
            "can": moves_open_to(request.user, referral),
            "can_book": referral.patient is not None
            and has_permission(request.user, Permission.BOOK_APPOINTMENTS, obj=referral.patient),
            "can_see_outcomes": has_permission(request.user, Permission.VIEW_OUTCOMES, obj=referral),
            "problem": selectors.current_problem(referral),
            "wait": wait,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity(request: StaffRequest, referral_pk: int) -> HttpResponse:
    """Who is this referral for? Only records the user may see are offered; another team's
    record is never named, only said to exist."""
    referral = _get_referral_for_user(request, referral_pk, audit_view=False, defer=False)
    refusal = _refusal(referral, Move.LINK_PATIENT)
    matches: list[Patient] = []
    elsewhere = False
    if not refusal:
        matches, elsewhere = visible_to(request.user, list(selectors.possible_matches(referral)))
    conflict = second = False
    if request.method == "POST" and not refusal:
        try:
            messages.success(request, _confirm_identity(request, referral, matches))
        except actions.IdentityConflict as exc:
            refusal, conflict = str(exc), True
        except MoveRefused as exc:
            refusal = str(exc)
            second = isinstance(exc, actions.SecondOpenReferral) or bool(request.POST.get("confirm_second"))
        else:
            return redirect("referrals:detail", referral_pk=referral_pk)
    shown = ([referral.patient] if referral.patient else []) + matches
    audit_actions.record_shown(by=request.user, patients=shown, obj=referral, page="referrals:identity")
    has_nhs_number = bool(referral.submitted_details.get("nhs_number"))
    context = {"matches": matches, "elsewhere": elsewhere, "refusal": refusal, "conflict": conflict}
    context |= {"has_nhs_number": has_nhs_number, "second": second, **_posted_second(request)}
    status = 400 if refusal and request.method == "POST" else 200
    return render(request, "referrals/identity.html", {"referral": referral, **context}, status=status)


def _confirm_identity(request: StaffRequest, referral: Referral, matches: list[Patient]) -> str:
    """Make the choice posted: link one of ``matches``, or create a record for a different
    person (with or without the NHS number given). The message to show."""
    post = request.POST
    if post.get("patient"):
        chosen = [m for m in matches if str(m.pk) == post["patient"].strip()]
        if not chosen:
            raise MoveRefused("Choose one of the records listed, or confirm this is a different person.")
        actions.link_patient(
            by=request.user,
            referral=referral,
            patient=chosen[0],
            confirm_second=bool(post.get("confirm_second")),
            second_reason=post.get("second_reason", "")[:500],
        )
        return f"Referral linked to {chosen[0].display_name}."
    if post.get("different_person") or post.get("without_nhs_number"):
        actions.create_patient_for_referral(
            by=request.user, referral=referral, without_nhs_number=bool(post.get("without_nhs_number"))
        )
        return "New patient record created for this referral."
    raise MoveRefused("Choose the matching record, or confirm that this is a different person.")


def _posted_second(request: StaffRequest) -> dict[str, Any]:
    """A second open referral as asked for in the form posted, to show it again."""
    return {
        "confirm_second": bool(request.POST.get("confirm_second")),
        "second_reason": request.POST.get("second_reason", "")[:500],
    }


@login_required
def letter(request: StaffRequest, referral_pk: int, onward_pk: int) -> HttpResponse:
    referral = _get_referral_for_user(request, referral_pk, audit_view=False)
    onward = get_object_or_404(
        OnwardReferral.objects.select_related("agency", "made_by"), pk=onward_pk, referral=referral
    )
    as_format = "pdf" if request.GET.get("format") == "pdf" else "html"
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.EXPORT,
        patient=referral.patient,
        obj=onward,
        detail={"letter": onward.kind, "format": as_format},
    )
    context = {"referral": referral, "patient": referral.patient, "onward": onward}
    if as_format == "pdf":
        pdf = render_pdf("referrals/letter.html", context, request=request)
        return pdf_response(pdf, f"{referral.reference}-{onward.kind}-{onward.pk}.pdf")
    return render(request, "referrals/letter.html", context)
