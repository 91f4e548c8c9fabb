"""The referrals a report counts: the dashboard's choices, and the modality of the latest signed
treatment plan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery

from stepcare.accounts.models import Team, User
from stepcare.reporting.selectors.kpis import scoped_referrals


def latest_modality() -> Any:
    """The modality of a referral's latest signed treatment plan, as a subquery to annotate."""
    from stepcare.records.models import TreatmentPlan

    plans = TreatmentPlan.objects.filter(referral=OuterRef("pk"), status="signed").order_by(
        "-signed_at", "-id"
    )
    return Subquery(plans.values("modality")[:1])


def report_referrals(
    team_ids: Iterable[int],
    team: Team | None = None,
    clinician: User | None = None,
    *,
    step: str = "",
    descriptor: str = "",
    modality: str = "",
) -> Any:
    """The referrals a report counts: the dashboard's choices within ``team_ids`` (the user's
    report teams), and the modality of the latest signed treatment plan when one is chosen."""
    qs = scoped_referrals(team, clinician, team_ids=team_ids, step=step, problem_descriptor=descriptor)
    return with_modality(qs, modality) if modality else qs


def with_modality(referrals: Any, modality: str) -> Any:
    """Only referrals whose latest signed treatment plan is of ``modality`` (e.g. "cbt")."""
    return referrals.annotate(current_modality=latest_modality()).filter(current_modality=modality)
