"""The service manager's staff list: paged in the database, filtered by name, team and account
state, limited to the manager's own teams, with a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Role
from stepcare.accounts.selectors import PAGE_SIZE
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory

URL = reverse("accounts:staff_list")


def _ids(response) -> list[int]:
    return [s.pk for s in response.context["staff"]]


def _count(response) -> str:
    body = response.content.decode()
    start = body.index('data-testid="list-count">') + len('data-testid="list-count">')
    return body[start : body.index("</span>", start)]


def _staff(team, n: int, **fields) -> list[User]:
    users = []
    for _ in range(n):
        user = UserFactory(**fields)
        MembershipFactory(user=user, team=team, role=Role.PWP)
        TOTPDeviceFactory(user=user)
        users.append(user)
    return users


def _in_order(users) -> list[int]:
    return [u.pk for u in sorted(users, key=lambda u: (u.last_name, u.first_name, u.pk))]


@pytest.fixture
def manager(client_for):
    return client_for(Role.SERVICE_MANAGER)


def test_more_staff_than_a_page_are_paged_in_name_order_and_paging_reaches_the_rest(service, manager) -> None:
    _staff(service.team, 30)
    everyone = User.objects.filter(memberships__team=service.team)
    assert everyone.count() == 38

    first = manager.get(URL)
    assert first.status_code == 200
    assert len(_ids(first)) == PAGE_SIZE
    assert _count(first) == "38 members of staff: 1 to 25 shown"
    assert 'href="?page=2"' in first.content.decode()

    second = manager.get(URL, {"page": "2"})
    assert _count(second) == "38 members of staff: 26 to 38 shown"
    assert _ids(first) + _ids(second) == _in_order(everyone)


def test_staff_with_the_same_name_keep_their_order_across_pages(service, manager) -> None:
    namesakes = _staff(service.team, 30, first_name="Sam", last_name="Aa")
    shown = _ids(manager.get(URL)) + _ids(manager.get(URL, {"page": "2"}))
    assert shown[:30] == [u.pk for u in namesakes]
    assert len(set(shown)) == len(shown) == 38


def test_the_search_finds_part_of_a_first_name_last_name_or_username_in_any_case(service, manager) -> None:
    # Made-up names: the factories' own names never hold "zorb".
    by_first = _staff(service.team, 1, first_name="Zorbaley", last_name="Brook")[0]
    by_last = _staff(service.team, 1, first_name="Tomaz", last_name="Quazorb")[0]
    by_username = _staff(service.team, 1, first_name="Kimi", last_name="Leeward", username="izorb.k")[0]
    _staff(service.team, 1, first_name="Olaf", last_name="Zorn", username="olaf.zorn")

    response = manager.get(URL, {"q": "ZORB"})
    assert set(_ids(response)) == {by_first.pk, by_last.pk, by_username.pk}
    assert _count(response) == "3 members of staff matching the filters"
    # Every word is found in one of the three: a full name narrows to the one person.
    assert _ids(manager.get(URL, {"q": "tomaz quazorb"})) == [by_last.pk]
    assert _ids(manager.get(URL, {"q": "  nothing-like-it "})) == []
    assert "No member of staff matches these filters" in manager.get(URL, {"q": "zorbzorb"}).content.decode()


def test_the_team_filter_narrows_to_one_of_the_managers_teams(service, manager) -> None:
    me = service.staff[Role.SERVICE_MANAGER]
    MembershipFactory(user=me, team=service.other_team, role=Role.SERVICE_MANAGER)
    south = _staff(service.other_team, 3)

    everyone = manager.get(URL)
    assert set(_ids(everyone)) == {*(u.pk for u in south), *(u.pk for u in service.staff.values())}
    team_choices = [str(team) for team in everyone.context["form"].fields["team"].queryset]
    assert team_choices == ["North team", "South team"]

    south_only = manager.get(URL, {"team": service.other_team.pk})
    assert set(_ids(south_only)) == {me.pk, *(u.pk for u in south)}
    assert _count(south_only) == "4 members of staff matching the filters"


def test_staff_only_in_other_teams_never_appear_and_their_team_cannot_be_chosen(service, manager) -> None:
    elsewhere = _staff(service.other_team, 2, first_name="Quixzorb")
    other_service_team = TeamFactory(name="Far team")
    far = _staff(other_service_team, 1, first_name="Quixzorb")[0]
    hidden = {far.pk, *(u.pk for u in elsewhere)}

    for params in ({}, {"q": "quixzorb"}, {"accounts": "all"}):
        shown = _ids(manager.get(URL, params))
        assert not hidden & set(shown), params
    assert [str(t) for t in manager.get(URL).context["form"].fields["team"].queryset] == ["North team"]

    refused = manager.get(URL, {"team": service.other_team.pk})
    assert refused.status_code == 200
    assert "Choose one of your teams from the list." in refused.content.decode()
    assert not hidden & set(_ids(refused))
    assert set(_ids(refused)) == {u.pk for u in service.staff.values()}


def test_switched_off_accounts_are_hidden_unless_asked_for(service, manager) -> None:
    leavers = _staff(service.team, 2, is_active=False)
    current = {u.pk for u in service.staff.values()}

    default = manager.get(URL)
    body = default.content.decode()
    assert set(_ids(default)) == current
    assert _count(default) == "8 members of staff"
    assert 'data-testid="switched-off-hint"' in body
    assert 'href="?accounts=all">show switched-off accounts too</a>' in body

    off = manager.get(URL, {"accounts": "off"})
    assert set(_ids(off)) == {u.pk for u in leavers}
    assert "Switched off" in off.content.decode()
    assert 'data-testid="switched-off-hint"' not in off.content.decode()

    everyone = manager.get(URL, {"accounts": "all"})
    assert set(_ids(everyone)) == current | {u.pk for u in leavers}
    assert _count(everyone) == "10 members of staff matching the filters"

    # The link to the switched-off accounts keeps the other filters.
    searched = manager.get(URL, {"q": "x y", "team": service.team.pk}).content.decode()
    assert f'href="?q=x+y&amp;team={service.team.pk}&amp;accounts=all"' in searched


def test_the_filters_are_kept_when_paging(service, manager) -> None:
    _staff(service.team, 30, first_name="Robzorb")
    _staff(service.team, 3, first_name="Robzorb", is_active=False)
    first = manager.get(URL, {"q": "robzorb", "accounts": "all"})
    assert _count(first) == "33 members of staff matching the filters: 1 to 25 shown"
    assert 'href="?q=robzorb&amp;accounts=all&amp;page=2"' in first.content.decode()
    second = manager.get(URL, {"q": "robzorb", "accounts": "all", "page": "2"})
    assert len(_ids(second)) == 8


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"team": "not-a-team"}, "Choose one of your teams from the list."),
        ({"team": "99999999999999999999999999"}, "Choose one of your teams from the list."),
        ({"team": "-1"}, "Choose one of your teams from the list."),
        ({"q": "a" * 101}, "Search for at most 100 characters of a name or username."),
        ({"q": "nul\x00byte"}, "Null characters are not allowed."),
        ({"accounts": "everyone"}, "Choose switched on, switched off or all."),
    ],
)
def test_wrong_filters_are_explained_and_the_default_list_is_shown(service, manager, params, message) -> None:
    _staff(service.team, 1, is_active=False)
    response = manager.get(URL, {**params, "page": "2"})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'data-testid="filters-refused"' in body
    assert set(_ids(response)) == {u.pk for u in service.staff.values()}
    assert _count(response) == "8 members of staff"
    assert '<a href="?">Clear the filters</a>' in body


@pytest.mark.parametrize("page", ["abc", "0", "999", "99999999999999999999999999", ""])
def test_a_wrong_page_number_shows_a_page_of_the_list(service, manager, page) -> None:
    _staff(service.team, 30)
    response = manager.get(URL, {"page": page})
    assert response.status_code == 200
    assert len(_ids(response)) in (PAGE_SIZE, 38 - PAGE_SIZE)


def test_staff_who_cannot_manage_staff_are_refused(client_for) -> None:
    assert client_for(Role.PWP).get(URL).status_code == 403


@pytest.mark.parametrize("n", [3, 60])
def test_the_staff_list_query_count_does_not_grow_with_staff(
    service, manager, django_assert_num_queries, n
) -> None:
    for user in _staff(service.team, n):
        MembershipFactory(user=user, team=service.other_team, role=Role.ADMINISTRATOR, active=False)
    _staff(service.team, n, is_active=False)
    manager.get(URL)  # warm the session
    # The session, the user and their authenticator, their roles; the count, the teams to
    # filter by, the page's rows, their roles and their authenticators.
    with django_assert_num_queries(9):
        assert manager.get(URL, {"accounts": "all", "page": "2"}).status_code == 200
    # A team chosen is looked up once more, to check it is one of the manager's.
    with django_assert_num_queries(10):
        assert manager.get(URL, {"team": service.team.pk, "q": "a"}).status_code == 200
