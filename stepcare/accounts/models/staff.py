"""Members of staff and the roles they hold in teams."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property

from stepcare.accounts.models.organisation import Team
from stepcare.accounts.roles import Role


class User(AbstractUser):
    """A member of staff. Patients never sign in with this model."""

    job_title = models.CharField(max_length=120, blank=True)
    professional_registration = models.CharField(
        max_length=60, blank=True, help_text="e.g. BABCP accreditation or HCPC number"
    )
    must_change_password = models.BooleanField(
        default=False, help_text="Set when a manager gives a temporary password."
    )

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.name_of(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_of(first_name: str, last_name: str, username: str) -> str:
        """How a member of staff is named (``str(user)``), from the three columns alone: for
        lists of people read as values rather than as objects."""
        return f"{first_name} {last_name}".strip() or username

    @cached_property
    def _membership_rows(self) -> list[tuple[int, str, str, int]]:
        """(team id, role, team name, team's service id) of each active membership: one query."""
        rows = self.memberships.filter(active=True).values_list(
            "team_id", "role", "team__name", "team__service_id"
        )
        return list(rows)

    @cached_property
    def _memberships(self) -> list[tuple[int, str]]:
        return [(team_id, role) for team_id, role, _name, _service in self._membership_rows]

    def membership_teams(self) -> dict[int, Team]:
        """The teams of the user's active memberships, read with them (no query of their own):
        each with its name and service; any other field is read when first asked for."""
        teams = {}
        for team_id, _role, name, service_id in self._membership_rows:
            known = {"id": team_id, "name": name, "service_id": service_id}
            # ``from_db`` takes the values in the model's field order; the rest are deferred.
            values = [known[f.attname] for f in Team._meta.concrete_fields if f.attname in known]
            teams[team_id] = Team.from_db(None, list(known), values)
        return teams

    def active_memberships(self) -> list[tuple[int, str]]:
        """(team id, role) pairs, loaded once per request."""
        return self._memberships

    @property
    def role_labels(self) -> list[str]:
        return sorted({Role(role).label for _team, role in self.active_memberships()})


class Membership(models.Model):
    """A role held by a member of staff in a team. One person may hold several."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team", "role"], name="membership_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {Role(self.role).label}, {self.team}"
