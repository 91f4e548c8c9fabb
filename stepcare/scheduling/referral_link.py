"""Where the diary meets the referral pathway (``stepcare.referrals``).

The referral's treatment fields (first, second and last attended treatment dates, the count
of attended treatment contacts) and its assessment are derived from the diary here, in the
same transaction as the attendance that changes them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from stepcare.accounts.models import User
from stepcare.referrals import actions as referral_actions
from stepcare.referrals.models import Referral
from stepcare.referrals.transitions import MoveRefused
from stepcare.scheduling.models import ASSESSMENT_TYPES, TREATMENT_TYPES, Appointment, Attendee
from stepcare.scheduling.timeslots import local_date


class ReferralDisagrees(Exception):
    """The attendance would contradict what is recorded on the referral; the message says why."""


def attended_treatment_dates(referral_ids: Iterable[int]) -> dict[int, list[dt.date]]:
    """The Europe/London dates of each referral's attended treatment appointments."""
    dates: dict[int, list[dt.date]] = defaultdict(list)
    rows = Attendee.objects.filter(
        referral_id__in=list(referral_ids),
        attendance__in=Attendee.ATTENDED,
        appointment__app_type__in=TREATMENT_TYPES,
        appointment__status=Appointment.Status.BOOKED,
    ).values_list("referral_id", "starts_at")
    for referral_id, starts_at in rows:
        dates[referral_id].append(local_date(starts_at))
    return dates


def attendance_changed(*, by: User, attendee: Attendee, previous: str) -> None:
    """Recompute the referral's treatment fields after attendance was recorded or corrected,
    and record an attended assessment on the referral."""
    appointment = attendee.appointment
    referral = Referral.objects.get(pk=attendee.referral_id)
    try:
        if appointment.app_type in TREATMENT_TYPES:
            referral_actions.update_treatment_contacts(
                by=by,
                referral=referral,
                attended_dates=attended_treatment_dates([referral.pk]).get(referral.pk, []),
                newly_attended=attendee.is_attended and previous not in Attendee.ATTENDED,
            )
        if appointment.app_type in ASSESSMENT_TYPES and attendee.is_attended:
            assessor = appointment.clinician_rows.order_by("id").first()
            referral_actions.assessment_attended(
                by=by,
                referral=referral,
                assessment_date=local_date(appointment.starts_at),
                assessor=assessor.clinician if assessor is not None else by,
            )
    except MoveRefused as exc:
        raise ReferralDisagrees(str(exc)) from exc
