"""Hostile values in every form field and query parameter of every page: never a server error.

Driven from the URL configuration (through the access matrix): each page is fetched by a role
that may use it, the names of its form fields are read from the page itself, and hypothesis
then sends them (and the query parameters the views read) values chosen to break things:
calendar edges, integers beyond 64 bits, ids of the wrong type, control characters, very long
text, markup and formulas.

Each page always gets the calendar edges (ISO dates, which every date field also reads), a
90-bit integer and a NUL character in every field at once (by GET and by POST); the number
of random examples on top comes from ``STEPCARE_FUZZ_EXAMPLES``: small in CI (the default),
large with ``make fuzz``.
"""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stepcare.accounts.permissions import Role
from tests.conftest import sign_in
from tests.integration.test_access_matrix import ACCESS, URL_NAMES, _url

EXAMPLES = int(os.environ.get("STEPCARE_FUZZ_EXAMPLES", "2"))

HOSTILE = [
    "",
    " ",
    "abc",
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "99999999999999999999999999",
    "-9223372036854775809",
    "9223372036854775808",
    "9999-12-31",
    "0001-01-01",
    "31/12/9999",
    "01/01/0001",
    "2025-02-30",
    "30/02/2025",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00",
    "25:61",
    "23:59",
    "\x00",
    "a\x00b",
    "\x1b[2J",
    "\r\n\r\n",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    '=HYPERLINK("http://x.invalid")',
    "../../etc/passwd",
    "O\u2019Neill",
    "\u202eevil",
    "x" * 5000,
    "[]",
    "{}",
]
QUERY_PARAMETERS = [
    "date",
    "view",
    "show",
    "format",
    "next",
    "q",
    "whole_service",
    "team",
    "step",
    "category",
]
GENERIC_POST_FIELDS = ["attendee", "code", "kind", "due_on", "note", "summary", "reason", "patient", "room"]
PREFERRED = [
    Role.CLINICAL_SUPERVISOR,
    Role.HIGH_INTENSITY_THERAPIST,
    Role.ADMINISTRATOR,
    Role.SERVICE_MANAGER,
    Role.IG_OFFICER,
]
NAME = re.compile(r'\bname="([^"]+)"')

values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))


def _role(name: str) -> Role:
    rule = ACCESS[name]
    return next((r for r in PREFERRED if r in rule.own), min(rule.own))


def _text(response) -> str:  # a CSV download streams its body
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace")


@pytest.mark.parametrize("name", URL_NAMES)
def test_hostile_values_in_every_field_and_parameter_never_cause_a_server_error(service, name: str) -> None:
    rule = ACCESS[name]
    url, _patient = _url(name, rule, service.team, service)
    client = sign_in(Client(), service.staff[_role(name)])
    page = client.get(url)
    fields = sorted(
        {n for n in NAME.findall(_text(page)) if n != "csrfmiddlewaretoken"} | set(GENERIC_POST_FIELDS)
    )
    parameters = sorted(set(QUERY_PARAMETERS) | set(fields))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        method=st.sampled_from(["get", "post"]),
        chosen=st.dictionaries(st.sampled_from(parameters), values, max_size=8),
        everything=st.booleans(),
        value=values,
    )
    @example(method="get", chosen={}, everything=True, value="9999-12-31")
    @example(method="post", chosen={}, everything=True, value="9999-12-31")
    @example(method="get", chosen={}, everything=True, value="0001-01-01")
    @example(method="post", chosen={}, everything=True, value="0001-01-01")
    @example(method="get", chosen={}, everything=True, value="99999999999999999999999999")
    @example(method="post", chosen={}, everything=True, value="99999999999999999999999999")
    @example(method="get", chosen={}, everything=True, value="a\x00b")
    @example(method="post", chosen={}, everything=True, value="a\x00b")
    def probe(method: str, chosen: dict[str, str], everything: bool, value: str) -> None:
        data = dict(chosen)
        if everything:  # every field at once, all with one hostile value
            data = {f: value for f in (fields if method == "post" else parameters)} | data
        response = getattr(client, method)(url, data)
        assert response.status_code < 500, (name, method, data, response.status_code)

    probe()
