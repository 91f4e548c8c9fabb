from __future__ import annotations

import pytest

from stepcare.referrals.models import Referral
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.referrals import AllocatedReferralFactory


def course(service, clinician, pairs, *, hour, last_days_ago=7, descriptor_measure=None, **extra):
    """An open course allocated to `clinician` with PHQ-9 and GAD-7 (or `extra` measures) each week."""
    referral = AllocatedReferralFactory(
        patient__team=service.team, allocated_to=clinician, status=Referral.Status.IN_TREATMENT
    )
    for n, (p, g) in enumerate(pairs):
        appointment = contact(
            referral=referral,
            clinician=clinician,
            days_ago=last_days_ago + 7 * (len(pairs) - 1 - n),
            hour=hour,
        )
        entries = {"PHQ9": phq9(p)}
        if g is not None:
            entries["GAD7"] = gad7(g)
        for code, answers in extra.items():
            entries[code] = answers[n]
        scores(appointment=appointment, by=clinician, **entries)
    return referral


@pytest.fixture
def make_course():
    return course
