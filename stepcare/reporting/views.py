"""The KPI dashboard for service managers and the list of referrals behind each figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.records.models import TreatmentPlan
from stepcare.referrals.models.codes import ProblemDescriptor, Step
from stepcare.reporting import downloads, equity, selectors
from stepcare.reporting.charts import trend_svg
from stepcare.reporting.targets import kpi_targets

PAGE_SIZE = 25
PERIODS = (
    ("this_fy", "This financial year"),
    ("last_fy", "Last financial year"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("dates", "These dates"),
)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    years, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + years, month + 1, 1)


def preset_period(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """A named period around ``today``. Financial years start on 1 April; quarters are calendar
    quarters, which are also the financial year's (April-June ... January-March)."""
    fy = today.year if today.month >= 4 else today.year - 1
    month_start = today.replace(day=1)
    quarter_start = dt.date(today.year, today.month - (today.month - 1) % 3, 1)
    one_day = dt.timedelta(days=1)
    if name == "last_fy":
        return dt.date(fy - 1, 4, 1), dt.date(fy, 3, 31)
    if name == "this_quarter":
        return quarter_start, _add_months(quarter_start, 3) - one_day
    if name == "last_quarter":
        return _add_months(quarter_start, -3), quarter_start - one_day
    if name == "this_month":
        return month_start, _add_months(month_start, 1) - one_day
    if name == "last_month":
        return _add_months(month_start, -1), month_start - one_day
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def _date(text: str) -> dt.date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class Choices:
    """What the user chose, checked: the period, and the filters within their own teams."""

    start: dt.date
    end: dt.date
    period: str
    team: Team | None
    clinician: User | None
    step: str
    descriptor: str
    errors: list[str]
    values: dict[str, str]
    modality: str = ""

    def referrals(self, team_ids: set[int]) -> Any:
        return selectors.report_referrals(
            team_ids,
            self.team,
            self.clinician,
            step=self.step,
            descriptor=self.descriptor,
            modality=self.modality,
        )

    def scope(self) -> dict[str, Any]:
        """What the figures depend on, as plain values (the dashboard's cache key)."""
        return {
            "team": self.team.pk if self.team else None,
            "clinician": self.clinician.pk if self.clinician else None,
            "step": self.step,
            "descriptor": self.descriptor,
            "modality": self.modality,
        }

    def query(self) -> str:
        q = QueryDict(mutable=True)
        q.update({k: v for k, v in self.values.items() if v})
        return q.urlencode()


def _choices(params: QueryDict, team_ids: set[int], teams: list[Team]) -> Choices:
    errors: list[str] = []
    values = {
        k: params.get(k, "").strip()
        for k in ("period", "from", "to", "team", "clinician", "step", "descriptor", "modality")
    }
    period = values["period"] or "this_fy"
    if period not in dict(PERIODS):
        errors.append("Choose a period from the list.")
        period = "this_fy"
    start, end = preset_period(period, timezone.localdate())
    if period == "dates":
        start_d, end_d = _date(values["from"]), _date(values["to"])
        if start_d is None or end_d is None:
            errors.append("Enter both dates as day/month/year, for example 01/04/2026.")
        elif end_d < start_d:
            errors.append("The end date must be on or after the start date.")
        else:
            start, end = start_d, end_d
    team = next((t for t in teams if str(t.pk) == values["team"]), None)
    if values["team"] and team is None:
        errors.append("Choose one of your teams.")
    clinician = None
    if "\x00" in values["clinician"]:
        errors.append("No therapist in your teams has that username.")
    elif values["clinician"]:
        clinician = User.objects.filter(
            username=values["clinician"], memberships__team_id__in=team_ids
        ).first()
        if clinician is None:
            errors.append("No therapist in your teams has that username.")
    step = values["step"] if values["step"] in Step.values else ""
    descriptor = values["descriptor"] if values["descriptor"] in ProblemDescriptor.values else ""
    modality = values["modality"] if values["modality"] in TreatmentPlan.Modality.values else ""
    return Choices(start, end, period, team, clinician, step, descriptor, errors, values, modality)


def _report_teams(request: StaffRequest) -> tuple[set[int], list[Team]]:
    team_ids = team_ids_with_permission(request.user, Permission.VIEW_SERVICE_REPORTS)
    if not team_ids:
        raise PermissionDenied
    return team_ids, list(Team.objects.filter(pk__in=team_ids).order_by("name"))


