"""The referral's states and the moves allowed between them: the one place they are written.

Every action that changes a referral calls ``check_move`` first. A move that is not allowed
from the referral's state is refused with a message that says why, in words a receptionist
or clinician can act on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from stepcare.referrals.models import Referral

S = Referral.Status


class Move(enum.StrEnum):
    LINK_PATIENT = "link_patient"
    SCREEN = "screen"
    RECORD_ASSESSMENT = "record_assessment"
    ACCEPT = "accept"
    DECIDE_NOT_TO_TAKE_ON = "decide_not_to_take_on"
    RECORD_PROBLEM = "record_problem"
    PAUSE_WAIT = "pause_wait"
    RESUME_WAIT = "resume_wait"
    ALLOCATE = "allocate"
    STEP = "step"
    SIGNPOST = "signpost"
    END = "end"
    REOPEN = "reopen"
    MARK_ENTERED_IN_ERROR = "mark_entered_in_error"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    doing: str  # "You cannot <doing> this referral: ..."


def _from(*states: str) -> frozenset[str]:
    return frozenset(states)


TRIAGE = _from(S.RECEIVED, S.SCREENED, S.ASSESSED)
AWAITING_DECISION = _from(S.SCREENED, S.ASSESSED)
WAITING = _from(S.WAITING, S.ALLOCATED)
ACCEPTED = _from(S.WAITING, S.ALLOCATED, S.IN_TREATMENT)
OPEN = TRIAGE | ACCEPTED
NOT_IN_ERROR = OPEN | {S.ENDED}

TRANSITIONS: dict[Move, Transition] = {
    Move.LINK_PATIENT: Transition(TRIAGE, None, "check who the person is on"),
    Move.SCREEN: Transition(_from(S.RECEIVED), S.SCREENED, "screen"),
    Move.RECORD_ASSESSMENT: Transition(TRIAGE, S.ASSESSED, "record an assessment on"),
    Move.ACCEPT: Transition(AWAITING_DECISION, S.WAITING, "accept"),
    Move.DECIDE_NOT_TO_TAKE_ON: Transition(AWAITING_DECISION, S.ENDED, "make a suitability decision on"),
    Move.RECORD_PROBLEM: Transition(AWAITING_DECISION | ACCEPTED, None, "record a problem descriptor on"),
    Move.PAUSE_WAIT: Transition(WAITING, None, "pause the wait on"),
    Move.RESUME_WAIT: Transition(WAITING, None, "end the pause on"),
    Move.ALLOCATE: Transition(ACCEPTED, S.ALLOCATED, "allocate"),
    Move.STEP: Transition(ACCEPTED, S.WAITING, "step up or down"),
    Move.SIGNPOST: Transition(NOT_IN_ERROR, None, "signpost or refer on from"),
    Move.END: Transition(OPEN, S.ENDED, "end"),
    Move.REOPEN: Transition(_from(S.ENDED), None, "re-open"),
    Move.MARK_ENTERED_IN_ERROR: Transition(NOT_IN_ERROR, S.ENTERED_IN_ERROR, "mark as entered in error"),
}

# Moves that can be made before staff have confirmed who the referral is for.
NO_PATIENT_NEEDED = frozenset(
    {Move.LINK_PATIENT, Move.SCREEN, Move.RECORD_ASSESSMENT, Move.MARK_ENTERED_IN_ERROR}
)

# Why a move is refused, by the state the referral is in.
WHY_NOT: dict[str, str] = {
    S.RECEIVED: "it is new and has not been screened yet",
    S.SCREENED: "it has been screened but no suitability decision has been made yet",
    S.ASSESSED: "it has been assessed but no suitability decision has been made yet",
    S.WAITING: "it is on the waiting list and no therapist has been allocated yet",
    S.ALLOCATED: "it is allocated and treatment has not started yet",
    S.IN_TREATMENT: "treatment has already started",
    S.ENDED: "it has been ended (discharged). To see this person again, re-open it as a new referral",
    S.ENTERED_IN_ERROR: "it was marked as entered in error, so nothing more can be recorded on it",
}


class MoveRefused(Exception):
    """The referral cannot make this move now; the message says why."""


def allowed_moves(status: str) -> set[Move]:
    return {move for move, t in TRANSITIONS.items() if status in t.sources}


def check_move(referral: Referral, move: Move) -> Transition:
    """The transition for ``move``, or ``MoveRefused`` saying why it is not allowed."""
    transition = TRANSITIONS[move]
    if referral.status not in transition.sources:
        raise MoveRefused(f"You cannot {transition.doing} this referral: {WHY_NOT[referral.status]}.")
    if referral.patient_id is None and move not in NO_PATIENT_NEEDED:
        raise MoveRefused(
            f"You cannot {transition.doing} this referral yet: first check who the person is "
            "and link the referral to their record."
        )
    if move is Move.LINK_PATIENT and referral.patient_id is not None:
        raise MoveRefused("This referral is already linked to a patient record.")
    return transition
