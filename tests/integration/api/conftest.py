from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.api import actions


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def token_for(service) -> Callable[..., str]:
    def make(role: Role = Role.HIGH_INTENSITY_THERAPIST, scope: str = "read", user=None) -> str:
        _token, raw = actions.create_token(
            by=user or service.staff[role],
            name="Team dashboard",
            scope=scope,
            expires_on=timezone.localdate() + dt.timedelta(days=30),
        )
        return raw

    return make


class Api:
    def __init__(self, raw: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: dict):
        return self.client.post(f"/api/v1{path}", body, content_type="application/json")


@pytest.fixture
def api_for(token_for) -> Callable[..., Api]:
    def make(role: Role = Role.HIGH_INTENSITY_THERAPIST, scope: str = "read", user=None) -> Api:
        return Api(token_for(role, scope, user))

    return make