@login_required
def dashboard(request: StaffRequest) -> HttpResponse:
    """The national KPIs for the user's teams: each with numerator, denominator and target."""
    team_ids, teams = _report_teams(request)
    chosen = _choices(request.GET, team_ids, teams)
    data = selectors.dashboard(
        chosen.start,
        chosen.end,
        lambda: chosen.referrals(team_ids),
        team_ids=team_ids,
        scope=chosen.scope(),
        modality=chosen.modality,
    )
    targets = kpi_targets()
    return render(
        request,
        "reporting/dashboard.html",
        {
            "chosen": chosen,
            "figures": selectors.figures(data.result, targets),
            "trend": data.trend,
            "trend_svg": trend_svg(data.trend, recovery_target=targets.get("recovery")),
            "teams": teams,
            "periods": PERIODS,
            "steps": Step.choices,
            "descriptors": ProblemDescriptor.choices,
            "query": chosen.query(),
            "endings": data.endings,
            "attendance": data.attendance,
            "sessions": data.sessions,
            "modalities": TreatmentPlan.Modality.choices,
            "waiting": data.waiting,
            "computed_at": data.computed_at,
        },
    )


def _figure_page(
    request: StaffRequest, key: str, chosen: Choices, team_ids: set[int]
) -> tuple[int, Page[Any] | None]:
    """The count behind figure ``key`` in the report's teams, and the page of its referrals in
    the teams whose patients the user may see (None when there are none)."""
    viewable = team_ids & team_ids_with_permission(request.user, Permission.VIEW_PATIENT)
    total = selectors.drilldown(key, chosen.start, chosen.end, chosen.referrals(team_ids)).count()
    if not viewable:
        return total, None
    rows = selectors.drilldown(key, chosen.start, chosen.end, chosen.referrals(viewable))
    paginator = Paginator(rows, PAGE_SIZE)
    if viewable == team_ids:
        paginator.count = total  # the same referrals, counted once (a year's cohort is thousands)
    return total, paginator.get_page(request.GET.get("page"))


@login_required
def referrals(request: StaffRequest) -> HttpResponse:
    """The referrals behind one figure, a page at a time, for users who may see the patients;
    others see the count only. One audit event names the patients shown."""
    team_ids, teams = _report_teams(request)
    chosen = _choices(request.GET, team_ids, teams)
    key = request.GET.get("figure", "")
    label = next((row[0] for row in selectors.DASHBOARD if row[1] == key), "")
    if key not in selectors.DRILLDOWN_KEYS or not label:
        return render(
            request,
            "reporting/referrals.html",
            {"refused": "Choose a figure from the dashboard."},
            status=400,
        )
    total, page = _figure_page(request, key, chosen, team_ids)
    shown = list(page.object_list) if page is not None else []
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        detail={"page": "reporting:referrals", "figure": key, "patients": [r.patient_id for r in shown]},
        patients=[r.patient for r in shown],  # each patient listed finds this event in their access log
    )
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in chosen.values.items() if v})
    query["figure"] = key
    return render(
        request,
        "reporting/referrals.html",
        {
            "chosen": chosen,
            "label": label,
            "total": total,
            "page": page,
            "query": query.urlencode(),
            "order": selectors.DRILLDOWN_ORDER_TEXT[selectors.drilldown_order(key)],
        },
    )


def _equity_table(chosen: Choices, team_ids: set[int], dimension: str) -> equity.EquityTable:
    """The equity table for one characteristic, kept a few minutes as the dashboard's figures."""
    return selectors.kept_for_a_while(
        team_ids,
        {
            **chosen.scope(),
            "start": chosen.start,
            "end": chosen.end,
            "equity": dimension,
            "at": equity.threshold(),
        },
        lambda: equity.EquityTable(
            groups=equity.equity(chosen.start, chosen.end, chosen.referrals(team_ids), dimension),
            computed_at=timezone.now(),
        ),
        today=timezone.localdate(),
        kind=equity.EquityTable,
    )


@login_required
def equity_view(request: StaffRequest) -> HttpResponse:
    """Outcomes and waits by a characteristic, small numbers suppressed (counts only, no patients)."""
    team_ids, teams = _report_teams(request)
    chosen = _choices(request.GET, team_ids, teams)
    dimension = request.GET.get("by", "ethnic_category")
    if dimension not in equity.DIMENSIONS:
        chosen.errors.append("Choose a characteristic from the list.")
        dimension = "ethnic_category"
    table = _equity_table(chosen, team_ids, dimension)
    return render(
        request,
        "reporting/equity.html",
        {
            "chosen": chosen,
            "groups": table.groups,
            "computed_at": table.computed_at,
            "dimension": dimension,
            "dimensions": equity.DIMENSIONS.items(),
            "threshold": equity.threshold(),
            "teams": teams,
            "periods": PERIODS,
            "steps": Step.choices,
            "descriptors": ProblemDescriptor.choices,
            "download_query": _with(chosen, by=dimension),
            "dimension_label": equity.DIMENSION_NAMES[dimension],
        },
    )


