"""Signing in and out, and the second factor (TOTP)."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts import actions
from stepcare.accounts.forms import SignInForm, TokenForm
from stepcare.http import StaffRequest


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


def _second_factor_passed(request: StaffRequest, device: TOTPDevice) -> None:
    """Mark the session verified under a new session id: a cookie copied before the code
    was entered (at the password step) never becomes a signed-in session."""
    otp_login(request, device)
    request.session.cycle_key()


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: StaffRequest) -> HttpResponse:
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect("accounts:mfa_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                form.add_error("token", "Too many wrong codes. Wait a minute, then try the newest code.")
                break
            if device.verify_token(form.cleaned_data["token"]):
                _second_factor_passed(request, device)
                return redirect(_next_url(request))
        else:
            form.add_error(
                "token",
                "That code is not right or has expired. Enter the code your app shows now; "
                "check your phone's clock is set automatically.",
            )
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: StaffRequest) -> HttpResponse:
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:mfa_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = actions.start_totp_enrolment(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token",
                "Too many wrong codes in a row. Wait a few seconds, then enter "
                "the newest code your app shows.",
            )
        elif device.verify_token(form.cleaned_data["token"]):
            actions.confirm_totp_enrolment(user=request.user, device=device)
            _second_factor_passed(request, device)
            messages.success(request, "Two-factor authentication is set up for your account.")
            return redirect(_next_url(request))
        else:
            form.add_error(
                "token",
                "That code is not right. Scan the QR code again and enter the "
                "6-digit code your app shows now.",
            )
    secret = base64.b32encode(device.bin_key).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr_svg,
            "next": _next_url(request),
        },
    )


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        from django.contrib.auth import logout

        logout(request)
        messages.info(request, "You have signed out.")
        return redirect("accounts:login")
    return render(request, "accounts/sign_out.html")
