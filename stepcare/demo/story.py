"""The last demo step: make the referrals and the diary tell one true story.

The earlier steps build referrals and appointments in bulk, each with its own random choices.
This step makes them agree, as the actions would have kept them:

- nothing attended or booked for a referral after its discharge date (the service cancelled
  those appointments when the course ended);
- every referral taken on for treatment has at least one attended treatment appointment, and an
  attended assessment appointment before its first treatment;
- the derived treatment fields (first, second and last dates, contact count) and the
  assessment are recomputed from the diary, and each referral's status follows them;
- each patient's clinician is the one allocated to their open referral.

Afterwards ``stepcare check-derived`` finds nothing to report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from stepcare.patients.models import Patient
from stepcare.referrals.actions import TreatmentContacts
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    NOT_ASSESSED_CODES,
    TAKEN_ON_CODES,
    Allocation,
    Referral,
)
from stepcare.scheduling.models import (
    ASSESSMENT_TYPES,
    TREATMENT_TYPES,
    Appointment,
    AppointmentClinician,
    Attendee,
)
from stepcare.scheduling.referral_link import attended_assessment_dates, attended_treatment_dates
from stepcare.scheduling.timeslots import local, local_date

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

S = Referral.Status
ATTENDED = Attendee.AttendOrDNA.ATTENDED_ON_TIME


def tell_one_story(builder: DemoBuilder) -> None:
    now = timezone.now()
    _cancel_after_discharge()
    _attend_where_taken_on(now)
    _recompute(now)
    _record_who_finished_each_course()
    _sync_patient_clinicians()


def _cancel_place(attendee: Attendee) -> None:
    appointment = attendee.appointment
    if appointment.kind != Appointment.Kind.INDIVIDUAL:
        Attendee.objects.filter(pk=attendee.pk).update(live=False, attendance="4")
        return
    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.CANCELLED,
        cancelled_by="4",
        cancellation_reason=Appointment.CancellationReason.COURSE_ENDED,
        cancelled_at=appointment.starts_at - dt.timedelta(days=1),
    )
    AppointmentClinician.objects.filter(appointment=appointment).update(live=False)
    Attendee.objects.filter(appointment=appointment).update(live=False, attendance="4")


def _cancel_after_discharge() -> None:
    """The service cancelled every appointment after a referral's discharge date, and any
    place booked on a referral before it was received."""
    dates = {
        pk: (received, discharged)
        for pk, received, discharged in Referral.objects.values_list("pk", "received_on", "discharge_date")
    }
    places = (
        Attendee.objects.filter(appointment__status=Appointment.Status.BOOKED)
        .exclude(attendance__in=Attendee.CANCELLED)
        .select_related("appointment")
    )
    for place in places:
        received, discharged = dates[place.referral_id]
        day = local_date(place.starts_at)
        if day < received or (discharged is not None and day > discharged):
            _cancel_place(place)


def _make_attended(attendee: Attendee) -> None:
    appointment = attendee.appointment
    if appointment.is_cancelled:
        Appointment.objects.filter(pk=appointment.pk).update(
            status=Appointment.Status.BOOKED, cancelled_by="", cancellation_reason="", cancelled_at=None
        )
        AppointmentClinician.objects.filter(appointment=appointment).update(live=True)
    Attendee.objects.filter(pk=attendee.pk).update(
        live=True, attendance=ATTENDED, attendance_recorded_at=appointment.ends_at
    )


def _attend_where_taken_on(now: dt.datetime) -> None:
    """A referral in treatment, or ended as taken on, attended at least one treatment
    appointment, and its assessment before it. Without any past treatment appointment, it
    has not started treatment yet (or, if ended, ended without being taken on)."""
    taken_on = Referral.objects.filter(
        Q(status=S.IN_TREATMENT) | Q(status=S.ENDED, end_code__in=TAKEN_ON_CODES)
    )
    places: dict[int, list[Attendee]] = defaultdict(list)
    for place in (
        Attendee.objects.filter(referral__in=taken_on, starts_at__lt=now)
        .select_related("appointment")
        .order_by("starts_at", "id")
    ):
        places[place.referral_id].append(place)
    for referral in taken_on.only("pk", "status", "received_on", "discharge_date"):
        mine = [
            p
            for p in places.get(referral.pk, [])
            if local_date(p.starts_at) >= referral.received_on
            and (referral.discharge_date is None or local_date(p.starts_at) <= referral.discharge_date)
        ]
        treatment = [p for p in mine if p.appointment.app_type in TREATMENT_TYPES]
        if not treatment:
            _not_started(referral)
            continue
        if not any(p.attendance in Attendee.ATTENDED and not p.appointment.is_cancelled for p in treatment):
            _make_attended(next((p for p in treatment if not p.appointment.is_cancelled), treatment[0]))
        first = next(p for p in treatment)
        assessments = [
            p for p in mine if p.appointment.app_type in ASSESSMENT_TYPES and p.starts_at < first.starts_at
        ]
        if assessments and not any(
            p.attendance in Attendee.ATTENDED and not p.appointment.is_cancelled for p in assessments
        ):
            _make_attended(assessments[-1])


def _not_started(referral: Referral) -> None:
    no_treatment = {
        "first_treatment_date": None,
        "second_treatment_date": None,
        "last_treatment_date": None,
        "treatment_contact_count": 0,
    }
    if referral.status == S.IN_TREATMENT:
        Referral.objects.filter(pk=referral.pk).update(status=S.ALLOCATED, **no_treatment)
    else:
        Referral.objects.filter(pk=referral.pk).update(
            end_code="12",
            discharge_summary="Not taken on for treatment: agreed with the person.",
            **no_treatment,
        )


def _recompute(now: dt.datetime) -> None:
    """The derived fields and the assessment, from the diary; the status follows them."""
    referrals = list(Referral.objects.exclude(status=S.ENTERED_IN_ERROR).order_by("id"))
    treatment = attended_treatment_dates(r.pk for r in referrals)
    assessment = attended_assessment_dates(r.pk for r in referrals)
    # The clinician of each referral's first attended assessment (the latest rows first, so
    # that the first assessment's is the one the dictionary keeps).
    assessors = dict(
        Attendee.objects.filter(appointment__app_type__in=ASSESSMENT_TYPES, attendance__in=Attendee.ATTENDED)
        .order_by("-starts_at", "-appointment__clinician_rows__id", "-id")
        .values_list("referral_id", "appointment__clinician_rows__clinician_id")
    )
    changed = []
    for referral in referrals:
        contacts = TreatmentContacts.from_dates(treatment.get(referral.pk, []))
        referral.first_treatment_date = contacts.first
        referral.second_treatment_date = contacts.second
        referral.last_treatment_date = contacts.last
        referral.treatment_contact_count = contacts.count
        if contacts.count and referral.status in (S.WAITING, S.ALLOCATED):
            referral.status = S.IN_TREATMENT
        if not contacts.count and referral.status == S.IN_TREATMENT:
            referral.status = S.ALLOCATED if referral.allocated_to_id else S.WAITING
        seen = sorted(assessment.get(referral.pk, []))
        if seen:
            referral.assessment_date = seen[0]
            referral.assessed_by_id = assessors.get(referral.pk)
        if referral.end_code in NOT_ASSESSED_CODES and referral.assessment_date:
            referral.end_code = "16" if contacts.count == 0 else referral.end_code
        if referral.end_code in ASSESSED_ONLY_CODES and not referral.assessment_date:
            referral.assessment_date = referral.discharge_date
        changed.append(referral)
    Referral.objects.bulk_update(
        changed,
        [
            "first_treatment_date",
            "second_treatment_date",
            "last_treatment_date",
            "treatment_contact_count",
            "status",
            "assessment_date",
            "assessed_by",
            "end_code",
        ],
        batch_size=500,
    )


def _record_who_finished_each_course() -> None:
    """Ending a referral ends its allocation and clears ``allocated_to``, so the allocations say
    who treated a finished course (the caseload page counts them). Each course ended after
    treatment keeps, as the actions leave it, an ended allocation to the clinician of its last
    attended session."""
    ended = {
        pk: day
        for pk, day in Referral.objects.filter(
            status=S.ENDED, treatment_contact_count__gt=0, allocations__isnull=True
        ).values_list("pk", "discharge_date")
        if day is not None
    }
    last: dict[int, int] = {}
    for referral_id, clinician_id in (
        AppointmentClinician.objects.filter(
            appointment__attendees__referral_id__in=list(ended),
            appointment__attendees__attendance__in=Attendee.ATTENDED,
        )
        .order_by("appointment__starts_at")
        .values_list("appointment__attendees__referral_id", "clinician_id")
    ):
        last[referral_id] = clinician_id
    Allocation.objects.bulk_create(
        [
            Allocation(
                referral_id=referral_id,
                therapist_id=clinician_id,
                allocated_by_id=clinician_id,
                ended_at=local(ended[referral_id], dt.time(17)),
            )
            for referral_id, clinician_id in last.items()
        ],
        batch_size=500,
    )


def _sync_patient_clinicians() -> None:
    """Each patient's clinician (the banner's) is the one allocated to their open referral."""
    allocated = dict(
        Referral.objects.open()
        .filter(allocated_to__isnull=False)
        .order_by("received_on", "id")
        .values_list("patient_id", "allocated_to_id")
    )
    patients = list(Patient.objects.only("pk", "allocated_clinician_id"))
    for patient in patients:
        patient.allocated_clinician_id = allocated.get(patient.pk)
    Patient.objects.bulk_update(patients, ["allocated_clinician"], batch_size=500)
