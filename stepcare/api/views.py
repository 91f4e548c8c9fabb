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
    form = TokenForm(request.POST if request.POST.get("action") == "create" else None)
    new_raw = ""
    status = 200
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token = ApiToken.objects.filter(user=user, pk=_int(request.POST.get("token"))).first()
        if token is None:
            messages.error(request, "That token was not found.")
        else:
            actions.revoke_token(by=user, token=token)
            messages.success(request, f"Token {token.name} revoked. It no longer works.")
        return redirect("tokens:list")
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_raw = actions.create_token(
                    by=user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_on=form.cleaned_data["expires_on"],
                )
            except actions.TokenRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                form = TokenForm()
        else:
            status = 400
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


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
