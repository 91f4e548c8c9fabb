"""The information-governance officer's audit search: by patient, member of staff, dates and
kind of event, paged in the database, each row leading to the patient's access log, and the
search itself recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from tests.factories.patients import PatientFactory

pytestmark = pytest.mark.django_db
URL = "/audit/"


def _ig(client_for):
    return client_for(Role.IG_OFFICER)


def test_the_ig_officer_lands_on_the_audit_search_and_it_is_in_the_navigation(service, client_for) -> None:
    response = _ig(client_for).get(reverse("home"), follow=True)
    assert response.resolver_match.view_name == "audit:search"
    body = response.content.decode()
    assert f'href="{reverse("audit:search")}"' in body and "Audit search" in body
    assert reverse("audit:search") == URL


def test_searching_by_patient_finds_events_about_them_and_lists_naming_them(service, client_for) -> None:
    looked_at = PatientFactory(team=service.team, family_name="Wolstenholme")
    other = PatientFactory(team=service.team, family_name="Abernethy")
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=looked_at, detail={"page": "x"})
    audit_actions.record_shown(by=hit, patients=[looked_at, other], page="referrals:inbox")
    audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=other, detail={"page": "y"})

    client = _ig(client_for)
    body = client.get(URL, {"patient": looked_at.nhs_number}).content.decode()
    assert body.count('data-testid="audit-row"') == 2
    assert "2 events matching the search" in body
    assert reverse("patients:access_log", args=[looked_at.pk]) in body
    by_name = client.get(URL, {"patient": "wolstenholme"}).content.decode()
    # The first search showed this patient, so it is now part of who looked at their record.
    assert by_name.count('data-testid="audit-row"') == 3

    searches = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, detail__page="audit:search")
    search = searches.latest("id")
    assert search is not None and search.user == service.staff[Role.IG_OFFICER]
    assert search.detail["filters"] == {"patient_query": "wolstenholme"} and search.detail["results"] == 3
    # The search names the patients its page showed: it appears in their access logs.
    assert set(search.shown.values_list("patient_id", flat=True)) | {search.patient_id} >= {
        looked_at.pk,
        other.pk,
    }


def test_searching_by_staff_kind_refused_and_break_glass(service, client_for) -> None:
    patient = PatientFactory(team=service.team)
    pwp, hit = service.staff[Role.PWP], service.staff[Role.HIGH_INTENSITY_THERAPIST]
    audit_actions.record(by=pwp, action=AuditEvent.Action.ACCESS_DENIED, patient=patient)
    audit_actions.record(
        by=hit, action=AuditEvent.Action.BREAK_GLASS, patient=patient, detail={"reason": "Crisis call"}
    )
    audit_actions.record(by=hit, action=AuditEvent.Action.UPDATE, patient=patient)
    client = _ig(client_for)

    assert client.get(URL, {"staff": pwp.username}).content.decode().count('data-testid="audit-row"') == 1
    refused = client.get(URL, {"refused_only": "on"}).content.decode()
    assert refused.count('data-testid="audit-row"') == 1 and "Access refused" in refused
    glass = client.get(URL, {"break_glass_only": "on"}).content.decode()
    assert glass.count('data-testid="audit-row"') == 1 and "Crisis call" in glass
    changed = client.get(URL, {"action": "update", "staff": hit.username}).content.decode()
    assert changed.count('data-testid="audit-row"') == 1


def test_searching_by_date_range(service, client_for) -> None:
    patient = PatientFactory(team=service.team)
    audit_actions.record(by=service.staff[Role.PWP], action=AuditEvent.Action.VIEW, patient=patient)
    client = _ig(client_for)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    found = client.get(
        URL,
        {
            "patient": patient.nhs_number,
            "date_from": yesterday.strftime("%d/%m/%Y"),
            "date_to": today.strftime("%d/%m/%Y"),
        },
    ).content.decode()
    assert found.count('data-testid="audit-row"') == 1
    none = client.get(
        URL, {"patient": patient.nhs_number, "date_to": yesterday.strftime("%d/%m/%Y")}
    ).content.decode()
    assert 'data-testid="audit-row"' not in none and "No audit events match this search." in none
    backwards = client.get(
        URL, {"date_from": today.strftime("%d/%m/%Y"), "date_to": yesterday.strftime("%d/%m/%Y")}
    )
    assert backwards.status_code == 200
    assert "The end of the date range is before its start." in backwards.content.decode()


def test_the_search_is_paged_in_the_database_and_its_query_count_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    patients = [PatientFactory(team=service.team) for _ in range(3)]
    for p in patients:
        audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=p)
    audit_actions.record_shown(by=hit, patients=patients, page="referrals:inbox")
    client = _ig(client_for)
    query = {"staff": hit.username}
    client.get(URL, query)
    # constant: sign-in, the staff matched (their keys, so the database reads their events by
    # index), the count, one page with its shown patients, the audit event
    expected = 10
    with django_assert_num_queries(expected):
        assert client.get(URL, query).status_code == 200
    more = [PatientFactory(team=service.team) for _ in range(60)]
    for p in more:
        audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=p)
    audit_actions.record_shown(by=hit, patients=more[:20], page="referrals:inbox")
    with django_assert_num_queries(expected):
        body = client.get(URL, query).content.decode()
    assert body.count('data-testid="audit-row"') == 50
    assert "65 events matching the search: 1 to 50 shown" in body
    second = client.get(URL, {**query, "page": "2"}).content.decode()
    assert second.count('data-testid="audit-row"') == 15


def test_the_audit_search_is_refused_to_everyone_else(service, client_for) -> None:
    for role in Role:
        if role != Role.IG_OFFICER:
            assert client_for(role).get(URL).status_code == 403


def test_beyond_the_count_limit_the_page_says_more_than_and_asks_for_a_narrower_search(
    service, client_for, monkeypatch
) -> None:
    """A large service's trail holds millions of events: matches are counted up to a limit (a
    count that costs the same however long the trail), and the pages reach that many."""
    monkeypatch.setattr("stepcare.audit.search.AUDIT_COUNT_LIMIT", 60)
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    for p in PatientFactory.create_batch(70, team=service.team):
        audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=p)
    client = _ig(client_for)
    body = client.get(URL, {"staff": hit.username}).content.decode()
    assert "More than 60 events match the search: the newest 60 are paged here, 1 to 50 shown" in body
    assert 'data-testid="narrow-the-search"' in body and "page 2 of 2" in body
    last = client.get(URL, {"staff": hit.username, "page": "2"}).content.decode()
    assert last.count('data-testid="audit-row"') == 10  # the 60 newest, not the 70
    exact = client.get(URL, {"staff": hit.username, "action": "view", "date_to": "01/01/2020"}).content
    assert b"No audit events match this search." in exact


def test_a_patient_search_naming_too_many_people_asks_for_more_and_is_still_recorded(
    service, client_for, monkeypatch
) -> None:
    monkeypatch.setattr("stepcare.audit.search.PATIENT_MATCH_LIMIT", 2)
    for _ in range(3):
        PatientFactory(team=service.team, family_name="Featherstonehaugh")
    one = PatientFactory(team=service.team, family_name="Quennell")
    audit_actions.record(by=service.staff[Role.PWP], action=AuditEvent.Action.VIEW, patient=one)
    client = _ig(client_for)
    response = client.get(URL, {"patient": "Featherstonehaugh"})
    body = response.content.decode()
    assert response.status_code == 200 and "<title>Error:" in body
    assert "“Featherstonehaugh” matches more than 2 people" in body and "NHS number" in body
    assert 'data-testid="audit-row"' not in body and "Correct the search above to see events." in body
    search = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).latest("id")
    assert search.detail["results"] == 0 and search.detail["filters"] == {
        "patient_query": "Featherstonehaugh"
    }
    assert client.get(URL, {"patient": "Quennell"}).content.decode().count('data-testid="audit-row"') == 1


def test_an_event_naming_many_patients_names_five_counts_the_rest_and_the_search_names_those_shown(
    service, client_for
) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    listed = sorted(PatientFactory.create_batch(8, team=service.team), key=lambda p: p.pk)
    audit_actions.record_shown(by=hit, patients=listed, page="referrals:inbox")
    client = _ig(client_for)
    body = client.get(URL, {"staff": hit.username}).content.decode()
    assert body.count('data-testid="audit-row"') == 1 and "and 3 more" in body
    for p in listed[:5]:
        assert reverse("patients:access_log", args=[p.pk]) in body
    for p in listed[5:]:
        assert reverse("patients:access_log", args=[p.pk]) not in body
    search = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).latest("id")
    assert set(search.shown.values_list("patient_id", flat=True)) == {p.pk for p in listed[:5]}


def test_a_failed_sign_in_is_found_by_the_username_typed(service, client_for) -> None:
    audit_actions.record(by=None, action=AuditEvent.Action.SIGN_IN_FAILED, username="Not.A.User")
    body = _ig(client_for).get(URL, {"staff": "not.a.user"}).content.decode()
    assert body.count('data-testid="audit-row"') == 1 and "Sign-in failed" in body


def test_a_patients_access_log_is_paged_newest_first_with_the_lists_that_named_them(
    service, client_for, django_assert_num_queries
) -> None:
    patient, other = PatientFactory.create_batch(2, team=service.team)
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    for _ in range(30):
        audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=patient)
        audit_actions.record_shown(by=hit, patients=[patient, other], page="referrals:inbox")
    audit_actions.record(by=hit, action=AuditEvent.Action.VIEW, patient=other)  # not about them
    client = _ig(client_for)
    log = reverse("patients:access_log", args=[patient.pk])
    client.get(log)
    with django_assert_num_queries(11):  # sign-in, the patient, its audit event, the count, one page
        first = client.get(log).content.decode()
    # 60 events about them, and the officer's two openings of this page.
    assert "62 events, newest first: 1 to 50 shown" in first and "page 2 of 2" in first
    assert first.index("Viewed") < first.index("</table>")
    second = client.get(log, {"page": "2"}).content.decode()
    assert "63 events, newest first: 51 to 63 shown" in second
    for _ in range(40):
        audit_actions.record_shown(by=hit, patients=[patient, other], page="referrals:inbox")
    with django_assert_num_queries(11):
        assert client.get(log).status_code == 200
