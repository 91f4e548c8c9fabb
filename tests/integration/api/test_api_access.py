"""Every REST API route, driven from the URL configuration: no token is a 401 problem, and
another team's object is a 404 for every role (the HTML access matrix skips these routes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from stepcare.accounts.permissions import Role
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import book, participant


def _api_patterns() -> list[tuple[str, str]]:
    root = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "api_v1"
    )
    found = []
    for p in root.url_patterns:
        if isinstance(p, URLPattern) and p.name:
            found.append((p.name, "api/v1/" + str(p.pattern)))
    return sorted(found)


ROUTES = _api_patterns()
PUBLIC = {"openapi-json", "api-root"}  # the schema (and its index) describe the API and name nobody


def _fill(route: str, team) -> str:
    patient = PatientFactory(team=team, family_name="Marrowdene")
    referral = AllocatedReferralFactory(patient=patient)
    values = {
        "<patient_id>": patient.pk,
        "<referral_id>": referral.pk,
        "<appointment_id>": book(participants=[participant(patient)]).pk,
    }
    for key, value in values.items():
        route = route.replace(key, str(value))
    return "/" + route


def test_the_api_has_the_routes_this_test_knows() -> None:
    assert len(ROUTES) >= 8 and all(name for name, _ in ROUTES)


@pytest.mark.parametrize(("name", "route"), ROUTES)
def test_without_a_token_every_api_route_but_the_schema_is_401(service, name: str, route: str) -> None:
    url = _fill(route, service.team)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url, content_type="application/json")
        if name in PUBLIC:
            continue
        assert response.status_code in {401, 405}, (name, method, response.status_code)
        if response.status_code == 401:
            assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(("name", "route"), [r for r in ROUTES if "<" in r[1]])
def test_another_team_s_object_is_a_404_on_every_api_route_for_every_role(
    service, token_for, name: str, route: str, role: Role
) -> None:
    raw = token_for(role, scope="write")
    url = _fill(route, service.other_team)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "patient_id": 1,
        "code": "5",
        "entries": {"PHQ-9": [0] * 9},
        "timepoint": "waiting",
        "completed_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    for method in ("get", "post"):
        response = (
            getattr(client, method)(url, body, content_type="application/json")
            if method == "post"
            else client.get(url)
        )
        assert response.status_code in {404, 405}, (name, method, role, response.status_code)
        assert "Marrowdene" not in response.content.decode()
