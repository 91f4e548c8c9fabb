"""Where the diary meets the referral pathway (``stepcare.referrals``)."""

from __future__ import annotations

from stepcare.accounts.models import User
from stepcare.referrals import actions as referral_actions
from stepcare.referrals.models import Referral
from stepcare.referrals.transitions import Move, allowed_moves
from stepcare.scheduling.models import Attendee
from stepcare.scheduling.timeslots import local_date


def treatment_attended(*, by: User, referral: Referral, attendee: Attendee) -> bool:
    """The first attended treatment appointment ends the referral's waiting-time clock.

    Returns whether the referral's first treatment date was set now. The date is set only
    once; a referral on a waiting list (after allocation, or stepped up or down) moves into
    treatment whenever the pathway allows that move, and is left alone otherwise (e.g. an
    ended referral), so that recording attendance is never blocked.
    """
    current = Referral.objects.get(pk=referral.pk)
    if Move.START_TREATMENT not in allowed_moves(current.status):
        return False
    first_time = current.first_treatment_date is None
    referral_actions.record_first_treatment(
        by=by, referral=current, treatment_date=local_date(attendee.appointment.starts_at)
    )
    return first_time
