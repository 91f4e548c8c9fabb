"""The account page where a member of staff creates and revokes their API tokens."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.api import actions
from stepcare.api.models import ApiToken
from stepcare.http import StaffRequest


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="What the token is for, e.g. the team dashboard"
    )
    scope = forms.ChoiceField(
        label="What it may do", choices=ApiToken.Scope.choices, widget=forms.RadioSelect, initial="read"
    )
    expires_on = forms.DateField(
        label="Expires on",
        help_text=f"At most {actions.MAX_LIFETIME_DAYS} days from today, for example 2026-12-31",
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: StaffRequest) -> HttpResponse:
    """List one's tokens; create one (shown once) or revoke one (``revoke`` = its id)."""
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "revoke":
        _revoke(request)
        return redirect("tokens:list")
    form = TokenForm(request.POST if request.POST.get("action") == "create" else None)
    new_raw = ""
    status = 200
    if request.method == "POST":
        form, new_raw = _create(request, form)
        status = 200 if new_raw else 400
    listed = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")[:50]
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": listed,
            "new_raw": new_raw,
            "now": timezone.now(),
            "latest": timezone.localdate() + dt.timedelta(days=actions.MAX_LIFETIME_DAYS),
        },
        status=status,
    )


def _revoke(request: StaffRequest) -> None:
    token = ApiToken.objects.filter(user=request.user, pk=_int(request.POST.get("token"))).first()
    if token is None:
        messages.error(request, "That token was not found.")
    else:
        actions.revoke_token(by=request.user, token=token)
        messages.success(request, f"Token {token.name} revoked. It no longer works.")


def _create(request: StaffRequest, form: TokenForm) -> tuple[TokenForm, str]:
    """The form to show next and the new token (shown once), or the refused form and ``""``."""
    if not form.is_valid():
        return form, ""
    try:
        _token, raw = actions.create_token(
            by=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_on=form.cleaned_data["expires_on"],
        )
    except actions.TokenRefused as exc:
        form.add_error(None, str(exc))
        return form, ""
    return TokenForm(), raw


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
