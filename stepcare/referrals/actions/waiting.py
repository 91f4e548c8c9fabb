"""The waiting list and moving between steps: pausing and resuming the wait, allocation to a
therapist, and stepping up or down."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.referrals.actions.common import (
    S,
    _audit,
    _locked,
    _not_before_receipt,
    _not_in_future,
    _today,
    sync_patient_clinician,
)
from stepcare.referrals.models import (
    Allocation,
    Referral,
    Step,
    StepChange,
    WaitingPause,
)
from stepcare.referrals.selectors import allocatable_users
from stepcare.referrals.transitions import Move, MoveRefused


@transaction.atomic
def pause_wait(*, by: User, referral: Referral, start_date: dt.date, reason: str) -> WaitingPause:
    """A patient-initiated break: the waiting-time clock stops until the pause ends."""
    current = _locked(referral, Move.PAUSE_WAIT)
    if current.first_treatment_date:
        raise MoveRefused("Treatment has started, so the waiting-time clock has already stopped.")
    if current.pauses.filter(end_date__isnull=True).exists():
        raise MoveRefused("The wait is already paused. End that pause before starting another.")
    _not_before_receipt(current, start_date, "pause start date")
    _not_in_future(start_date, "pause start date")
    last_end = current.pauses.order_by("-end_date").values_list("end_date", flat=True).first()
    if last_end and start_date < last_end:
        raise MoveRefused(f"A pause cannot start before the last one ended ({last_end:%d/%m/%Y}).")
    if not reason.strip():
        raise MoveRefused("Write why the person asked to pause their wait.")
    pause = WaitingPause.objects.create(
        referral=current, start_date=start_date, reason=reason.strip(), recorded_by=by
    )
    _audit(by, current, "pause_wait", start_date=start_date.isoformat())
    return pause


@transaction.atomic
def resume_wait(*, by: User, referral: Referral, end_date: dt.date) -> WaitingPause:
    current = _locked(referral, Move.RESUME_WAIT)
    pause = current.pauses.filter(end_date__isnull=True).first()
    if pause is None:
        raise MoveRefused("The wait is not paused.")
    if end_date < pause.start_date:
        raise MoveRefused(f"The pause cannot end before it started ({pause.start_date:%d/%m/%Y}).")
    _not_in_future(end_date, "pause end date")
    pause.end_date = end_date
    pause.save(update_fields=["end_date"])
    _audit(by, current, "resume_wait", end_date=end_date.isoformat())
    return pause


@transaction.atomic
def allocate(*, by: User, referral: Referral, therapist: User) -> Referral:
    """Allocate (or re-allocate) the referral to a therapist."""
    current = _locked(referral, Move.ALLOCATE)
    if current.allocated_to_id == therapist.pk:
        raise MoveRefused(f"This referral is already allocated to {therapist}.")
    if not allocatable_users(team=current.team, step=current.step).filter(pk=therapist.pk).exists():
        needs = (
            "a high-intensity therapist (or a trainee with a named supervisor)"
            if current.step == Step.STEP_3
            else "a psychological wellbeing practitioner"
        )
        raise MoveRefused(
            f"{therapist} cannot be allocated this referral: at {Step(current.step).label.lower()} it "
            f"needs {needs} in {current.team}."
        )
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    Allocation.objects.create(referral=current, therapist=therapist, allocated_by=by)
    current.allocated_to = therapist
    if current.status == S.WAITING:
        current.status = S.ALLOCATED
    current.save()
    sync_patient_clinician(current.patient_id)
    _audit(by, current, "allocate", therapist_id=therapist.pk)
    return current


@transaction.atomic
def change_step(*, by: User, referral: Referral, to_step: str, handover_summary: str) -> StepChange:
    """Step up (PWP to high intensity) or down, with a handover. The person joins the waiting
    list for the new step; the current allocation ends."""
    current = _locked(referral, Move.STEP)
    if to_step == current.step:
        raise MoveRefused(f"The person is already at {Step(to_step).label.lower()}.")
    if not handover_summary.strip():
        raise MoveRefused("Write a handover summary for the clinician who takes over.")
    change = StepChange.objects.create(
        referral=current,
        from_step=current.step,
        to_step=to_step,
        handover_summary=handover_summary.strip(),
        changed_by=by,
        changed_on=_today(),
    )
    Allocation.objects.filter(referral=current, ended_at__isnull=True).update(ended_at=timezone.now())
    current.step = to_step
    current.allocated_to = None
    current.status = S.WAITING
    current.save()
    sync_patient_clinician(current.patient_id)
    _audit(by, current, "step", from_step=change.from_step, to_step=to_step)
    return change
