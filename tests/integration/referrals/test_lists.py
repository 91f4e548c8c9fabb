"""The referral inbox and the waiting list: filters, paging in the database, risk tags,
empty pages in words, and one audit event per page naming the patients shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.referrals import selectors
from stepcare.referrals.models import Referral
from tests.factories.accounts import MembershipFactory
from tests.factories.patients import PatientFactory, RiskFlagFactory
from tests.factories.referrals import ReferralFactory

S = Referral.Status
LISTS = {
    "referrals:inbox": {"status": S.RECEIVED},
    "referrals:waiting_list": {"status": S.WAITING, "step": "3"},
}


def _referrals(service, n: int, *, start: int = 0, **kwargs) -> list[Referral]:
    today = timezone.localdate()
    return [
        ReferralFactory(team=service.team, received_on=today - dt.timedelta(days=200 - i), **kwargs)
        for i in range(start, start + n)
    ]


@pytest.mark.parametrize("url_name", list(LISTS))
def test_a_list_longer_than_a_page_shows_the_oldest_page_and_pages_on(
    service, client_for, django_assert_num_queries, url_name
) -> None:
    size = selectors.PAGE_SIZE
    made = _referrals(service, 2 * size + 3, **LISTS[url_name])
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    url = reverse(url_name)
    client.get(url)  # warm the session
    expected = 12 if "waiting" in url_name else 11  # the audit event and the patients it names
    with django_assert_num_queries(expected):
        first = client.get(url)
    body = first.content.decode()
    assert body.count('data-testid="list-row"') == size
    assert f"{2 * size + 3} " in body and f"1 to {size} shown" in body and "Next page" in body
    assert [r.referral for r in first.context["rows"]] == made[:size]
    with django_assert_num_queries(expected):
        last = client.get(url, {"page": 3})
    body = last.content.decode()
    assert body.count('data-testid="list-row"') == 3
    assert f"{2 * size + 1} to {2 * size + 3} shown" in body and "Previous page" in body
    assert "Next page" not in body
    assert [r.referral for r in last.context["rows"]] == made[2 * size :]
    if "waiting" in url_name:
        assert [r.position for r in last.context["rows"]] == [2 * size + 1, 2 * size + 2, 2 * size + 3]
    _referrals(service, 60, start=2 * size + 3, **LISTS[url_name])
    with django_assert_num_queries(expected):  # more rows, the same questions
        assert client.get(url, {"page": 4}).status_code == 200


@pytest.mark.parametrize("url_name", list(LISTS))
def test_a_list_page_writes_one_audit_event_naming_only_the_patients_shown(
    service, client_for, url_name
) -> None:
    size = selectors.PAGE_SIZE
    made = _referrals(service, size + 2, **LISTS[url_name])
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    before = AuditEvent.objects.count()
    client.get(reverse(url_name), {"page": 2})
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 1
    shown = sorted(events[0].shown.values_list("patient_id", flat=True))
    assert shown == sorted(r.patient_id for r in made[size:])


@pytest.mark.parametrize("url_name", list(LISTS))
def test_each_filter_narrows_the_list_in_the_database(service, client_for, url_name) -> None:
    base = LISTS[url_name]
    today = timezone.localdate()
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    other = ReferralFactory(team=service.team, received_on=today - dt.timedelta(days=5), source="gp", **base)
    MembershipFactory(
        user=service.staff[Role.SERVICE_MANAGER], team=service.other_team, role=Role.ADMINISTRATOR
    )
    MembershipFactory(
        user=service.staff[Role.ADMINISTRATOR], team=service.other_team, role=Role.ADMINISTRATOR
    )
    elsewhere = ReferralFactory(
        team=service.other_team, received_on=today - dt.timedelta(days=5), source="gp", **base
    )
    clinician_field = "allocated_to" if "waiting" in url_name else "screened_by"
    cases = {
        "team": ({"team": service.other_team.pk}, elsewhere),
        "source": ({"source": "self"}, None),
        "urgency": ({"urgency": "urgent"}, None),
        "screened": ({"screened": "yes"}, None),
        "breach": ({"breach": "18"}, None),
        "clinician": ({"clinician": hit.pk}, None),
        "step": ({"step": "2"}, None),
    }
    special = {
        "source": {"source": "self"},
        "urgency": {"urgency": "urgent"},
        "screened": {"screened_at": timezone.now()},
        "breach": {"received_on": today - dt.timedelta(days=130)},
        "clinician": {clinician_field: hit},
        "step": {"step": "2"},
    }
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    for name, (query, expected) in cases.items():
        if expected is None:
            fields = {"received_on": today - dt.timedelta(days=7), "source": "gp", **base, **special[name]}
            if name == "clinician" and "waiting" in url_name:
                fields["status"] = S.ALLOCATED
            expected = ReferralFactory(team=service.team, **fields)
        rows = client.get(reverse(url_name), query).context["rows"]
        assert [r.referral for r in rows] == [expected], name
    assert other.pk  # the unfiltered list holds them all
    assert len(client.get(reverse(url_name)).context["rows"]) == 2 + len(special)


@pytest.mark.parametrize("url_name", list(LISTS))
def test_risk_shows_as_a_tag_on_the_row(service, client_for, url_name) -> None:
    flagged = PatientFactory(team=service.team)
    RiskFlagFactory(patient=flagged, raised_by=service.staff[Role.PWP])
    ReferralFactory(team=service.team, patient=flagged, **LISTS[url_name])
    ReferralFactory(team=service.team, acute_risk_identified=True, **LISTS[url_name])
    ReferralFactory(team=service.team, **LISTS[url_name])
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    body = client.get(reverse(url_name)).content.decode()
    assert body.count('data-testid="row-risk"') == 1
    assert body.count('data-testid="row-acute-risk"') == 1
    assert "Acute risk noted at screening" in body and "Risk concerns recorded" in body


@pytest.mark.parametrize("url_name", list(LISTS))
def test_an_empty_list_is_a_sentence_not_an_empty_table(service, client_for, url_name) -> None:
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    body = client.get(reverse(url_name)).content.decode()
    assert 'data-testid="list-empty"' in body and "<table" not in body
    body = client.get(reverse(url_name), {"urgency": "urgent"}).content.decode()
    assert 'data-testid="list-empty"' in body and "filters" in body and "<table" not in body


def test_the_oldest_first_sort_can_be_served_by_its_index_without_sorting(service) -> None:
    """With many rows the planner walks an oldest-first index and stops after a page; here the
    planner is told to avoid a sort, and must find one to do so (on PostgreSQL the inbox's own
    partial index, referral_inbox_oldest_first, when it serves; see test_list_indexes.py)."""
    _referrals(service, 5, status=S.RECEIVED)
    qs = Referral.objects.filter(team_id__in=[service.team.pk], status__in=Referral.INBOX_STATUSES).order_by(
        "received_on", "id"
    )[: selectors.PAGE_SIZE]
    sql, params = qs.query.sql_with_params()
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sql = sql.replace(f'FROM "{table}"', f'FROM "{table}" INDEXED BY referral_oldest_first')
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "TEMP B-TREE" not in plan, plan
        else:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(str(row[0]) for row in cursor.fetchall())
            served = any(index in plan for index in ("referral_inbox_oldest_first", "referral_oldest_first"))
            assert served and "Sort" not in plan, plan


@pytest.mark.parametrize("url_name", list(LISTS))
@pytest.mark.parametrize("wrong", ["abc", "999999", "-1"])
def test_a_clinician_not_offered_is_refused_with_a_message(service, client_for, url_name, wrong) -> None:
    """The clinician filter offers the lists' teams' clinicians by key and name only; any other
    value is refused as a choice not offered, and the list is shown unfiltered."""
    ReferralFactory(team=service.team, **LISTS[url_name])
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    response = client.get(reverse(url_name), {"clinician": wrong})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(response.context["rows"]) == 1
    names = dict(response.context["form"].fields["clinician"].choices)
    assert names[service.staff[Role.HIGH_INTENSITY_THERAPIST].pk] == str(
        service.staff[Role.HIGH_INTENSITY_THERAPIST]
    )


@pytest.mark.parametrize("url_name", list(LISTS))
def test_teams_of_many_clinicians_filter_by_a_name_typed_not_a_list_of_every_name(
    service, client_for, django_assert_num_queries, monkeypatch, url_name
) -> None:
    """Beyond CLINICIAN_CHOICES_MOST clinicians the filter asks for a name (the page stays the
    size of a small service's): each word typed starts the first or last name of the clinicians
    matched, among the lists' teams only; a name matching nobody, or too many, is a message and
    the list is shown unfiltered."""
    from stepcare.referrals.forms import staff as staff_forms

    monkeypatch.setattr(staff_forms, "CLINICIAN_CHOICES_MOST", 4)
    field = "allocated_to" if "waiting" in url_name else "screened_by"
    role = Role.HIGH_INTENSITY_THERAPIST
    people = {
        name: MembershipFactory(
            team=service.team, role=role, user__first_name=name.split()[0], user__last_name=name.split()[1]
        ).user
        for name in ("Ben Hughes", "Bella Hughes", "Ben Hughson", "Tom Ashdown", "Nia Okafor")
    }
    outsider = MembershipFactory(
        team=service.other_team, role=role, user__first_name="Ben", user__last_name="Hughes"
    ).user
    fields = {**LISTS[url_name], "status": S.ALLOCATED} if "waiting" in url_name else LISTS[url_name]
    by = {
        name: ReferralFactory(team=service.team, **{**fields, field: user}) for name, user in people.items()
    }
    ReferralFactory(team=service.team, **{**fields, field: outsider})
    client = client_for(Role.SERVICE_MANAGER if "waiting" in url_name else Role.ADMINISTRATOR)
    url = reverse(url_name)
    client.get(url)
    expected = 12 if "waiting" in url_name else 11
    with django_assert_num_queries(expected):
        body = client.get(url).content.decode()
    assert '<input type="text" name="clinician"' in body
    assert f'<option value="{people["Tom Ashdown"].pk}"' not in body  # no select of every name

    def shown(typed: str) -> set[Referral]:
        return {r.referral for r in client.get(url, {"clinician": typed}).context["rows"]}

    with django_assert_num_queries(expected + 1):  # the clinicians named
        client.get(url, {"clinician": "hugh"})
    assert shown("hugh") == {by["Ben Hughes"], by["Bella Hughes"], by["Ben Hughson"]}
    assert shown("  BEN  hu ") == {by["Ben Hughes"], by["Ben Hughson"]}
    assert shown("hughes bella") == {by["Bella Hughes"]}
    assert shown("o'brien%_") == set(by.values()) | {Referral.objects.get(**{field: outsider})}  # refused
    for typed, message in (
        ("zed", "No clinician of these teams has a name starting “zed”."),
        ("hugh", "More than 2 clinicians have a name starting “hugh”: type more of the name."),
    ):
        monkeypatch.setattr(staff_forms, "CLINICIAN_CHOICES_MOST", 2)
        response = client.get(url, {"clinician": typed})
        assert response.status_code == 200 and message in response.content.decode()
        assert len(response.context["rows"]) == 6  # refused: the list unfiltered
