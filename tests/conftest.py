"""Shared fixtures: a small service with two teams and staff in every role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import Role
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory


@dataclass
class Service:
    team: Team
    other_team: Team
    staff: dict[Role, User]


@pytest.fixture(autouse=True)
def _idle_clock_written_once_a_sitting(settings: Any) -> None:
    """Pinned query counts must not depend on how long a test runs: the session's idle clock
    (written at most once a minute in service) is written once an hour here. The tests of the
    idle limit set the real interval themselves."""
    settings.SESSION_LAST_SEEN_REFRESH_SECONDS = 60 * 60


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """Each test starts with an empty cache (the expected curves are cached per service and day,
    and ids come round again between tests on SQLite)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service(db: None) -> Service:
    team = TeamFactory(name="North team")
    other = TeamFactory(name="South team", service=team.service)
    staff = {}
    for role in Role:
        user = UserFactory(username=f"{role.value}.user")
        MembershipFactory(user=user, team=team, role=role)
        TOTPDeviceFactory(user=user)
        staff[role] = user
    return Service(team=team, other_team=other, staff=staff)


def sign_in(client: Client, user: User) -> Client:
    """Sign ``user`` in with a verified second factor, as after a real TOTP check."""
    client.force_login(user)
    device = user.totpdevice_set.filter(confirmed=True).first() or TOTPDeviceFactory(user=user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(service: Service) -> Callable[[Role], Client]:
    def make(role: Role) -> Client:
        return sign_in(Client(), service.staff[role])

    return make


@pytest.fixture
def patient(service: Service):
    return PatientFactory(team=service.team)


@pytest.fixture
def other_patient(service: Service):
    return PatientFactory(team=service.other_team)
