"""A supervisor's colleagues, paged: the supervision home and the supervision packs list the
clinicians of the teams supervised 25 to a page, with their count, in a service of any size
(at the large demo a supervisor's teams hold 150 clinicians)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from tests.factories.accounts import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SUPERVISOR = Role.CLINICAL_SUPERVISOR
COLLEAGUES = 30


@pytest.fixture
def colleagues(service) -> None:
    for n in range(COLLEAGUES):
        user = UserFactory(first_name="Colleague", last_name=f"Clinician{n:02d}")
        MembershipFactory(user=user, team=service.team, role=Role.PWP)


@pytest.mark.parametrize(("url", "param"), [("supervision:list", "people"), ("outcomes:supervisees", "page")])
def test_the_supervisees_come_a_page_at_a_time(service, client_for, colleagues, url, param) -> None:
    client = client_for(SUPERVISOR)
    everyone = len(service.staff) - 1 + COLLEAGUES  # the team's staff but the supervisor
    first = client.get(reverse(url)).content.decode()
    assert f"{everyone} clinicians in the teams you supervise: 1 to 25 shown" in first
    assert f"?{param}=2" in first and "Next page" in first
    second = client.get(reverse(url), {param: 2}).content.decode()
    assert f"{everyone} clinicians in the teams you supervise: 26 to {everyone} shown" in second
    assert "Previous page" in second
    assert first.count("Clinician") + second.count("Clinician") >= COLLEAGUES


def test_a_page_of_supervisees_costs_the_same_queries_however_many(
    service, client_for, django_assert_max_num_queries
) -> None:
    client = client_for(SUPERVISOR)
    client.get(reverse("outcomes:supervisees"))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("outcomes:supervisees"))
    for n in range(COLLEAGUES):
        MembershipFactory(user=UserFactory(last_name=f"Later{n:02d}"), team=service.team, role=Role.PWP)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("outcomes:supervisees")).content.decode()
    assert "1 to 25 shown" in body


@pytest.mark.parametrize("wrong", ["abc", "0", "-3", "999"])
def test_a_wrong_page_number_shows_a_page_not_an_error(service, client_for, colleagues, wrong) -> None:
    client = client_for(SUPERVISOR)
    for url, param in (("supervision:list", "people"), ("outcomes:supervisees", "page")):
        response = client.get(reverse(url), {param: wrong})
        assert response.status_code == 200
        assert "clinicians in the teams you supervise" in response.content.decode()
