"""A patient's appointments, one appointment's page, the suggestion after a missed
appointment, and open follow-up tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.patients.models import (
    BANNER_ANNOTATIONS,
    Patient,
    copy_banner_annotations,
    item9_annotations,
    risk_review_annotations,
)
from stepcare.scheduling.models import (
    Appointment,
    Attendee,
    DnaPolicy,
    FollowUpTask,
)


def patient_appointments(*, patient: Patient) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(attendees__patient=patient)
        .for_display()
        .select_related("rebooked_from")
        .order_by("starts_at", "id")
        .distinct()
    )


def appointments_for_page() -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_display()
        .select_related("rebooked_from", "created_by", "team__service")
        .prefetch_related("rebookings", "follow_up_tasks")
    )


def with_banner_risk(appointment: Appointment) -> Appointment:
    """The appointment, its attendees' patients given the banner's risk values: copied from the
    attendees when they were read with them (``for_display``), else read in one query."""
    attendees = list(appointment.attendees.all())
    if all(hasattr(a, "banner_risk_reviewed_at") for a in attendees):
        for attendee in attendees:
            copy_banner_annotations(attendee, attendee.patient)
    else:
        _with_banner_risk([a.patient for a in attendees])
    return appointment


def _with_banner_risk(patients: list[Patient]) -> None:
    """Give the attendees' patients the banner's risk formulation and PHQ-9 item 9 values
    (one query), so every appointment page's banner shows them."""
    if not patients:
        return
    rows = Patient.objects.filter(pk__in=[p.pk for p in patients]).annotate(
        **risk_review_annotations(), **item9_annotations()
    )
    found = {r["pk"]: r for r in rows.values("pk", *BANNER_ANNOTATIONS)}
    for patient in patients:
        for name in BANNER_ANNOTATIONS:
            setattr(patient, name, found.get(patient.pk, {}).get(name))


def appointment_for_page(*, pk: int) -> Appointment:
    return with_banner_risk(appointments_for_page().get(pk=pk))


def appointment_for_measures(*, pk: int) -> Appointment:
    """An appointment with its team and its attendees (patient and referral): what the outcome
    measures page of a contact needs, without the diary's rooms, clinicians and rebookings."""
    return (
        Appointment.objects.select_related("team")
        .prefetch_related(
            Prefetch(
                "attendees", queryset=Attendee.objects.select_related("patient", "referral").order_by("id")
            )
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class DnaSuggestion:
    missed: int
    kind: str  # a FollowUpTask.Kind value, or "" for no suggestion
    text: str
    source: str
    due_on: dt.date


def dna_policy_for(*, service_id: int) -> DnaPolicy:
    return DnaPolicy.objects.filter(service_id=service_id).first() or DnaPolicy(service_id=service_id)


def dna_suggestion(*, attendee: Attendee, service_id: int, today: dt.date | None = None) -> DnaSuggestion:
    """What the service's policy suggests after this patient missed an appointment.

    A suggestion for a person to accept or ignore: nothing happens automatically.
    """
    policy = dna_policy_for(service_id=service_id)
    missed = Attendee.objects.filter(referral_id=attendee.referral_id, attendance__in=Attendee.MISSED).count()
    today = today or timezone.localdate()
    due = today + dt.timedelta(days=policy.contact_within_days)
    if policy.review_for_discharge_after and missed >= policy.review_for_discharge_after:
        return DnaSuggestion(
            missed,
            FollowUpTask.Kind.DISCHARGE_REVIEW,
            f"{missed} missed appointments in this referral. The service's policy suggests reviewing "
            "whether to discharge — a clinical decision, after trying to contact the patient.",
            policy.source,
            due,
        )
    if policy.contact_after_each_dna:
        return DnaSuggestion(
            missed,
            FollowUpTask.Kind.CONTACT_AFTER_DNA,
            f"The service's policy suggests contacting the patient within {policy.contact_within_days} days "
            "to check they are safe and offer another appointment.",
            policy.source,
            due,
        )
    return DnaSuggestion(missed, "", "", policy.source, due)


def open_follow_up_tasks(*, user: User) -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.filter(assigned_to=user, status=FollowUpTask.Status.OPEN).select_related(
        "patient", "appointment"
    )
