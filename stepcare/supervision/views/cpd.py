"""The CPD and accreditation portfolio: the log, and its PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.accounts.models import User
from stepcare.accounts.permissions import (
    teams_seen_whole,
)
from stepcare.http import StaffRequest
from stepcare.pdf import pdf_response, render_pdf
from stepcare.supervision import actions, selectors
from stepcare.supervision.forms import (
    CpdForm,
    PeriodForm,
)
from stepcare.supervision.views.common import P


def _portfolio_user(request: StaffRequest) -> User:
    if not teams_seen_whole(request.user, P.WRITE_CLINICAL_NOTES):
        raise PermissionDenied
    return request.user


def _period(request: StaffRequest) -> tuple[dt.date, dt.date, PeriodForm]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start = (
        today.replace(year=today.year - 1)
        if not (today.month == 2 and today.day == 29)
        else today - dt.timedelta(days=365)
    )
    end = today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    if start > end:
        start, end = end, start
    return start, end, form


@login_required
@require_http_methods(["GET", "POST"])
def portfolio(request: StaffRequest) -> HttpResponse:
    user = _portfolio_user(request)
    start, end, period = _period(request)
    form = CpdForm(request.POST or None, initial={"on": timezone.localdate(), "kind": "cpd"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_cpd_entry(
                by=user,
                kind=data["kind"],
                on=data["on"],
                activity=data["activity"],
                hours=data["hours"],
                reflection=data.get("reflection", ""),
            )
        except actions.SupervisionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Entry added to your log.")
            return redirect("supervision:portfolio")
    found = selectors.portfolio(user=user, start=start, end=end)
    return render(request, "supervision/portfolio.html", {"portfolio": found, "form": form, "period": period})


@login_required
def portfolio_pdf(request: StaffRequest) -> HttpResponse:
    user = _portfolio_user(request)
    start, end, _form = _period(request)
    data = selectors.portfolio(user=user, start=start, end=end)
    pdf = render_pdf("supervision/portfolio_pdf.html", {"portfolio": data}, request=request)
    return pdf_response(pdf, f"portfolio-{user.username}-{start:%Y%m%d}-{end:%Y%m%d}.pdf")


@login_required
def portfolio_csv(request: StaffRequest) -> HttpResponse:
    user = _portfolio_user(request)
    start, end, _form = _period(request)
    data = selectors.portfolio(user=user, start=start, end=end)
    out = io.StringIO()
    csv.writer(out).writerows(data.csv_rows())
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="portfolio-{user.username}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    return response
