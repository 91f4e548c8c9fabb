"""One referral's path in the large demo, decided in Python before anything is written: screening,
the wait, a clinician's weekly slot, appointments and their attendance, scores, the ending
and every derived field."""

from __future__ import annotations

import datetime as dt
import heapq
import random
from typing import Any

from stepcare.demo.large.common import (
    OUTCOME_CODES,
    OUTCOME_CUM,
    PATTERNS,
    S,
    _Slot,
)
from stepcare.demo.large.staff import StaffBuilder
from stepcare.demo.outcomes import _answers
from stepcare.demo.referrals import NOT_TAKEN_ON_ENDINGS, PROBLEM_WEIGHTS
from stepcare.measures import Measure, score
from stepcare.outcomes.due import anxiety_measure_for
from stepcare.outcomes.models import Timepoint
from stepcare.patients.models import Patient
from stepcare.referrals.actions import TreatmentContacts
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    Referral,
)
from stepcare.reporting.course import outcome_values
from stepcare.scheduling.models import (
    Appointment,
)
from stepcare.scheduling.timeslots import local


class PathwayBuilder(StaffBuilder):
    """Plans each referral's path through the service, from its slot in the calendar."""

    def _take_slot(self, team_id: int, step: str, wanted: dt.date) -> _Slot:
        """The slot of the team and step free soonest; the course starts at its first
        occurrence on or after ``wanted`` (later if every slot is busy until then)."""
        heap = self.slots[(team_id, step)]
        return heapq.heappop(heap)

    def _release_slot(self, team_id: int, step: str, slot: _Slot, free_from: dt.date) -> None:
        slot.free_from = free_from
        slot.order = self._next_order()
        heapq.heappush(self.slots[(team_id, step)], slot)

    @staticmethod
    def _on_or_after(day: dt.date, weekday: int) -> dt.date:
        return day + dt.timedelta(days=(weekday - day.weekday()) % 7)

    def _scored(
        self, measure: Measure, fraction: float, item9: int
    ) -> tuple[list[int | None], float, str, bool | None]:
        span = float(measure.total_max) - float(measure.total_min)
        total = float(measure.total_min) + span * min(max(fraction, 0.0), 1.0)
        key = (measure.code, round(total * 4), item9)
        hit = self._score_cache.get(key)
        if hit is None:
            answers = _answers(measure, key[1] / 4, random.Random(f"{key}"), item9=item9)
            result = score(measure.code, answers, registry=self.registry)
            hit = (list(result.answers), float(result.total), result.severity or "", result.caseness)
            self._score_cache[key] = hit
        return hit

    def _plan(self, referral: Referral, patient: Patient) -> dict[str, Any]:
        """Where on the pathway this referral is today; every derived field is set here from
        the appointments and scores planned for it."""
        rng, today = self.rng, self.today
        plan: dict[str, Any] = {}
        received = referral.received_on
        age = (today - received).days
        if rng.random() < 0.01:
            referral.status = S.ENTERED_IN_ERROR
            referral.error_reason = "Duplicate referral sent twice by the GP practice."
            referral.status_before_error = S.RECEIVED
            return plan
        triage = rng.randrange(1, 15)
        if triage >= age:
            referral.status = rng.choice([S.RECEIVED, S.RECEIVED, S.SCREENED])
            return plan
        decided = received + dt.timedelta(days=triage)
        plan["decided_on"] = decided
        if rng.random() < 0.2:  # not taken on: no appointments
            code = self._pick(NOT_TAKEN_ON_ENDINGS)
            outcome = {"11": "signpost", "13": "refer_elsewhere", "14": "declined", "10": "not_suitable"}.get(
                code
            )
            if outcome:
                plan["decision"], plan["reason"] = (
                    outcome,
                    "Decided at screening after a telephone assessment.",
                )
            referral.status = S.ENDED
            referral.end_code = code
            if code in ASSESSED_ONLY_CODES:
                referral.assessment_date = decided
            referral.discharge_date = min(today, decided + dt.timedelta(days=rng.randrange(0, 15)))
            referral.discharge_summary = "Not taken on for treatment."
            return plan
        problem = self._pick(PROBLEM_WEIGHTS)
        step = "3" if problem in {"F43.1", "F40.1", "F42", "83482000"} or rng.random() < 0.08 else "2"
        referral.step = step
        plan.update(problem=problem, decision=f"accept_{step}", reason="Meets the criteria for the step.")
        # The wait from the decision to the assessment appointment: most within a few weeks,
        # a tail beyond six (step 3 waits longer).
        wait = int(rng.gammavariate(2.0, 5 if step == "2" else 8))
        wanted = decided + dt.timedelta(days=wait)
        if wanted > today + dt.timedelta(days=42):
            referral.status = S.WAITING
            return plan
        slot = self._take_slot(referral.team_id, step, wanted)
        begin = max(wanted, slot.free_from)
        first = self._on_or_after(begin, slot.weekday)
        leave = self.leave.get(slot.clinician_id, set())
        while first - dt.timedelta(days=first.weekday()) in leave:
            first += dt.timedelta(weeks=1)
        if first > today + dt.timedelta(days=42):
            # Every slot is booked that far ahead: on the waiting list, unallocated.
            self._release_slot(referral.team_id, step, slot, slot.free_from)
            referral.status = S.WAITING
            return plan
        clinician = slot.clinician_id
        referral.allocated_to_id = clinician
        plan["clinician"] = clinician
        pattern, _w, (lo, hi) = rng.choices(PATTERNS, weights=[p[1] for p in PATTERNS])[0]
        planned = rng.randrange(2, 8) if step == "2" else rng.randrange(5, 13)
        drops_out = rng.random() < 0.12  # stops coming: one or no treatment appointment
        if drops_out:
            planned = rng.choice((0, 1, 1))
        gap_weeks = rng.randrange(5, 15) if rng.random() < 0.08 else 0  # a wait between 1st and 2nd
        severity = rng.uniform(0.3, 0.8)
        end_fraction = rng.uniform(lo, hi)
        descriptor = problem
        anxiety = anxiety_measure_for(descriptor, self.registry)
        phq9, gad7 = self.registry.get("PHQ-9"), self.registry.get("GAD-7")
        extra = [self.registry.get("WSAS"), self.registry.get("PHOBIA")]
        item9_at = rng.randrange(0, planned + 1) if rng.random() < 0.06 else None
        minutes = slot.minutes

        appts: list[dict[str, Any]] = []
        day = first
        attended_treatment: list[dt.date] = []
        scored_contacts = 0
        misses = 0
        position = 0
        score_list: list[tuple[str, float]] = []
        last_day = first
        while True:
            week = day - dt.timedelta(days=day.weekday())
            if week in leave:
                day += dt.timedelta(weeks=1)
                continue
            assessment = position == 0
            start = local(day, slot.time)
            a = Appointment(
                team_id=referral.team_id,
                kind=Appointment.Kind.INDIVIDUAL,
                app_type="01" if assessment else "02",
                delivery_mode=rng.choices(("01", "02", "11"), weights=(35, 45, 20))[0],
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=minutes),
                interpreter_needed=patient.interpreter_required,
                created_by_id=clinician,
            )
            code = ""
            if start < self.now:
                code = "5" if assessment else rng.choices(OUTCOME_CODES, cum_weights=OUTCOME_CUM)[0]
                if code in ("2", "4"):
                    a.status = Appointment.Status.CANCELLED
                    a.cancelled_by = code
                    a.cancellation_reason = "patient_unwell" if code == "2" else "clinician_unavailable"
                    a.cancelled_at = start - dt.timedelta(days=rng.randrange(1, 4))
            entry: dict[str, Any] = {
                "appointment": a,
                "clinician": clinician,
                "code": code,
                "day": day,
                "problem": descriptor,
            }
            appts.append(entry)
            last_day = day
            if code in ("5", "6"):
                if not assessment:
                    attended_treatment.append(day)
                answers_now = scored_contacts == 0 or (pattern != "stops_answering" and rng.random() > 0.04)
                if answers_now:
                    progress = len(attended_treatment) / max(planned, 1)
                    fraction = severity * (1 + (end_fraction - 1) * min(progress, 1.0)) + rng.uniform(
                        -0.04, 0.04
                    )
                    session = None if assessment else len(attended_treatment)
                    timepoint = Timepoint.ASSESSMENT if assessment else Timepoint.TREATMENT
                    measures = (
                        [phq9, anxiety]
                        + ([gad7] if anxiety.code != "GAD-7" else [])
                        + (extra if assessment else [])
                    )
                    rows = []
                    for m in measures:
                        item9 = (
                            (1 if rng.random() < 0.7 else 2)
                            if m is phq9 and item9_at == scored_contacts
                            else 0
                        )
                        answers, total, severity_band, caseness = self._scored(m, fraction, item9)
                        rows.append((m.code, answers, total, severity_band, caseness, timepoint, session))
                        score_list.append((m.code, total))
                    entry["scores"] = rows
                    scored_contacts += 1
                misses = 0
            elif code:
                misses += 1
            position += 1
            if assessment and drops_out and planned == 0 and start < self.now:
                # Assessed, then did not take up treatment: two missed treatment appointments.
                for k in (1, 2):
                    d2 = day + dt.timedelta(weeks=k)
                    s2 = local(d2, slot.time)
                    if s2 >= self.now:
                        break
                    appts.append(
                        {
                            "appointment": Appointment(
                                team_id=referral.team_id,
                                kind=Appointment.Kind.INDIVIDUAL,
                                app_type="02",
                                delivery_mode="02",
                                starts_at=s2,
                                ends_at=s2 + dt.timedelta(minutes=minutes),
                                created_by_id=clinician,
                            ),
                            "clinician": clinician,
                            "code": "3",
                            "day": d2,
                            "problem": descriptor,
                        }
                    )
                    last_day = d2
                break
            if len(attended_treatment) >= planned and not assessment:
                break
            if misses >= 3 or position > planned + 5:
                break
            if start >= self.now and position > planned:
                break
            day += dt.timedelta(
                weeks=1 + (gap_weeks if len(attended_treatment) == 1 and position == 2 else 0)
            )
        # The slot is busy until the last appointment; free the week after.
        self._release_slot(referral.team_id, step, slot, last_day + dt.timedelta(days=1))
        plan["appointments"] = appts

        contacts = TreatmentContacts.from_dates(attended_treatment)
        referral.first_treatment_date = contacts.first
        referral.second_treatment_date = contacts.second
        referral.last_treatment_date = contacts.last
        referral.treatment_contact_count = contacts.count
        assessed = [e["day"] for e in appts if e["appointment"].app_type == "01" and e["code"] in ("5", "6")]
        if assessed:
            referral.assessment_date = assessed[0]
            referral.assessed_by_id = clinician
        for name, value in outcome_values(descriptor, score_list, self.registry).items():
            setattr(referral, name, value)
        all_past = all(e["appointment"].starts_at < self.now for e in appts)
        discharge = last_day + dt.timedelta(days=rng.randrange(0, 6))
        if all_past and discharge <= today:
            referral.status = S.ENDED
            referral.discharge_date = discharge
            referral.allocated_to_id = None
            if contacts.count == 0:
                referral.end_code = "12" if assessed else "16"
                referral.discharge_summary = "Not taken on for treatment: agreed with the person."
            else:
                if drops_out or misses >= 3:
                    referral.end_code = "47"
                else:
                    referral.end_code = rng.choices(("46", "47", "48", "96"), weights=(88, 6, 3, 3))[0]
                referral.discharge_summary = (
                    "Course of treatment ended; outcomes discussed and relapse-prevention plan agreed."
                )
            # Appointments still booked in the future are impossible here: all are past.
        else:
            referral.status = S.IN_TREATMENT if contacts.count else S.ALLOCATED
        return plan
