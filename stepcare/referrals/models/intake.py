"""Which team receives referrals that arrive through the public forms and imports."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class IntakeTeam(models.Model):
    """A team that receives new referrals: by GP practice, or by default.

    A referral naming one of ``gp_practice_codes`` goes to that team; any other goes to the
    default team. Edited by the service in the admin.
    """

    team = models.OneToOneField("accounts.Team", on_delete=models.PROTECT, related_name="intake")
    is_default = models.BooleanField(default=False)
    gp_practice_codes = models.JSONField(default=list, blank=True, help_text='e.g. ["A81001", "A81002"]')

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="intake_one_default_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team}{' (default)' if self.is_default else ''}"
