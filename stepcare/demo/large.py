"""The large synthetic service (``stepcare demo --scale large``): a realistic volume for reports.

About 40,000 referrals a year for three years, about 100 clinicians (PWPs at step 2, HITs and
trainees at step 3) with working patterns and leave, their appointments, session-by-session
scores and endings, in a national-like mix: about half of finished courses recover, about two
thirds improve reliably, some deteriorate, some have no score pair.

It tells the same story as the small demo (``story.py``), but decides everything in Python
before writing, batch by batch, in bulk (``demo/bulkload.py``: one COPY or ``executemany`` per
table and batch) and with no per-row actions:

- a referral is screened, then ended without treatment (no appointments) or accepted at a step
  with a problem descriptor; an accepted referral waits, is allocated, attends an assessment
  appointment and then weekly treatment appointments in one of its clinician's free weekly
  slots (a clinician, a patient and a slot are never in two places at once), skipping the
  clinician's leave; some appointments are missed or cancelled;
- each attended individual appointment has PHQ-9 and the anxiety measure for the descriptor
  (GAD-7 beside an ADSM), scored by ``stepcare.measures``; WSAS and the phobia scale at the
  assessment; some people stop answering, so some finished courses have no pair;
- the derived referral fields are computed from the very rows written: first, second and last
  attended treatment dates and the count (``TreatmentContacts.from_dates``), the assessment,
  and the course outcome (``reporting.course.outcome_values``, the function
  ``stepcare check-derived`` recomputes with); endings agree with the diary (a taken-on
  ending has attended treatment, a not-taken-on one has none, nothing after discharge).

Memory is bounded by the batch: only the clinicians' slot calendar lives across batches.
Clinical documents and audit rows are not generated at this scale.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Role
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.demo.bulkload import BulkWriter
from stepcare.demo.generator import (
    CLINICAL_ROLES,
    DEMO_PASSWORD,
    EMPLOYMENT_WEIGHTS,
    ETHNICITY_WEIGHTS,
    LANGUAGE_WEIGHTS,
    DemoBuilder,
    DemoResult,
    synthetic_nhs_number,
)
from stepcare.demo.outcomes import _answers
from stepcare.demo.referrals import NOT_TAKEN_ON_ENDINGS, PROBLEM_WEIGHTS, SOURCE_WEIGHTS
from stepcare.measures import Measure, Registry, score
from stepcare.outcomes.due import anxiety_measure_for
from stepcare.outcomes.models import MeasureResponse, Timepoint
from stepcare.outcomes.registry import service_registry
from stepcare.patients.codes import EmploymentStatus, GenderIdentity, Language, StatedSex
from stepcare.patients.models import Patient
from stepcare.referrals.actions import REFERENCE_ALPHABET, TreatmentContacts
from stepcare.referrals.default_rules import ensure_default_rules
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    Allocation,
    IntakeTeam,
    OnwardReferral,
    ProblemDescriptorRecord,
    Qualification,
    Referral,
    StepChange,
    SuitabilityDecision,
    TherapistProfile,
)
from stepcare.reporting.course import outcome_values
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
    DnaPolicy,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.timeslots import local

S = Referral.Status
Progress = Callable[[str], None]

# Step-2 (PWP) contacts are half an hour, step-3 (HIT) an hour.
PWP_TIMES = tuple(dt.time(h, m) for h in (9, 10, 11, 12, 13, 14, 15, 16) for m in (0, 30))
HIT_TIMES = tuple(dt.time(h) for h in (9, 10, 11, 12, 13, 14, 15, 16, 17))
LATE_TIMES = tuple(dt.time(h) for h in (12, 13, 14, 15, 16, 17, 18, 19))
# How a past appointment went (national attendance codes), by weight.
PAST_OUTCOMES = (("5", 84), ("6", 3), ("3", 6), ("7", 1), ("2", 4), ("4", 2))
# (pattern, weight, fraction of the starting severity left at the end)
PATTERNS = (
    ("recovers", 37, (0.15, 0.42)),
    ("improves", 36, (0.5, 0.7)),
    ("no_change", 16, (0.85, 1.1)),
    ("deteriorates", 6, (1.3, 1.6)),
    ("stops_answering", 5, (1.0, 1.0)),
)
OUTCOME_CODES = tuple(c for c, _w in PAST_OUTCOMES)
OUTCOME_CUM = tuple(sum(w for _c, w in PAST_OUTCOMES[: i + 1]) for i in range(len(PAST_OUTCOMES)))
FIRST_NAMES_F = 160
FIRST_NAMES_M = 120
FAMILY_NAMES = 400


@dataclass
class LargeOptions:
    years: int = 3
    referrals_per_year: int = 40_000
    clinicians: int | None = None  # default: about one per 380 referrals a year (105 for 40,000)
    batch: int = 2_000

    @property
    def clinician_count(self) -> int:
        if self.clinicians is not None:
            return self.clinicians
        return max(6, round(self.referrals_per_year / 380))

    @property
    def total(self) -> int:
        return self.years * self.referrals_per_year


@dataclass(order=True)
class _Slot:
    """A clinician's weekly slot (weekday and time), free from ``free_from``."""

    free_from: dt.date
    order: int
    clinician_id: int = field(compare=False)
    weekday: int = field(compare=False)
    time: dt.time = field(compare=False)
    minutes: int = field(compare=False)


