"""Reads about staff for the pages that manage them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from stepcare.accounts.models import Membership, Team, User

PAGE_SIZE = 25  # the staff list's rows a page, as every other list pages

# The account states the staff list can be narrowed to ("on" unless asked otherwise).
ACCOUNTS_ON, ACCOUNTS_OFF, ALL_ACCOUNTS = "on", "off", "all"


def _has_held_a_role_in(team_ids: set[int]) -> Exists:
    return Exists(Membership.objects.filter(user_id=OuterRef("pk"), team_id__in=team_ids))


def staff_in_teams(*, team_ids: set[int]) -> QuerySet[User]:
    """Everyone holding (or having held) a role in these teams, with their memberships."""
    return (
        User.objects.filter(_has_held_a_role_in(team_ids))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("team").order_by("team__name", "role"),
            ),
            "totpdevice_set",
        )
        .order_by("last_name", "first_name", "id")
    )


@dataclass(frozen=True)
class StaffFilters:
    """What the staff list is narrowed to. The default: accounts switched on, in all the
    manager's teams."""

    search: str = ""  # words each found in the first name, last name or username
    team_id: int | None = None  # one of the manager's teams: who holds or has held a role in it
    accounts: str = ACCOUNTS_ON


def _matching(words: list[str]) -> Q:
    return reduce(
        and_,
        (Q(first_name__icontains=w) | Q(last_name__icontains=w) | Q(username__icontains=w) for w in words),
        Q(),
    )


def staff_page(
    *, team_ids: set[int], filters: StaffFilters | None = None, page: str | int | None = 1
) -> Page[User]:
    """One page of the staff of these teams, by last name, first name (the id breaks ties).
    Filtered, counted and paged in the database; the memberships and authenticators are
    fetched for the page's rows only."""
    f = filters or StaffFilters()
    qs = staff_in_teams(team_ids=team_ids)
    if f.team_id is not None:
        qs = qs.filter(_has_held_a_role_in({f.team_id} & team_ids))
    if words := f.search.split():
        qs = qs.filter(_matching(words))
    if f.accounts == ACCOUNTS_ON:
        qs = qs.filter(is_active=True)
    elif f.accounts == ACCOUNTS_OFF:
        qs = qs.filter(is_active=False)
    return Paginator(qs, PAGE_SIZE).get_page(page)


def teams_by_id(team_ids: set[int]) -> QuerySet[Team]:
    return Team.objects.filter(id__in=team_ids).order_by("name")
