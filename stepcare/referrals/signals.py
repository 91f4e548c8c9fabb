"""What a referral move tells the apps built on referrals.

The diary (``stepcare.scheduling``) imports the referral actions to record attendance on a
referral, so the referral actions cannot import the diary back. When a referral stops (it
is ended, entered in error, or the person has died) the move sends ``referral_withdrawn``;
the diary's receiver (``stepcare.scheduling.receivers``, connected in its ``ready()``)
cancels the referral's places still to come in the same transaction. A refusal raised by
the receiver refuses the move.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the referral actions with: by, referral, reason (a cancellation reason), note, notify.
referral_withdrawn = Signal()
