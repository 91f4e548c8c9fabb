"""Demo step: some people in treatment are referred to their team's employment adviser.

An employment adviser sees only the patients referred to them for employment support
(docs/adr/0012-employment-advisers-see-only-their-referrals.md), so the demo refers about one
in eight people in treatment who are in work or looking for it, by their therapist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stepcare.accounts.models import Membership
from stepcare.accounts.permissions import Role
from stepcare.patients.codes import EmploymentStatus
from stepcare.patients.models import EmploymentSupport
from stepcare.referrals.models import Referral

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

SHARE = 0.125
# In work or looking for it: the people employment support is for.
SEEKING_OR_IN_WORK = {EmploymentStatus.EMPLOYED, EmploymentStatus.UNEMPLOYED_SEEKING_WORK}


def build_employment_support(builder: DemoBuilder) -> None:
    advisers: dict[int, list[int]] = {}
    for team_id, user_id in (
        Membership.objects.filter(role=Role.EMPLOYMENT_ADVISER, active=True)
        .order_by("id")
        .values_list("team_id", "user_id")
    ):
        advisers.setdefault(team_id, []).append(user_id)
    rows = []
    seen: set[int] = set()
    for referral in (
        Referral.objects.filter(status=Referral.Status.IN_TREATMENT, allocated_to__isnull=False)
        .select_related("patient")
        .order_by("id")
    ):
        patient, therapist_id = referral.patient, referral.allocated_to_id
        if patient is None or therapist_id is None or patient.pk in seen or patient.team_id not in advisers:
            continue
        if patient.employment_status not in SEEKING_OR_IN_WORK or builder.rng.random() >= SHARE:
            continue
        seen.add(patient.pk)
        rows.append(
            EmploymentSupport(
                patient=patient,
                adviser_id=builder.rng.choice(advisers[patient.team_id]),
                referred_by_id=therapist_id,
            )
        )
    EmploymentSupport.objects.bulk_create(rows)
