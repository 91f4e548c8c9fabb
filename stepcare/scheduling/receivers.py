"""The diary's part in a change made elsewhere (connected in ``SchedulingConfig.ready``).

- ``referrals.signals.referral_withdrawn``: a referral that stops (ended, entered in error, the
  person has died) gives up its places still to come (``actions.withdraw_referral``).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from stepcare.accounts.models import User
from stepcare.referrals.models import Referral
from stepcare.referrals.signals import referral_withdrawn
from stepcare.scheduling.actions.booking import withdraw_referral


@receiver(referral_withdrawn, sender=Referral, dispatch_uid="scheduling.withdraw_referral")
def withdraw_referral_places(
    sender: type[Referral],
    *,
    by: User,
    referral: Referral,
    reason: str,
    note: str,
    notify: bool,
    **kwargs: Any,
) -> None:
    withdraw_referral(by=by, referral=referral, reason=reason, note=note, notify=notify)
