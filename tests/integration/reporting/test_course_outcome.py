"""Each referral keeps its course outcome, from classify_course, through a sequence of events:
scores recorded, one entered in error, the problem descriptor changed, the referral ended."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stepcare.accounts.permissions import Role
from stepcare.outcomes import actions as outcome_actions
from stepcare.referrals import actions as referral_actions
from stepcare.referrals.models import Referral
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.referrals import AllocatedReferralFactory

HIT = Role.HIGH_INTENSITY_THERAPIST


def spin(total: int) -> list[int]:
    answers, rest = [], total
    for _ in range(17):
        take = min(4, rest)
        answers.append(take)
        rest -= take
    return answers


def _stored(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def test_the_social_phobia_course_uses_spin_then_falls_back_to_gad7_when_a_spin_score_is_withdrawn(
    service,
) -> None:
    hit = service.staff[HIT]
    referral = AllocatedReferralFactory(patient__team=service.team, allocated_to=hit)
    referral_actions.record_problem_descriptor(
        by=hit, referral=referral, primary="F40.1", recorded_on=dt.date.today() - dt.timedelta(days=30)
    )
    first = contact(referral=referral, clinician=hit, days_ago=21)
    scores(appointment=first, by=hit, PHQ9=phq9(16), GAD7=gad7(12), SPIN=spin(40))
    stored = _stored(referral)
    assert (stored.outcome_phq9_first, stored.outcome_phq9_last, stored.outcome_paired) == (16, None, False)

    last = contact(referral=referral, clinician=hit, days_ago=7)
    responses = scores(appointment=last, by=hit, PHQ9=phq9(8), GAD7=gad7(6), SPIN=spin(20))
    stored = _stored(referral)
    # SPIN 40 -> 20 stays at caseness (>= 19): not recovered, but PHQ-9 fell 8 (>= 6) and SPIN 20.
    assert stored.outcome_anxiety_measure == "SPIN"
    assert (stored.outcome_anxiety_first, stored.outcome_anxiety_last) == (40, 20)
    assert stored.outcome_paired and stored.outcome_at_caseness
    assert not stored.outcome_recovered and stored.outcome_reliable_improvement
    assert not stored.outcome_reliable_recovery

    last_spin = next(r for r in responses if r.measure == "SPIN")
    outcome_actions.mark_entered_in_error(
        by=hit, response=last_spin, reason="Answers typed for another patient."
    )
    stored = _stored(referral)
    # One SPIN left is no pair: GAD-7 is the back-up, 12 -> 6 is below caseness 8.
    assert stored.outcome_anxiety_measure == "GAD-7"
    assert (stored.outcome_anxiety_first, stored.outcome_anxiety_last) == (12, 6)
    assert stored.outcome_recovered and stored.outcome_reliable_recovery

    referral_actions.end_referral(
        by=hit,
        referral=_stored(referral),
        end_code="46",
        discharge_date=dt.date.today(),
        summary="Completed.",
    )
    stored = _stored(referral)
    assert stored.status == Referral.Status.ENDED and stored.outcome_recovered
    call_command("check_derived", stdout=io.StringIO())


def test_changing_the_problem_descriptor_changes_the_anxiety_measure_in_the_same_transaction(service) -> None:
    hit = service.staff[HIT]
    referral = AllocatedReferralFactory(patient__team=service.team, allocated_to=hit)
    for days, (p, g, s) in ((21, (16, 12, 40)), (7, (8, 6, 20))):
        appointment = contact(referral=referral, clinician=hit, days_ago=days)
        scores(appointment=appointment, by=hit, PHQ9=phq9(p), GAD7=gad7(g), SPIN=spin(s))
    assert _stored(referral).outcome_anxiety_measure == "GAD-7"  # no descriptor: GAD-7
    assert _stored(referral).outcome_recovered

    referral_actions.record_problem_descriptor(
        by=hit, referral=referral, primary="F40.1", recorded_on=dt.date.today()
    )
    assert _stored(referral).outcome_anxiety_measure == "SPIN"
    assert not _stored(referral).outcome_recovered


def test_check_derived_finds_and_fixes_a_stale_course_outcome(service) -> None:
    hit = service.staff[HIT]
    referral = AllocatedReferralFactory(patient__team=service.team, allocated_to=hit)
    for days, (p, g) in ((21, (16, 12)), (7, (8, 6))):
        scores(
            appointment=contact(referral=referral, clinician=hit, days_ago=days),
            by=hit,
            PHQ9=phq9(p),
            GAD7=gad7(g),
        )
    call_command("check_derived", stdout=io.StringIO())
    Referral.objects.filter(pk=referral.pk).update(outcome_recovered=False)

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 referral"):
        call_command("check_derived", stdout=out)
    assert referral.reference in out.getvalue() and "recovered False" in out.getvalue()
    with pytest.raises(CommandError, match="corrected"):
        call_command("check_derived", "--fix", stdout=io.StringIO())
    call_command("check_derived", stdout=io.StringIO())
    assert _stored(referral).outcome_recovered
