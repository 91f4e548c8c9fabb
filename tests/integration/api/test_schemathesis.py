"""Property-based requests from the OpenAPI schema, through the WSGI app with a real token:
no server error and no response that breaks the schema. A small budget here; `make fuzz-api`
runs a large one (STEPCARE_API_FUZZ_EXAMPLES)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from stepcare.accounts.permissions import Role
from stepcare.api import actions
from stepcare.wsgi import application
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import book, participant

EXAMPLES = int(os.environ.get("STEPCARE_API_FUZZ_EXAMPLES", "6"))


@pytest.fixture
def bearer(service, settings) -> dict[str, str]:
    settings.API_RATE_LIMIT = 0
    patient = PatientFactory(team=service.team)
    AllocatedReferralFactory(patient=patient)
    book(participants=[participant(patient)])
    PatientFactory(team=service.other_team)
    _token, raw = actions.create_token(
        by=service.staff[Role.CLINICAL_SUPERVISOR],
        name="Schema checks",
        scope="write",
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def keep_test_connection():
    """The WSGI app closes database connections at the end of each request, which would end the
    test's transaction on PostgreSQL; Django's test client disconnects the same handlers."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


def test_the_api_never_errors_and_keeps_to_its_schema(bearer, keep_test_connection) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            case.call_and_validate(headers=bearer, checks=[not_a_server_error, response_schema_conformance])

        call()
