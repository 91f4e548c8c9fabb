"""Reads for one contact: the PHQ-9 item 9 prompt, what is due and recorded at a contact, and
the score pairs still missing at an appointment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from stepcare.measures import Registry
from stepcare.outcomes import due as due_rules
from stepcare.outcomes.models import MeasureResponse, Timepoint
from stepcare.outcomes.registry import service_registry
from stepcare.outcomes.selectors.common import (
    ATTENDED,
    TIMEPOINT_FOR_APP_TYPE,
    descriptor_on,
    outcome_settings,
)

# The PHQ-9 item 9 annotations are the banner's (one definition, in patients.models).
from stepcare.patients.models import item9_annotations as item9_annotations
from stepcare.referrals.models import ProblemDescriptorRecord
from stepcare.scheduling.models import TREATMENT_TYPES, Appointment, Attendee

# PHQ-9 item 9 ------------------------------------------------------------------------------------


def risk_check_required(appointment: Appointment) -> bool:
    """Whether PHQ-9 item 9 was answered above 0 at this appointment (a current response).

    For the session note's signing: the clinician must record that risk was explored. It is a
    prompt to ask, never a risk score."""
    return (
        MeasureResponse.objects.current()
        .filter(appointment=appointment, measure=due_rules.DEPRESSION, item9__gt=0)
        .exists()
    )


# One contact -------------------------------------------------------------------------------------


@dataclass
class DueRow:
    due: due_rules.Due
    response: MeasureResponse | None


@dataclass
class ContactMeasures:
    appointment: Appointment
    attendee: Attendee
    descriptor: ProblemDescriptorRecord | None
    timepoint: str
    session_number: int | None
    rows: list[DueRow]
    others: list[MeasureResponse]  # recorded here but not due (or entered in error)
    change_notice: str
    missing_for_pair: list[str]
    item9_response: MeasureResponse | None

    @property
    def to_enter(self) -> list[due_rules.Due]:
        return [row.due for row in self.rows if row.response is None]

    @property
    def attended_treatment(self) -> bool:
        return self.attendee.attendance in ATTENDED and self.appointment.app_type in TREATMENT_TYPES


def session_number(attendee: Attendee, appointment: Appointment) -> int | None:
    """This contact's position among the referral's attended treatment contacts."""
    if appointment.app_type not in TREATMENT_TYPES:
        return None
    before = (
        Attendee.objects.filter(
            referral_id=attendee.referral_id,
            attendance__in=ATTENDED,
            appointment__app_type__in=TREATMENT_TYPES,
            starts_at__lt=appointment.starts_at,
        )
        .exclude(pk=attendee.pk)
        .count()
    )
    return before + 1


def contact_measures(
    *, appointment: Appointment, attendee: Attendee, registry: Registry | None = None
) -> ContactMeasures:
    """Everything the measures page of one contact shows for one patient."""
    registry = registry or service_registry()
    day = timezone.localtime(appointment.starts_at).date()
    descriptor = descriptor_on(attendee.referral, day)
    code = descriptor.primary if descriptor else None
    timepoint = TIMEPOINT_FOR_APP_TYPE.get(appointment.app_type, Timepoint.TREATMENT)
    number = session_number(attendee, appointment)
    prefs = outcome_settings(appointment.team.service_id)
    due = due_rules.measures_due(
        descriptor=code,
        timepoint=timepoint,
        session_number=number,
        wsas_points=prefs.wsas_points,
        phobia_points=prefs.phobia_points,
        registry=registry,
    )
    here = list(
        MeasureResponse.objects.filter(appointment=appointment, patient_id=attendee.patient_id)
        .select_related("recorded_by", "error_marked_by")
        .in_order()
    )
    current = {r.measure: r for r in here if r.is_current}
    rows = [DueRow(d, current.get(d.measure.code)) for d in due]
    due_codes = {d.measure.code for d in due}
    others = [r for r in here if not r.is_current or r.measure not in due_codes]
    previous = (
        MeasureResponse.objects.current()
        .filter(referral_id=attendee.referral_id, completed_on__lte=day)
        .exclude(appointment=appointment)
        .order_by("-completed_on", "-recorded_at", "-id")
        .values_list("problem_descriptor", flat=True)
        .first()
    )
    notice = ""
    anxiety = due_rules.anxiety_measure_for(code, registry)
    if previous is not None and (previous or None) != code:
        before = due_rules.anxiety_measure_for(previous or None, registry)
        if before.code != anxiety.code and descriptor is not None:
            notice = (
                f"The problem descriptor changed to {descriptor.get_primary_display()} on "
                f"{descriptor.recorded_on:%-d %B %Y}: {anxiety.code} is due from now on instead of "
                f"{before.code}. The national outcome pairs the first and last scores of the same "
                f"measure, so this contact gives {anxiety.code}'s first score."
            )
    missing: list[str] = []
    if attendee.attendance in ATTENDED and appointment.app_type in TREATMENT_TYPES:
        missing = due_rules.missing_for_pair(recorded=list(current), descriptor=code, registry=registry)
    phq = current.get(due_rules.DEPRESSION)
    return ContactMeasures(
        appointment=appointment,
        attendee=attendee,
        descriptor=descriptor,
        timepoint=timepoint,
        session_number=number,
        rows=rows,
        others=others,
        change_notice=notice,
        missing_for_pair=missing,
        item9_response=phq if phq is not None and (phq.item9 or 0) > 0 else None,
    )


def pair_gaps(appointment: Appointment, attendees: list[Attendee]) -> list[tuple[Attendee, list[str]]]:
    """For the appointment page: each attendee whose attendance at this treatment contact is
    recorded without PHQ-9 and the anxiety measure due, with what is missing (two queries)."""
    attended = [a for a in attendees if a.attendance in ATTENDED]
    if appointment.app_type not in TREATMENT_TYPES or not attended:
        return []
    registry = service_registry()
    day = timezone.localtime(appointment.starts_at).date()
    recorded: dict[int, list[str]] = defaultdict(list)
    for patient_id, measure in (
        MeasureResponse.objects.current().filter(appointment=appointment).values_list("patient_id", "measure")
    ):
        recorded[patient_id].append(measure)
    descriptors: dict[int, str] = {}
    for d in ProblemDescriptorRecord.objects.filter(
        referral_id__in=[a.referral_id for a in attended], recorded_on__lte=day
    ).order_by("referral_id", "recorded_on", "recorded_at", "id"):
        descriptors[d.referral_id] = d.primary
    gaps = []
    for a in attended:
        missing = due_rules.missing_for_pair(
            recorded=recorded[a.patient_id], descriptor=descriptors.get(a.referral_id), registry=registry
        )
        if missing:
            gaps.append((a, missing))
    return gaps
