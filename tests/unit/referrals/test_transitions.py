"""The transition table: every move from every state is either allowed or refused with a reason."""

from __future__ import annotations

import pytest

from stepcare.referrals.models import Referral
from stepcare.referrals.transitions import (
    NO_PATIENT_NEEDED,
    TRANSITIONS,
    WHY_NOT,
    Move,
    MoveRefused,
    allowed_moves,
    check_move,
)

S = Referral.Status

# The table, written out once more by hand: a change to the rules must change both.
EXPECTED_ALLOWED: dict[str, set[Move]] = {
    S.RECEIVED: {
        Move.LINK_PATIENT,
        Move.SCREEN,
        Move.RECORD_ASSESSMENT,
        Move.END,
        Move.SIGNPOST,
        Move.MARK_ENTERED_IN_ERROR,
    },
    S.SCREENED: {
        Move.LINK_PATIENT,
        Move.RECORD_ASSESSMENT,
        Move.ACCEPT,
        Move.DECIDE_NOT_TO_TAKE_ON,
        Move.RECORD_PROBLEM,
        Move.END,
        Move.SIGNPOST,
        Move.MARK_ENTERED_IN_ERROR,
    },
    S.ASSESSED: {
        Move.LINK_PATIENT,
        Move.RECORD_ASSESSMENT,
        Move.ACCEPT,
        Move.DECIDE_NOT_TO_TAKE_ON,
        Move.RECORD_PROBLEM,
        Move.END,
        Move.SIGNPOST,
        Move.MARK_ENTERED_IN_ERROR,
    },
    S.WAITING: {
        Move.RECORD_PROBLEM,
        Move.PAUSE_WAIT,
        Move.RESUME_WAIT,
        Move.ALLOCATE,
        Move.STEP,
        Move.END,
        Move.SIGNPOST,
        Move.MARK_ENTERED_IN_ERROR,
    },
    S.ALLOCATED: {
        Move.RECORD_PROBLEM,
        Move.PAUSE_WAIT,
        Move.RESUME_WAIT,
        Move.ALLOCATE,
        Move.STEP,
        Move.END,
        Move.SIGNPOST,
        Move.MARK_ENTERED_IN_ERROR,
    },
    S.IN_TREATMENT: {
        Move.RECORD_PROBLEM,
        Move.ALLOCATE,
        Move.STEP,
        Move.END,
        Move.SIGNPOST,
        Move.MARK_ENTERED_IN_ERROR,
    },
    S.ENDED: {Move.REOPEN, Move.SIGNPOST, Move.MARK_ENTERED_IN_ERROR},
    S.ENTERED_IN_ERROR: set(),
}

CASES = [(status, move) for status in S for move in Move]


def test_every_state_has_a_reason_for_refusals() -> None:
    assert set(WHY_NOT) == set(S.values)
    assert set(TRANSITIONS) == set(Move)


@pytest.mark.parametrize(("status", "move"), CASES, ids=[f"{s.value}-{m.value}" for s, m in CASES])
def test_each_move_from_each_state_is_allowed_or_refused_with_the_reason(status: str, move: Move) -> None:
    referral = Referral(status=status, patient_id=1 if move is not Move.LINK_PATIENT else None)
    if move in EXPECTED_ALLOWED[status]:
        assert move in allowed_moves(status)
        transition = check_move(referral, move)
        assert transition.target in {None, *S.values}
    else:
        assert move not in allowed_moves(status)
        with pytest.raises(MoveRefused) as refused:
            check_move(referral, move)
        message = str(refused.value)
        assert message.startswith(f"You cannot {TRANSITIONS[move].doing} this referral: ")
        assert WHY_NOT[status] in message


def test_an_ended_referral_can_only_be_reopened_as_a_new_one() -> None:
    with pytest.raises(MoveRefused, match="re-open it as a new referral"):
        check_move(Referral(status=S.ENDED, patient_id=1), Move.SCREEN)


def test_nothing_can_be_done_to_a_referral_entered_in_error() -> None:
    for move in Move:
        with pytest.raises(MoveRefused, match="entered in error"):
            check_move(Referral(status=S.ENTERED_IN_ERROR, patient_id=1), move)


def test_a_referral_not_yet_linked_to_a_patient_waits_for_an_identity_check() -> None:
    referral = Referral(status=S.SCREENED, patient_id=None)
    for move in (Move.ACCEPT, Move.DECIDE_NOT_TO_TAKE_ON, Move.END, Move.SIGNPOST):
        with pytest.raises(MoveRefused, match="first check who the person is"):
            check_move(referral, move)
    for move in NO_PATIENT_NEEDED - {Move.SCREEN}:
        check_move(referral, move)


def test_linking_a_patient_twice_is_refused() -> None:
    with pytest.raises(MoveRefused, match="already linked"):
        check_move(Referral(status=S.RECEIVED, patient_id=1), Move.LINK_PATIENT)
