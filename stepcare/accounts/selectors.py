"""Reads about staff for the pages that manage them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from stepcare.accounts.models import Membership, Team, User


def staff_in_teams(*, team_ids: set[int]) -> QuerySet[User]:
    """Everyone holding (or having held) a role in these teams, with their memberships."""
    return (
        User.objects.filter(memberships__team_id__in=team_ids)
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("team").order_by("team__name", "role"),
            ),
            "totpdevice_set",
        )
        .order_by("last_name", "first_name")
    )


def teams_by_id(team_ids: set[int]) -> QuerySet[Team]:
    return Team.objects.filter(id__in=team_ids).order_by("name")
