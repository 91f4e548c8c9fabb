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


def attended_assessment_dates(referral_ids: Iterable[int]) -> dict[int, list[dt.date]]:
    """The Europe/London dates of each referral's attended assessment appointments."""
    dates: dict[int, list[dt.date]] = defaultdict(list)
    rows = Attendee.objects.filter(
        referral_id__in=list(referral_ids),
        attendance__in=Attendee.ATTENDED,
        appointment__app_type__in=ASSESSMENT_TYPES,
        appointment__status=Appointment.Status.BOOKED,
    ).values_list("referral_id", "starts_at")
    for referral_id, starts_at in rows:
        dates[referral_id].append(local_date(starts_at))
    return dates


FIELDS = ("first_treatment_date", "second_treatment_date", "last_treatment_date", "treatment_contact_count")


def derived_mismatches(*, fix: bool = False, chunk: int = 2000) -> list[str]:
    """Recompute every referral's derived treatment fields from the diary and return a line
    for each one that differs from what is stored (with ``fix``, store the recomputed values)."""
    problems: list[str] = []
    last_pk = 0
    while True:
        referrals = list(
            Referral.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", "reference", *FIELDS)[:chunk]
        )
        if not referrals:
            return problems
        last_pk = referrals[-1].pk
        dates = attended_treatment_dates(r.pk for r in referrals)
        changed = []
        for referral in referrals:
            want = referral_actions.TreatmentContacts.from_dates(dates.get(referral.pk, []))
            have = referral_actions.TreatmentContacts.of(referral)
            if want != have:
                problems.append(
                    f"{referral.reference}: stored first {have.first} second {have.second} last "
                    f"{have.last} count {have.count}; the diary gives first {want.first} second "
                    f"{want.second} last {want.last} count {want.count}"
                )
                referral.first_treatment_date = want.first
                referral.second_treatment_date = want.second
                referral.last_treatment_date = want.last
                referral.treatment_contact_count = want.count
                changed.append(referral)
        if fix and changed:
            Referral.objects.bulk_update(changed, FIELDS)
