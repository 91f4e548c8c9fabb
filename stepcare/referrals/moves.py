"""Who may make each referral move: the permission each move needs, in the referral's team.

``transitions`` says from which states a move may be made; this says who may make it. The
pages ask here (``moves_open_to``) which moves to offer, and each move's page requires the
move's permission before it shows or makes the move.
"""

from __future__ import annotations

from stepcare.accounts.access import has_permission
from stepcare.accounts.models import User
from stepcare.accounts.roles import Permission
from stepcare.referrals.models import Referral
from stepcare.referrals.transitions import NO_PATIENT_NEEDED, Move, allowed_moves

# Which permission each move needs (in the referral's team).
MOVE_PERMISSION: dict[Move, Permission] = {
    Move.LINK_PATIENT: Permission.MANAGE_REFERRALS,
    Move.SCREEN: Permission.MANAGE_REFERRALS,
    Move.RECORD_ASSESSMENT: Permission.MANAGE_REFERRALS,
    Move.ACCEPT: Permission.DECIDE_SUITABILITY,
    Move.DECIDE_NOT_TO_TAKE_ON: Permission.DECIDE_SUITABILITY,
    Move.RECORD_PROBLEM: Permission.DECIDE_SUITABILITY,
    Move.PAUSE_WAIT: Permission.MANAGE_REFERRALS,
    Move.RESUME_WAIT: Permission.MANAGE_REFERRALS,
    Move.ALLOCATE: Permission.ALLOCATE,
    Move.STEP: Permission.DECIDE_SUITABILITY,
    Move.SIGNPOST: Permission.MANAGE_REFERRALS,
    Move.END: Permission.DECIDE_SUITABILITY,
    Move.REOPEN: Permission.MANAGE_REFERRALS,
    Move.MARK_ENTERED_IN_ERROR: Permission.MANAGE_REFERRALS,
}


def moves_open_to(user: User, referral: Referral) -> dict[str, bool]:
    """Each move by name: whether ``user`` may make it on ``referral`` now (allowed from its
    state, the user has the move's permission in its team, and it needs no linked patient
    when none is linked)."""
    moves = allowed_moves(referral.status)
    can = {
        move.value: move in moves and has_permission(user, MOVE_PERMISSION[move], obj=referral)
        for move in Move
    }
    if referral.patient_id is None:
        can = {k: v and Move(k) in NO_PATIENT_NEEDED for k, v in can.items()}
    return can