@dataclass
class _Counts:
    referrals: int = 0
    patients: int = 0
    appointments: int = 0
    responses: int = 0


class LargeDemoBuilder(DemoBuilder):
    """Builds the large service in batches of referrals, oldest first."""

    def __init__(
        self, *, seed: int = 2026, options: LargeOptions | None = None, progress: Progress | None = None
    ):
        super().__init__(seed=seed, patients=0)
        self.options = options or LargeOptions()
        self.progress = progress or (lambda _line: None)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.counts = _Counts()
        self.writer: BulkWriter | None = None
        self.registry: Registry = service_registry()
        self._score_cache: dict[tuple[str, int, int], tuple[list[int | None], float, str, bool | None]] = {}
        self._references: set[str] = set()
        self._nhs_numbers: set[str] = set()
        self._slot_order = 0
        # (team id, step) -> heap of slots; clinician id -> set of Mondays on leave.
        self.slots: dict[tuple[int, str], list[_Slot]] = {}
        self.leave: dict[int, set[dt.date]] = {}
        self.late_shift: set[int] = set()

    # -- staff -------------------------------------------------------------------------------

    def build(self) -> DemoResult:
        started = time.monotonic()
        with transaction.atomic():
            org = self.build_organisation()
            result = DemoResult(organisation=org)
            result.accounts = self.build_staff()
            ensure_default_rules()
            IntakeTeam.objects.create(team=self.teams[0], is_default=True)
            DnaPolicy.objects.get_or_create(service=self.teams[0].service)
            clinicians = self.build_clinicians()
        self.progress(
            f"Staff: {len(clinicians)} clinicians across {len(self.teams)} teams "
            f"({sum(1 for _u, step, _t in clinicians if step == '2')} PWPs at step 2, "
            f"{sum(1 for _u, step, _t in clinicians if step == '3')} at step 3), with working "
            "patterns and leave."
        )
        self._build_names()
        self.writer = BulkWriter()
        try:
            self.build_referrals(started)
        finally:
            self.writer.finish()  # the id sequences move past the rows written, even after a failure
        self.analyze()
        record(
            by=None,
            action=AuditEvent.Action.CREATE,
            username="stepcare demo",
            detail={
                "demo": True,
                "scale": "large",
                "seed": self.seed,
                "referrals": self.counts.referrals,
            },
        )
        result.patients = self.counts.patients
        return result

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics after the bulk load. Without it the planner
        still believes the tables are nearly empty until autovacuum gets to them, and chooses
        nested loops over 100,000-row joins (the reporting bench saw the dashboard's queries
        estimated at 144 referrals instead of 120,000)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def build_clinicians(self) -> list[tuple[User, str, int]]:
        """The named clinicians and generated ones up to the wanted count, each in one team at
        one step, with a working pattern, leave, a profile and a qualification."""
        rng = self.rng
        named = list(
            Membership.objects.filter(role__in=[r.value for r in CLINICAL_ROLES])
            .select_related("user")
            .order_by("id")
        )
        team_of: dict[int, tuple[User, str, int]] = {}
        for m in named:
            if m.user_id not in team_of:
                team_of[m.user_id] = (m.user, "2" if m.role == Role.PWP else "3", m.team_id)
        wanted = max(0, self.options.clinician_count - len(team_of))
        password = make_password(DEMO_PASSWORD)
        new_users, plans = [], []
        for n in range(wanted):
            step = "2" if n % 20 < 12 else "3"  # about 60% PWPs
            trainee = step == "3" and n % 10 == 9
            first = self.fake.first_name()
            last = self.fake.last_name()
            username = f"{first}.{last}.{n + 1}".lower().replace(" ", "").replace("'", "")[:150]
            title = (
                "Psychological wellbeing practitioner"
                if step == "2"
                else "Trainee high-intensity therapist"
                if trainee
                else rng.choice(
                    ("High-intensity CBT therapist", "Counsellor for depression", "IPT therapist")
                )
            )
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                job_title=title,
                email=f"{username}@example.nhs.uk",
                password=password,
            )
            new_users.append(user)
            team = self.teams[n % len(self.teams)]
            role = (
                Role.PWP
                if step == "2"
                else Role.TRAINEE_HIGH_INTENSITY_THERAPIST
                if trainee
                else Role.HIGH_INTENSITY_THERAPIST
            )
            plans.append((user, step, team, role))
        User.objects.bulk_create(new_users, batch_size=500)
        Membership.objects.bulk_create(
            [Membership(user=u, team=t, role=r) for u, _s, t, r in plans], batch_size=500
        )
        for user, step, team, _role in plans:
            team_of[user.pk] = (user, step, team.pk)

        supervisor = self.staff.get("amara.okafor")
        profiles, qualifications, hours, away = [], [], [], []
        start = self.today - dt.timedelta(days=365 * self.options.years + 30)
        for user, step, team_id in team_of.values():
            trainee = "Trainee" in user.job_title
            profiles.append(
                TherapistProfile(
                    user=user,
                    caseload_capacity=rng.choice([25, 30, 35]) if step == "2" else rng.choice([18, 22, 25]),
                    supervisor=supervisor if trainee else None,
                )
            )
            level = {"2": "10"}.get(
                step, "12" if "Counsellor" in user.job_title else "15" if "IPT" in user.job_title else "11"
            )
            qualifications.append(
                Qualification(
                    user=user,
                    level=level,
                    awarded_on=None if trainee else dt.date(rng.randrange(2010, 2023), 7, 1),
                    planned_completion_on=self.today + dt.timedelta(days=200) if trainee else None,
                )
            )
            # Working pattern: most full time; some part time (three days); some HITs on a late
            # shift (12:00-20:00) on two days.
            days = list(range(5))
            if rng.random() < 0.2:
                days = sorted(rng.sample(range(5), 3))
            late = step == "3" and rng.random() < 0.15
            if late:
                self.late_shift.add(user.pk)
            late_days = set(rng.sample(days, min(2, len(days)))) if late else set()
            for d in days:
                if d in late_days:
                    hours.append(
                        WorkingHours(clinician=user, weekday=d, starts=dt.time(12), ends=dt.time(20))
                    )
                else:
                    hours.append(
                        WorkingHours(
                            clinician=user,
                            weekday=d,
                            starts=dt.time(9),
                            ends=dt.time(17 if step == "2" else 18),
                        )
                    )
                times = LATE_TIMES if d in late_days else PWP_TIMES if step == "2" else HIT_TIMES
                for t in times:
                    heapq.heappush(
                        self.slots.setdefault((team_id, step), []),
                        _Slot(start, self._next_order(), user.pk, d, t, 30 if step == "2" else 60),
                    )
            # Leave: about six weeks a year, in one- and two-week blocks.
            mondays: set[dt.date] = set()
            year = start
            while year < self.today + dt.timedelta(days=120):
                for weeks in (2, 1, 1, 1, 1):
                    monday = year + dt.timedelta(days=rng.randrange(0, 350))
                    monday -= dt.timedelta(days=monday.weekday())
                    for w in range(weeks):
                        mondays.add(monday + dt.timedelta(weeks=w))
                    away.append(
                        Unavailability(
                            clinician=user,
                            kind="leave",
                            starts_at=local(monday, dt.time(0)),
                            ends_at=local(monday + dt.timedelta(weeks=weeks, days=-2), dt.time(23, 59)),
                            created_by=user,
                        )
                    )
                year += dt.timedelta(days=365)
            self.leave[user.pk] = mondays
        TherapistProfile.objects.bulk_create(profiles, batch_size=500)
        Qualification.objects.bulk_create(qualifications, batch_size=500)
        WorkingHours.objects.bulk_create(hours, batch_size=1000)
        Unavailability.objects.bulk_create(away, batch_size=1000)
        self.users = {pk: u for pk, (u, _s, _t) in team_of.items()}
        for team in self.teams:  # every team can treat at both steps
            for step in ("2", "3"):
                if not self.slots.get((team.pk, step)):
                    other = "3" if step == "2" else "2"
                    self.slots[(team.pk, step)] = self.slots.setdefault((team.pk, other), [])
        return list(team_of.values())

    def _next_order(self) -> int:
        self._slot_order += 1
        return self._slot_order

    # -- people ------------------------------------------------------------------------------

    def _build_names(self) -> None:
        fake = self.fake
        self.names_f = [fake.first_name_female() for _ in range(FIRST_NAMES_F)]
        self.names_m = [fake.first_name_male() for _ in range(FIRST_NAMES_M)]
        self.family = [fake.last_name() for _ in range(FAMILY_NAMES)]
        self.streets = [fake.street_name() for _ in range(300)]
        self.practices = [(f"Y9{n:04d}", f"{fake.last_name()} Medical Practice") for n in range(1, 41)]

    def _weighted_list(self, weights: dict[Any, float]) -> tuple[list[Any], list[float]]:
        return list(weights), list(weights.values())

    def _patient(self, team_id: int, received: dt.date) -> Patient:
        rng = self.rng
        sex = StatedSex.FEMALE if rng.random() < 0.64 else StatedSex.MALE
        given = rng.choice(self.names_f if sex == StatedSex.FEMALE else self.names_m)
        gender = GenderIdentity.FEMALE if sex == StatedSex.FEMALE else GenderIdentity.MALE
        if rng.random() < 0.02:
            gender = GenderIdentity.NON_BINARY
        age = min(90, max(18, int(rng.gauss(38, 14))))
        dob = received - dt.timedelta(days=age * 365 + rng.randrange(0, 365))
        nhs = None
        if rng.random() > 0.03:
            nhs = synthetic_nhs_number(rng)
            while nhs in self._nhs_numbers:
                nhs = synthetic_nhs_number(rng)
            self._nhs_numbers.add(nhs)
        language = self._pick(LANGUAGE_WEIGHTS)
        employment = self._pick(EMPLOYMENT_WEIGHTS)
        if age >= 67 and rng.random() < 0.8:
            employment = EmploymentStatus.RETIRED
        code, practice = rng.choice(self.practices)
        family = rng.choice(self.family)
        patient = Patient(
            nhs_number=nhs,
            given_name=given,
            family_name=family,
            date_of_birth=dob,
            stated_sex=sex,
            gender_identity=gender,
            ethnic_category=self._pick(ETHNICITY_WEIGHTS),
            preferred_language=language,
            interpreter_required=language != Language.ENGLISH and rng.random() < 0.6,
            employment_status=employment,
            address=f"{rng.randrange(1, 200)} {rng.choice(self.streets)}\nNorthbrook",
            postcode=self._postcode(),
            phone_mobile=f"07700 900{rng.randrange(0, 1000):03d}",
            email=f"{given.lower()}.{rng.randrange(10, 99)}@example.com" if rng.random() < 0.7 else "",
            may_phone=True,
            may_text=rng.random() < 0.85,
            may_post=True,
            gp_practice_code=code,
            gp_practice_name=practice,
            team_id=team_id,
        )
        patient.refresh_search_keys()
        return patient

    def _pick(self, weights: Mapping[Any, float]) -> Any:
        cached = getattr(self, "_cum", {})
        self._cum = cached
        key = id(weights)
        if key not in cached:
            total, cum = 0.0, []
            for w in weights.values():
                total += w
                cum.append(total)
            cached[key] = (list(weights), cum, total)
        keys, cum, total = cached[key]
        return self.rng.choices(keys, cum_weights=cum)[0]

    def _reference(self) -> str:
        rng = self.rng
        while True:
            chars = "".join(rng.choices(REFERENCE_ALPHABET, k=8))
            ref = f"SC-{chars[:4]}-{chars[4:]}"
            if ref not in self._references:
                self._references.add(ref)
                return ref

    # -- the diary -----------------------------------------------------------------------------

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

    # -- scores --------------------------------------------------------------------------------

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

    # -- referrals -----------------------------------------------------------------------------

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
