"""Triage and the suitability decision: screening, the assessment, the decision (accept onto
a step's waiting list, or not take on) and the provisional problem descriptor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.referrals.actions.common import (
    END_CODE_FOR_OUTCOME,
    Outcome,
    S,
    _audit,
    _locked,
    _not_before_receipt,
    _not_in_future,
    _refresh_course_outcome,
    _risk_from_screening,
    _today,
)
from stepcare.referrals.actions.ending import check_end_code
from stepcare.referrals.models import (
    EndCode,
    ProblemDescriptorRecord,
    Referral,
    Step,
    StepChange,
    SuitabilityDecision,
)
from stepcare.referrals.transitions import Move, MoveRefused


@transaction.atomic
def screen(*, by: User, referral: Referral, notes: str, acute_risk: bool, secondary_care: bool) -> Referral:
    current = _locked(referral, Move.SCREEN)
    current.status = S.SCREENED
    current.screened_at = timezone.now()
    current.screened_by = by
    current.screening_notes = notes.strip()
    current.acute_risk_identified = acute_risk
    current.secondary_care_involvement = secondary_care
    current.save()
    _audit(by, current, "screen", acute_risk=acute_risk, secondary_care=secondary_care)
    _risk_from_screening(by, current)
    return current


@transaction.atomic
def record_assessment(*, by: User, referral: Referral, assessment_date: dt.date) -> Referral:
    """Record the date of the assessment (by hand until the diary records it)."""
    current = _locked(referral, Move.RECORD_ASSESSMENT)
    _not_before_receipt(current, assessment_date, "assessment date")
    _not_in_future(assessment_date, "assessment date")
    current.assessment_date = assessment_date
    current.assessed_by = by
    current.status = S.ASSESSED
    current.save()
    _audit(by, current, "record_assessment", assessment_date=assessment_date.isoformat())
    return current


@transaction.atomic
def decide(
    *, by: User, referral: Referral, outcome: str, reason: str, rules_shown: list[dict[str, Any]]
) -> SuitabilityDecision:
    """A clinician's suitability decision. Accepting puts the person on the waiting list for
    the step; any other outcome ends the referral with the matching ending code."""
    reason = reason.strip()
    if not reason:
        raise MoveRefused("Write the reason for the decision.")
    accept = outcome in {Outcome.ACCEPT_STEP_2, Outcome.ACCEPT_STEP_3}
    current = _locked(referral, Move.ACCEPT if accept else Move.DECIDE_NOT_TO_TAKE_ON)
    decision = SuitabilityDecision.objects.create(
        referral=current, outcome=outcome, reason=reason, rules_shown=rules_shown, decided_by=by
    )
    if accept:
        to_step = Step.STEP_2 if outcome == Outcome.ACCEPT_STEP_2 else Step.STEP_3
        StepChange.objects.create(
            referral=current,
            from_step="",
            to_step=to_step,
            handover_summary=reason,
            changed_by=by,
            changed_on=_today(),
        )
        current.step = to_step
        current.status = S.WAITING
    else:
        if outcome == Outcome.NOT_SUITABLE:
            code = EndCode.NOT_SUITABLE if current.assessment_date else EndCode.NOT_ASSESSED
        else:
            code = END_CODE_FOR_OUTCOME[Outcome(outcome)]
        check_end_code(current, code)
        current.status = S.ENDED
        current.end_code = code
        current.discharge_date = _today()
        current.discharge_summary = f"{Outcome(outcome).label}. {reason}"
        current.ended_by = by
    current.save()
    _audit(by, current, "decide", outcome=outcome, end_code=current.end_code)
    return decision


@transaction.atomic
def record_problem_descriptor(
    *, by: User, referral: Referral, primary: str, secondary: str = "", recorded_on: dt.date, note: str = ""
) -> ProblemDescriptorRecord:
    """Record or change the provisional problem descriptor; earlier ones stay as history."""
    current = _locked(referral, Move.RECORD_PROBLEM)
    if secondary and secondary == primary:
        raise MoveRefused("The secondary problem descriptor must differ from the primary one.")
    _not_in_future(recorded_on, "date recorded")
    descriptor = ProblemDescriptorRecord.objects.create(
        referral=current,
        primary=primary,
        secondary=secondary,
        recorded_on=recorded_on,
        note=note.strip(),
        recorded_by=by,
    )
    _audit(by, current, "record_problem", primary=primary, secondary=secondary)
    _refresh_course_outcome(current)
    return descriptor
