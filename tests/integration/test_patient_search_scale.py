"""Find a patient at service scale (issue 15): a screen of results, surnames before first
names, and a common surname read one page at a time from the index, however many people the
service holds (PostgreSQL's plans explained; the search keys are in byte order there)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.patients.selectors import SEARCH_LIMIT, search_patients
from tests.factories.patients import PatientFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the query plans checked are PostgreSQL's"
)


def _names(body: str) -> list[str]:
    table = body[body.index('data-testid="search-results"') :]
    return re.findall(r'<a href="/patients/\d+/">([^<]+)</a>', table)


def _many(team: Any, count: int, family_name: str, start: int = 0) -> None:
    """``count`` people of one surname, written in one statement."""
    people = []
    for n in range(start, start + count):
        person = PatientFactory.build(team=team, family_name=family_name, given_name=f"Given{n:05d}")
        person.refresh_search_keys()
        people.append(person)
    Patient.objects.bulk_create(people)


def test_a_common_surname_shows_a_screen_of_results_and_asks_for_more_of_the_name(
    service, client_for
) -> None:
    _many(service.team, SEARCH_LIMIT + 5, "Ashdown")
    body = client_for(Role.PWP).get(reverse("patients:search"), {"q": "ashdown"}).content.decode()
    names = _names(body)
    assert len(names) == SEARCH_LIMIT
    assert names == sorted(names)  # in order of name
    assert "The first 20 patients found: more match" in body
    assert "Add a first name or a date of birth" in body
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).latest("at")
    assert event.shown.count() == SEARCH_LIMIT  # the audit names exactly the people shown


def test_a_full_page_that_is_all_there_is_says_how_many(service, client_for) -> None:
    _many(service.team, SEARCH_LIMIT, "Ashdown")
    body = client_for(Role.PWP).get(reverse("patients:search"), {"q": "ashdown"}).content.decode()
    assert len(_names(body)) == SEARCH_LIMIT
    assert "20 patients found" in body and "more match" not in body


def test_surname_matches_come_before_first_name_matches(service, client_for) -> None:
    PatientFactory(team=service.team, family_name="Brown", given_name="Ashley")
    PatientFactory(team=service.team, family_name="Ashdown", given_name="Zoe")
    PatientFactory(team=service.team, family_name="Ashton", given_name="Ashanti")  # both: listed once
    body = client_for(Role.PWP).get(reverse("patients:search"), {"q": "ash"}).content.decode()
    assert _names(body) == ["ASHDOWN, Zoe", "ASHTON, Ashanti", "BROWN, Ashley"]


def test_surname_first_readings_come_before_surname_last(service, client_for) -> None:
    PatientFactory(team=service.team, family_name="Jane", given_name="Smith")
    PatientFactory(team=service.team, family_name="Smith", given_name="Jane")
    body = client_for(Role.PWP).get(reverse("patients:search"), {"q": "smith jane"}).content.decode()
    assert _names(body) == ["SMITH, Jane", "JANE, Smith"]


def test_a_phone_number_finds_mobiles_then_home_numbers(service, client_for) -> None:
    PatientFactory(team=service.team, family_name="Abbott", given_name="Ann", phone_home="07700 900999")
    PatientFactory(team=service.team, family_name="Young", given_name="Yan", phone_mobile="07700 900999")
    body = client_for(Role.PWP).get(reverse("patients:search"), {"q": "07700 900999"}).content.decode()
    assert _names(body) == ["YOUNG, Yan", "ABBOTT, Ann"]


def test_the_limit_holds_across_the_readings(service) -> None:
    _many(service.team, SEARCH_LIMIT - 2, "Ashdown")
    for n in range(5):
        PatientFactory(team=service.team, family_name="Brown", given_name=f"Ashley{n}")
    found = search_patients(user=service.staff[Role.PWP], query="ash")
    assert len(found.patients) == SEARCH_LIMIT and found.more
    assert [p.family_name for p in found.patients].count("Brown") == 2


def _explain_rows_read(sql: str) -> tuple[int, bool]:
    """(rows the patient table's scans read, whether the plan sorts the search key) of a query."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    read, sorts_key = 0, False

    def walk(node: dict[str, Any]) -> None:
        nonlocal read, sorts_key
        if node.get("Relation Name") == Patient._meta.db_table:
            kept = node.get("Actual Rows", 0)
            removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
            read += round((kept + removed) * node.get("Actual Loops", 1))
        if node["Node Type"] == "Sort" and any("search_name" in k for k in node.get("Sort Key", [])):
            sorts_key = True
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return read, sorts_key


@postgresql_only
def test_a_common_surname_reads_one_page_from_the_index_as_the_service_grows(service) -> None:
    """The surname's matches grow 20-fold (and the other team's, and a surname that sorts
    before it, as much); the rows the search reads stay under a fixed multiple of the page, in
    index order (no sort of the matches)."""
    user = service.staff[Role.PWP]
    figures = []
    for total in (100, 2_000):
        have = Patient.objects.filter(search_name__startswith="ashdown").count()
        _many(service.team, total // 2 - have // 2, "Ashdown", start=have)
        _many(service.other_team, total // 2 - have // 2, "Ashdown", start=100_000 + have)
        _many(service.team, total - have, "Abbott", start=200_000 + have)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE patients_patient")
        with CaptureQueriesContext(connection) as captured:
            search_patients(user=user, query="ashdown")
        (sql,) = [q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"]]
        figures.append(_explain_rows_read(sql))
    _small, (large_read, large_sorts) = figures
    print(f"a common surname: {figures[0][0]} then {large_read} patient rows read")  # shown with -s
    assert not large_sorts, "the matches were sorted, not read in the index's order"
    assert large_read <= 4 * (SEARCH_LIMIT + 1), figures
