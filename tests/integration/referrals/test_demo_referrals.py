"""The demo service has referrals in every state, with waits that look like a real service."""

from __future__ import annotations

from collections import Counter

import pytest

from stepcare.referrals.models import Agency, Referral, StepChange, WaitingPause
from tests.demo_clock import build_demo_at_half_past_eight

pytestmark = pytest.mark.django_db


def test_the_demo_has_referrals_in_every_state_with_consistent_endings() -> None:
    build_demo_at_half_past_eight("--patients", "400", "--seed", "5")
    states = Counter(Referral.objects.values_list("status", flat=True))
    assert set(states) >= set(Referral.Status.values)
    assert (
        Referral.objects.filter(
            status="ended", end_code__in=["46", "47", "48", "96"], first_treatment_date__isnull=True
        ).count()
        == 0
    )
    assert WaitingPause.objects.exists() and Agency.objects.count() >= 10
    assert StepChange.objects.filter(from_step="2", to_step="3").exists()
    waits = [
        (r.first_treatment_date - r.received_on).days
        for r in Referral.objects.filter(first_treatment_date__isnull=False)
    ]
    assert (
        waits and sorted(waits)[len(waits) // 2] < 60
    )  # median wait to first treatment in weeks, not months
