"""Who supervises whom: shared teams, trainees and named supervisors."""

from __future__ import annotations

from django.db.models import QuerySet

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Permission, Role, team_ids_with_permission


def supervising_team(supervisor: User, supervisee: User) -> int | None:
    """A team in which `supervisor` supervises and `supervisee` works, or None."""
    if supervisor.pk == supervisee.pk:
        return None
    teams = team_ids_with_permission(supervisor, Permission.SUPERVISE)
    theirs = sorted({t for t, _role in supervisee.active_memberships() if t in teams})
    return theirs[0] if theirs else None


def is_trainee(user: User) -> bool:
    return any(role == Role.TRAINEE_HIGH_INTENSITY_THERAPIST for _t, role in user.active_memberships())


def named_supervisor_id(user_id: int) -> int | None:
    from stepcare.referrals.models import TherapistProfile

    return TherapistProfile.objects.filter(user_id=user_id).values_list("supervisor_id", flat=True).first()


def team_members(team_id: int) -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__team_id=team_id, memberships__active=True)
        .distinct()
        .order_by("last_name", "first_name")[:500]
    )


def team_member_ids(team_id: int) -> set[int]:
    return set(Membership.objects.filter(team_id=team_id, active=True).values_list("user_id", flat=True))


def supervisee_queryset(supervisor: User) -> QuerySet[User]:
    from stepcare.outcomes.selectors import supervisees

    return supervisees(supervisor)
