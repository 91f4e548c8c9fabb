"""Writing the large demo batch by batch, oldest referrals first: each batch's patients,
referrals, decisions, allocations, appointments, attendees and scores, one bulk write per table."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from stepcare.demo.large.common import (
    S,
)
from stepcare.demo.large.pathway import PathwayBuilder
from stepcare.demo.referrals import SOURCE_WEIGHTS
from stepcare.outcomes.models import MeasureResponse
from stepcare.patients.models import Patient
from stepcare.referrals.models import (
    Allocation,
    OnwardReferral,
    ProblemDescriptorRecord,
    Referral,
    StepChange,
    SuitabilityDecision,
)
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
)
from stepcare.scheduling.timeslots import local


class BatchBuilder(PathwayBuilder):
    """Writes the referrals in batches, each table of a batch in one bulk write."""

    def build_referrals(self, started: float) -> None:
        opts = self.options
        rng = self.rng
        first_day = self.today - dt.timedelta(days=365 * opts.years)
        span = (self.today - first_day).days
        total = opts.total
        # Receipt dates, oldest first, drawn without holding them all: the n-th referral of
        # ``total`` is received around day n * span / total.
        done = 0
        build_started = time.monotonic()
        next_report = 0
        while done < total:
            size = min(opts.batch, total - done)
            days = sorted(
                first_day + dt.timedelta(days=min(span, int((done + i + rng.random()) * span / total)))
                for i in range(size)
            )
            with transaction.atomic():
                self._build_batch(days)
            done += size
            if done >= next_report or done == total:
                elapsed = time.monotonic() - build_started
                per_second = done / elapsed if elapsed else 0.0
                eta = (total - done) / per_second if per_second else 0.0
                year = min(opts.years, 1 + (done - 1) * opts.years // total)
                self.progress(
                    f"Year {year} of {opts.years}: {done:,} of {total:,} referrals "
                    f"({self.counts.appointments:,} appointments, {self.counts.responses:,} scores), "
                    f"{per_second:,.0f} referrals/s, about {eta / 60:.1f} min to go"
                )
                next_report = done + max(opts.batch, min(10_000, total // 10 or 1))

    def _build_batch(self, days: list[dt.date]) -> None:
        rng = self.rng
        writer = self.writer
        assert writer is not None
        new = writer.assign
        lead = self.staff.get("amara.okafor") or next(iter(self.staff.values()))
        patients: list[Patient] = []
        referrals: list[Referral] = []
        plans: list[dict[str, Any]] = []
        for received in days:
            team = self.teams[rng.randrange(len(self.teams))]
            patient = self._patient(team.pk, received)
            new(patient)
            referral = Referral(
                reference=self._reference(),
                team_id=team.pk,
                source=self._pick(SOURCE_WEIGHTS),
                received_on=received,
                urgency="urgent" if rng.random() < 0.04 else "routine",
                consent_given=True,
                gp_practice_code=patient.gp_practice_code,
                gp_practice_name=patient.gp_practice_name,
                preferred_language=patient.preferred_language,
                interpreter_required=patient.interpreter_required,
            )
            new(referral)
            plans.append(self._plan(referral, patient))
            patients.append(patient)
            referrals.append(referral)
        for patient, referral in zip(patients, referrals, strict=True):
            if referral.allocated_to_id and referral.status != S.ENDED:
                patient.allocated_clinician_id = referral.allocated_to_id  # the banner's clinician
        for patient, referral in zip(patients, referrals, strict=True):
            referral.patient_id = patient.pk
        writer.write(Patient, patients)
        writer.write(Referral, referrals)

        decisions, descriptors, steps, allocations, onward = [], [], [], [], []
        appointments: list[Appointment] = []
        places: list[tuple[int, Referral, Patient, dict[str, Any]]] = []
        for patient, referral, plan in zip(patients, referrals, plans, strict=True):
            decided: dt.date = plan.get("decided_on") or referral.received_on
            if plan.get("decision"):
                decisions.append(
                    SuitabilityDecision(
                        referral=referral, outcome=plan["decision"], reason=plan["reason"], decided_by=lead
                    )
                )
            if referral.end_code == "13":
                onward.append(
                    OnwardReferral(
                        referral=referral,
                        organisation_name="Northbrook community mental health team",
                        kind=OnwardReferral.Kind.REFERRAL,
                        reason="Needs care the service does not offer.",
                        made_by=lead,
                        made_on=referral.discharge_date or decided,
                    )
                )
            if plan.get("problem"):
                descriptors.append(
                    ProblemDescriptorRecord(
                        referral=referral, primary=plan["problem"], recorded_on=decided, recorded_by=lead
                    )
                )
                steps.append(
                    StepChange(
                        referral=referral,
                        from_step="",
                        to_step=referral.step,
                        handover_summary=plan["reason"],
                        changed_by=lead,
                        changed_on=decided,
                    )
                )
            if plan.get("clinician"):
                allocations.append(
                    Allocation(
                        referral=referral,
                        therapist_id=plan["clinician"],
                        allocated_by=lead,
                        ended_at=local(referral.discharge_date, dt.time(17))
                        if referral.discharge_date
                        else None,
                    )
                )
            for appt in plan.get("appointments", []):
                appointments.append(appt["appointment"])
                places.append((len(appointments) - 1, referral, patient, appt))
        self._assign(decisions, descriptors, steps, allocations, onward, appointments)
        writer.write(SuitabilityDecision, decisions)
        writer.write(ProblemDescriptorRecord, descriptors)
        writer.write(StepChange, steps)
        writer.write(Allocation, allocations)
        writer.write(OnwardReferral, onward)
        writer.write(Appointment, appointments)

        clinician_rows, attendees, responses = [], [], []
        for index, referral, patient, appt in places:
            a = appointments[index]
            live = a.status == Appointment.Status.BOOKED
            clinician_rows.append(
                AppointmentClinician(
                    appointment=a,
                    clinician_id=appt["clinician"],
                    starts_at=a.starts_at,
                    ends_at=a.ends_at,
                    live=live,
                )
            )
            code = appt["code"]
            attendees.append(
                Attendee(
                    appointment=a,
                    patient=patient,
                    referral=referral,
                    starts_at=a.starts_at,
                    ends_at=a.ends_at,
                    live=live,
                    attendance=code,
                    attendance_recorded_at=a.ends_at if code else None,
                    attendance_recorded_by_id=appt["clinician"] if code else None,
                )
            )
            for measure_code, answers, total, severity, caseness, timepoint, session in appt.get(
                "scores", ()
            ):
                responses.append(
                    MeasureResponse(
                        patient=patient,
                        referral=referral,
                        appointment=a,
                        measure=measure_code,
                        answers=answers,
                        total=total,
                        severity=severity,
                        caseness=caseness,
                        item9=answers[8] if measure_code == "PHQ-9" else None,
                        timepoint=timepoint,
                        session_number=session,
                        completed_on=appt["day"],
                        problem_descriptor=appt["problem"],
                        recorded_by_id=appt["clinician"],
                    )
                )
        self._assign(clinician_rows, attendees, responses)
        writer.write(AppointmentClinician, clinician_rows)
        writer.write(Attendee, attendees)
        writer.write(MeasureResponse, responses)
        self.counts.referrals += len(referrals)
        self.counts.patients += len(patients)
        self.counts.appointments += len(appointments)
        self.counts.responses += len(responses)

    def _assign(self, *groups: Iterable[Any]) -> None:
        assert self.writer is not None
        for objs in groups:
            for obj in objs:
                self.writer.assign(obj)
