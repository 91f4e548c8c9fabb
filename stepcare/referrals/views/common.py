"""What the referral pages share: the permission check, fetching a referral for the user
(audited, redacted when entered in error), and the page that makes one move."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from stepcare.accounts.models import Team
from stepcare.accounts.permissions import Permission, has_permission, team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.fetch import fetch_for_user
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.referrals import selectors
from stepcare.referrals.models import Referral
from stepcare.referrals.moves import MOVE_PERMISSION
from stepcare.referrals.transitions import Move, MoveRefused, check_move


def _require(request: StaffRequest, *permissions: Permission) -> None:
    if not any(has_permission(request.user, p) for p in permissions):
        raise PermissionDenied


def _get_referral_for_user(
    request: StaffRequest,
    pk: int,
    permission: Permission = Permission.MANAGE_REFERRALS,
    *,
    audit_view: bool = True,
    defer: bool = True,
    histories: Iterable[str] | None = None,
) -> Referral:
    """The referral, if this user may act on it in its team; reads are audited, refusals too.
    ``histories``: those the page shows (``selectors.referrals_for_page``; all by default)."""
    # One fetch with everything the page shows, checked before any of it is shown or audited.
    found = selectors.referrals_for_page(histories)
    referral = selectors.ready_for_page(
        fetch_for_user(request, found, pk, permission, patient_of=lambda r: r.patient)
    )
    if audit_view:
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=referral.patient,
            obj=referral,
            detail={"page": request.resolver_match.view_name} if request.resolver_match else {},
        )
    elif request.method == "POST" and defer:
        audit_if_redisplayed(request, patients=[referral.patient], obj=referral)
    if referral.status == Referral.Status.ENTERED_IN_ERROR and not has_permission(
        request.user, Permission.VIEW_AUDIT
    ):
        _redact(referral)
    return referral


def _redact(referral: Referral) -> None:
    """An entered-in-error referral may be about the wrong person: its pages show nothing of
    the person (no banner, no details given, no difficulties), only that it was entered in
    error, by whom and why. The information-governance officer reads it in the audit trail.

    Only this in-memory copy is changed; nothing can be saved from it (every move is refused
    for an entered-in-error referral, and actions lock and re-read the row).
    """
    referral.patient = None
    referral.submitted_details = {}
    for field in (
        "presenting_difficulties",
        "referrer_name",
        "referrer_organisation",
        "referrer_contact",
        "gp_practice_code",
        "gp_practice_name",
        "screening_notes",
        "discharge_summary",
        "identity_note",
    ):
        setattr(referral, field, "")
    referral.redacted = True  # type: ignore[attr-defined]


def _teams(request: StaffRequest, permission: Permission) -> QuerySet[Team]:
    return Team.objects.filter(id__in=team_ids_with_permission(request.user, permission))


def _refusal(referral: Referral, move: Move) -> str:
    try:
        check_move(referral, move)
    except MoveRefused as exc:
        return str(exc)
    return ""


def _today_initial(field: str) -> dict[str, Any]:
    return {field: timezone.localdate().strftime("%d/%m/%Y")}


class MovePage(View):
    """A page that makes one move on a referral: it explains a refusal (the move is not
    allowed from the referral's state), or shows the move's form and calls its one action.

    Each move is a subclass naming the move, its form and words, and ``act``: call the action,
    return the message to show. Its permission is the move's (``moves.MOVE_PERMISSION``). The
    page is ``referrals/move.html`` unless the move needs more on it.
    """

    http_method_names = ["get", "post"]
    request: StaffRequest
    move: ClassVar[Move]
    form_class: ClassVar[type[forms.Form]]
    title: ClassVar[str] = ""
    button: ClassVar[str] = ""
    template: ClassVar[str] = "referrals/move.html"
    warning: ClassVar[bool] = False
    # The status of a page re-shown after a POST the referral's state refuses.
    refused_post_status: ClassVar[int] = 200
    # The referral's histories the page shows (``selectors.HISTORIES``): a move's page shows the
    # referral's summary and banner, not its histories, unless it names them.
    histories: ClassVar[tuple[str, ...]] = ()

    def get(self, request: StaffRequest, referral_pk: int) -> HttpResponse:
        return self.page(request, referral_pk)

    def post(self, request: StaffRequest, referral_pk: int) -> HttpResponse:
        return self.page(request, referral_pk)

    def page(self, request: StaffRequest, referral_pk: int) -> HttpResponse:
        referral = _get_referral_for_user(
            request,
            referral_pk,
            MOVE_PERMISSION[self.move],
            audit_view=request.method == "GET",
            histories=self.histories,
        )
        refusal = _refusal(referral, self.move)
        form = self.form_class(
            request.POST or None, initial=self.initial(referral), **self.form_kwargs(referral)
        )
        context = {**self.context(referral, form, refusal), **self.more_context(referral)}
        status = self.refused_post_status if request.method == "POST" else 200
        if request.method == "POST" and not refusal:
            if form.is_valid():
                try:
                    message = self.act(referral, form.cleaned_data)
                except MoveRefused as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, message)
                    return redirect(self.done_url(referral))
            status = 400
        return render(request, self.template, context, status=status)

    def context(self, referral: Referral, form: forms.Form, refusal: str) -> dict[str, Any]:
        return {
            "referral": referral,
            "patient": referral.patient,
            "form": form,
            "title": self.title,
            "button": self.button,
            "refusal": refusal,
            "warning": self.warning,
        }

    def initial(self, referral: Referral) -> dict[str, Any] | None:
        return None

    def form_kwargs(self, referral: Referral) -> dict[str, Any]:
        return {}

    def more_context(self, referral: Referral) -> dict[str, Any]:
        """More for the page than the form (called before ``act``)."""
        return {}

    def act(self, referral: Referral, data: dict[str, Any]) -> str:
        """Make the move with the form's data and return the message shown: each move's own."""
        raise NotImplementedError

    def done_url(self, referral: Referral) -> str:
        return reverse("referrals:detail", kwargs={"referral_pk": referral.pk})
