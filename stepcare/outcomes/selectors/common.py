"""Shared by the outcome reads: attendance codes, the timepoint of an appointment type, the
service's outcome settings and the problem descriptor in force on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from stepcare.outcomes import due as due_rules
from stepcare.outcomes.models import MeasureResponse, OutcomeSettings, Timepoint
from stepcare.referrals.models import ProblemDescriptorRecord, Referral
from stepcare.scheduling.models import Appointment

ATTENDED = ("5", "6")
GAP_DAYS = 28
STANDARD_WEEK_HOURS = 37.5
TIMEPOINT_FOR_APP_TYPE: dict[str, str] = {
    Appointment.Type.ASSESSMENT: Timepoint.ASSESSMENT,
    Appointment.Type.FOLLOW_UP: Timepoint.FOLLOW_UP,
}


# Settings and descriptors -----------------------------------------------------------------------


def outcome_settings(service_id: int) -> OutcomeSettings:
    """The service's settings, or the defaults (not saved) when it has none."""
    found = OutcomeSettings.objects.filter(service_id=service_id).first()
    return found or OutcomeSettings(service_id=service_id)


def descriptor_on(referral: Referral, on: dt.date) -> ProblemDescriptorRecord | None:
    """The primary problem descriptor in force on a date (the latest recorded by then)."""
    return (
        ProblemDescriptorRecord.objects.filter(referral=referral, recorded_on__lte=on)
        .order_by("-recorded_on", "-recorded_at", "-id")
        .first()
    )


def _scores(responses: Iterable[MeasureResponse]) -> list[due_rules.Score]:
    return [due_rules.Score(r.measure, r.total, r.caseness, r.completed_on) for r in responses]
