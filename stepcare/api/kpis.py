"""``/api/v1/kpis``: the national KPIs of one team the user reports on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.api.common import Problem, user_of
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent

kpis = Router(tags=["kpis"])


class KpiFilters(Schema):
    start: dt.date
    end: dt.date
    team_id: int = Field(ge=1, le=2_147_483_647)


@kpis.get("/", response=dict[str, Any])
def service_kpis(request: HttpRequest, filters: Query[KpiFilters]) -> dict[str, Any]:
    """The national KPIs for one team the user reports on, as `stepcare kpis --json` prints them."""
    from stepcare.accounts.models import Team
    from stepcare.reporting import selectors as reporting

    user = user_of(request)
    if filters.end < filters.start or (filters.end - filters.start).days > 3 * 366:
        raise Problem(422, "Invalid request", "end must be on or after start, and at most three years later.")
    if filters.team_id not in team_ids_with_permission(user, Permission.VIEW_SERVICE_REPORTS):
        raise Problem(404, "Not found", "There is no team here that you report on.")
    team = Team.objects.get(pk=filters.team_id)
    record(by=user, action=AuditEvent.Action.VIEW, detail={"api": "kpis", "team": team.pk})
    return reporting.kpis(filters.start, filters.end, team=team)