@login_required
@require_POST
def service_report(request: StaffRequest) -> HttpResponse | HttpResponseRedirect:
    """Every table of the dashboard and the equity page for the dashboard's choices, as a
    background export job (a zip of CSV files); lands on the job's page."""
    from stepcare.exports import actions as export_actions

    team_ids, teams = _report_teams(request)
    chosen = _choices(request.POST, team_ids, teams)
    if chosen.errors:  # the dashboard shows them
        return redirect(f"{reverse('reporting:dashboard')}?{chosen.query()}")
    try:
        job = export_actions.request_service_report(
            by=request.user, team_ids=team_ids, start=chosen.start, end=chosen.end, team=chosen.team,
            clinician=chosen.clinician, step=chosen.step, descriptor=chosen.descriptor,
            modality=chosen.modality,
        )  # fmt: skip
    except export_actions.ExportRefused as refused:
        messages.error(request, str(refused))
        return redirect(f"{reverse('reporting:dashboard')}?{chosen.query()}")
    return redirect("exports:job", job_pk=job.pk)


def _with(chosen: Choices, **extra: str) -> str:
    """The chosen period and filters as a query string, with ``extra`` parameters."""
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in chosen.values.items() if v})
    query.update(extra)
    return query.urlencode()


# CSV downloads: the same access, choices and figures as the page each table is on.


def _table_csv(
    request: StaffRequest,
    build: Callable[..., Any],
    extra: Callable[[Choices], tuple[Any, ...]] = lambda chosen: (),
) -> StreamingHttpResponse:
    """One table of the page as CSV: ``build(start, end, referrals, *extra(chosen))`` over the
    page's teams and choices, so the download and the page cannot disagree."""
    team_ids, teams = _report_teams(request)
    chosen = _choices(request.GET, team_ids, teams)
    table = build(chosen.start, chosen.end, chosen.referrals(team_ids), *extra(chosen))
    response: StreamingHttpResponse = table.response(chosen.start, chosen.end)
    return response


@login_required
@require_GET
def figures_csv(request: StaffRequest) -> StreamingHttpResponse:
    """The dashboard's figures table as CSV."""
    return _table_csv(request, downloads.figures_table)


@login_required
@require_GET
def trend_csv(request: StaffRequest) -> StreamingHttpResponse:
    """The monthly trend table (recovery and reliable improvement by month of ending) as CSV."""
    return _table_csv(request, downloads.trend_table)


@login_required
@require_GET
def endings_csv(request: StaffRequest) -> StreamingHttpResponse:
    """The ending reasons table as CSV."""
    return _table_csv(request, downloads.endings_table)


@login_required
@require_GET
def equity_csv(request: StaffRequest) -> StreamingHttpResponse:
    """The equity table for one characteristic as CSV, suppressed exactly as on the page."""
    dimension = request.GET.get("by", "ethnic_category")
    if dimension not in equity.DIMENSIONS:
        dimension = "ethnic_category"
    return _table_csv(request, downloads.equity_table, lambda chosen: (dimension,))


@login_required
@require_GET
def referrals_csv(request: StaffRequest) -> HttpResponse | StreamingHttpResponse:
    """Every referral behind a figure as CSV, for users who may see those patients (in the
    teams where they may; refused otherwise). One audit event names every patient exported."""
    team_ids, teams = _report_teams(request)
    chosen = _choices(request.GET, team_ids, teams)
    key = request.GET.get("figure", "")
    if key not in selectors.DRILLDOWN_KEYS:
        return render(
            request,
            "reporting/referrals.html",
            {"refused": "Choose a figure from the dashboard."},
            status=400,
        )
    viewable = team_ids & team_ids_with_permission(request.user, Permission.VIEW_PATIENT)
    if not viewable:
        raise PermissionDenied
    found = selectors.drilldown(key, chosen.start, chosen.end, chosen.referrals(viewable))
    # The keys first (a year of a large service is tens of thousands): the audit names exactly
    # the patients of the referrals then streamed, a chunk at a time, in the same order.
    keys = list(found.values_list("pk", "patient_id"))
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.EXPORT,
        detail={
            "page": "reporting:referrals_csv",
            "figure": key,
            "format": "csv",
            "period": [chosen.start.isoformat(), chosen.end.isoformat()],
            "referrals_exported": len(keys),
        },
        # Each patient exported finds this event in their own access log.
        patient_ids=[patient_id for _pk, patient_id in keys if patient_id],
    )
    return downloads.csv_response(
        downloads.filename(f"referrals-{key.replace('_', '-')}", chosen.start, chosen.end),
        downloads.REFERRALS_HEADER,
        downloads.referral_rows(selectors.in_chunks(found, [pk for pk, _patient in keys])),
    )


@login_required
@require_GET
def attendance_csv(request: StaffRequest) -> StreamingHttpResponse:
    """The attendance table (attended, DNA, cancelled by the patient or the service) as CSV."""
    return _table_csv(request, downloads.attendance_table)


@login_required
@require_GET
def sessions_csv(request: StaffRequest) -> StreamingHttpResponse:
    """Sessions per finished course against the NICE range, by problem descriptor, as CSV."""
    return _table_csv(request, downloads.sessions_table, lambda chosen: (chosen.modality,))
