"""Personal access tokens: created once, stored hashed, expiring, revocable, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.api import actions
from stepcare.api.models import ApiToken
from stepcare.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.integration.api.conftest import Api


def test_a_token_is_stored_only_as_its_hash(service) -> None:
    token, raw = actions.create_token(
        by=service.staff[Role.PWP],
        name="Dashboard",
        scope="read",
        expires_on=timezone.localdate() + dt.timedelta(days=7),
    )
    assert raw.startswith("stp_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.token_hash, stored.prefix) and stored.token_hash == actions.hash_token(raw)


@pytest.mark.parametrize("days", [0, -1, 91])
def test_a_token_must_expire_within_ninety_days(service, days: int) -> None:
    with pytest.raises(actions.TokenRefused):
        actions.create_token(
            by=service.staff[Role.PWP],
            name="x",
            scope="read",
            expires_on=timezone.localdate() + dt.timedelta(days=days),
        )


def test_a_request_without_a_token_or_with_a_wrong_one_is_401_problem_json(service) -> None:
    for client in (Client(), Client(HTTP_AUTHORIZATION="Bearer stp_not-a-real-token")):
        response = client.get("/api/v1/patients/")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 401


def test_a_revoked_token_stops_working_and_revoking_is_audited(service, token_for) -> None:
    user = service.staff[Role.PWP]
    raw = token_for(Role.PWP)
    api = Api(raw)
    assert api.get("/patients/").status_code == 200
    token = ApiToken.objects.get(token_hash=actions.hash_token(raw))
    actions.revoke_token(by=user, token=token)
    assert api.get("/patients/").status_code == 401
    assert AuditEvent.objects.filter(user=user, object_id=str(token.pk), detail__revoked=True).exists()
    assert AuditEvent.objects.filter(user=user, action="create", object_id=str(token.pk)).exists()


def test_an_expired_token_is_401(service, token_for) -> None:
    raw = token_for(Role.PWP)
    ApiToken.objects.filter(token_hash=actions.hash_token(raw)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert Api(raw).get("/patients/").status_code == 401


def test_a_switched_off_user_s_token_is_401(service, token_for) -> None:
    raw = token_for(Role.PWP)
    user = service.staff[Role.PWP]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Api(raw).get("/patients/").status_code == 401


def test_someone_else_cannot_revoke_my_token(service, token_for) -> None:
    raw = token_for(Role.PWP)
    token = ApiToken.objects.get(token_hash=actions.hash_token(raw))
    with pytest.raises(actions.TokenRefused):
        actions.revoke_token(by=service.staff[Role.HIGH_INTENSITY_THERAPIST], token=token)


def test_the_tokens_page_shows_a_new_token_once_then_revokes_it(service) -> None:
    user = service.staff[Role.ADMINISTRATOR]
    client = sign_in(Client(), user)
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        "/account/tokens/",
        {"action": "create", "name": "Booking screen", "scope": "write", "expires_on": expires},
    )
    assert response.status_code == 200
    raw = response.context["new_raw"]
    assert raw and raw in response.content.decode()
    again = client.get("/account/tokens/")
    assert raw not in again.content.decode() and "Booking screen" in again.content.decode()
    assert Api(raw).get("/patients/").status_code == 200
    token = ApiToken.objects.get(user=user)
    other_user_client = sign_in(Client(), service.staff[Role.PWP])
    other_user_client.post("/account/tokens/", {"action": "revoke", "token": token.pk})
    assert Api(raw).get("/patients/").status_code == 200  # not theirs to revoke
    client.post("/account/tokens/", {"action": "revoke", "token": token.pk})
    assert Api(raw).get("/patients/").status_code == 401


def test_the_tokens_page_refuses_a_too_long_expiry_with_a_message(service) -> None:
    client = sign_in(Client(), service.staff[Role.PWP])
    expires = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    response = client.post(
        "/account/tokens/", {"action": "create", "name": "x", "scope": "read", "expires_on": expires}
    )
    assert response.status_code == 400
    assert "at most 90 days" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_requests_over_the_rate_limit_get_429_with_retry_after(service, token_for, settings) -> None:
    settings.API_RATE_LIMIT = 3
    api = Api(token_for(Role.PWP))
    statuses = [api.get("/patients/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/patients/")
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= settings.API_RATE_WINDOW_SECONDS
