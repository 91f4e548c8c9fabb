"""Demo step: referrals in every state, with realistic volumes and waits, a directory of local
organisations, intake routing, and therapists' qualifications and capacity."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Role
from stepcare.patients.models import Patient
from stepcare.referrals.actions import REFERENCE_ALPHABET
from stepcare.referrals.default_rules import ensure_default_rules
from stepcare.referrals.models import (
    ASSESSED_ONLY_CODES,
    Agency,
    Allocation,
    IntakeTeam,
    OnwardReferral,
    ProblemDescriptorRecord,
    Qualification,
    Referral,
    StepChange,
    SuitabilityDecision,
    TherapistProfile,
    WaitingPause,
)

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

S = Referral.Status

AGENCIES = [
    (
        "Northbrook Housing Options",
        Agency.Category.HOUSING,
        "Council housing advice, homelessness prevention and tenancy support.",
        "0113 496 0101",
        True,
    ),
    (
        "Shelter Northbrook",
        Agency.Category.HOUSING,
        "Independent housing advice and advocacy.",
        "0113 496 0102",
        False,
    ),
    (
        "Northbrook Police – Vulnerability Team",
        Agency.Category.POLICE,
        "Safeguarding and domestic abuse support from the police. In an emergency call 999.",
        "101",
        True,
    ),
    (
        "Northbrook Council Adult Social Care",
        Agency.Category.LOCAL_AUTHORITY,
        "Care needs assessments, carers' support, safeguarding adults.",
        "0113 496 0103",
        True,
    ),
    (
        "Working Well Northbrook",
        Agency.Category.EMPLOYMENT,
        "Employment support for people with health conditions: staying in work and finding work.",
        "0113 496 0104",
        True,
    ),
    (
        "Access to Work (DWP)",
        Agency.Category.EMPLOYMENT,
        "Grants for practical support at work for people with a health condition.",
        "0800 121 7479",
        False,
    ),
    (
        "Northbrook Community Mental Health Team",
        Agency.Category.SECONDARY_CARE,
        "Secondary care for severe and complex mental illness. Referral by GP or professionals.",
        "0113 496 0105",
        True,
    ),
    (
        "Northbrook Crisis and Home Treatment Team",
        Agency.Category.CRISIS,
        "24-hour urgent mental health assessment and home treatment.",
        "0800 555 0199",
        True,
    ),
    (
        "Northbrook Mind",
        Agency.Category.VOLUNTARY,
        "Peer support groups, wellbeing courses and advocacy.",
        "0113 496 0106",
        False,
    ),
    (
        "Northbrook Citizens Advice",
        Agency.Category.DEBT,
        "Free advice on money, debt, benefits and employment rights.",
        "0113 496 0107",
        False,
    ),
    (
        "Cruse Bereavement Support",
        Agency.Category.VOLUNTARY,
        "Support after the death of someone close.",
        "0808 808 1677",
        False,
    ),
    (
        "Northbrook Women's Aid",
        Agency.Category.VOLUNTARY,
        "Refuge, outreach and advice for people affected by domestic abuse.",
        "0113 496 0108",
        True,
    ),
    (
        "Northbrook Drug and Alcohol Service",
        Agency.Category.OTHER,
        "Treatment and recovery support for drug and alcohol use.",
        "0113 496 0109",
        True,
    ),
]

# Problem descriptors, roughly as often as in national data (DOMAIN.md §2).
PROBLEM_WEIGHTS = {
    "F32": 30,
    "F33": 12,
    "F41.1": 26,
    "F43.1": 7,
    "F42": 3,
    "F40.1": 3,
    "F41.0": 2.5,
    "F41.2": 2.5,
    "F45.2": 1.5,
    "F40.2": 1,
    "F40.0": 0.8,
    "83482000": 0.2,
}
SOURCE_WEIGHTS = {
    "self": 62,
    "gp": 28,
    "primary_care": 3,
    "secondary_care": 2,
    "employer": 1,
    "voluntary": 2,
    "other": 2,
}
TAKEN_ON_ENDINGS = {"46": 62, "47": 30, "48": 5, "96": 3}
NOT_TAKEN_ON_ENDINGS = {"50": 30, "14": 20, "11": 15, "13": 12, "10": 10, "16": 8, "12": 5}
STEP_UP_HANDOVER = (
    "PHQ-9 still in the moderate range after six sessions of guided self-help; stepping up to CBT."
)
QUALIFICATIONS_BY_TITLE = {
    "CBT": ["11"],
    "IPT": ["15"],
    "Counsellor": ["12"],
    "wellbeing": ["10"],
    "Trainee": [],
    "Employment": ["30"],
}


def build_referrals(builder: DemoBuilder) -> None:
    rng = builder.rng
    today = timezone.localdate()
    teams = builder.teams
    ensure_default_rules()  # a reset demo has lost the rules the migration added
    IntakeTeam.objects.create(team=teams[0], is_default=True)
    for i, team in enumerate(teams[1:], start=1):
        IntakeTeam.objects.create(
            team=team, gp_practice_codes=[f"Y9{n:04d}" for n in range(1, 13) if n % 3 == i]
        )
    Agency.objects.bulk_create(
        Agency(
            name=n,
            category=c,
            description=d,
            phone=p,
            accepts_referrals=r,
            email=f"{n.split()[1].lower()}@example.org",
        )
        for n, c, d, p, r in AGENCIES
    )

    clinicians: dict[int, dict[str, list[User]]] = {t.pk: {"2": [], "3": []} for t in teams}
    for m in (
        Membership.objects.filter(
            role__in=[Role.HIGH_INTENSITY_THERAPIST, Role.PWP, Role.TRAINEE_HIGH_INTENSITY_THERAPIST]
        )
        .select_related("user")
        .order_by("id")
    ):
        clinicians[m.team_id]["2" if m.role == Role.PWP else "3"].append(m.user)
    therapists = {u for by_step in clinicians.values() for users in by_step.values() for u in users}
    for user in sorted(therapists | {builder.staff["owen.clarke"]}, key=lambda u: u.username):
        TherapistProfile.objects.create(
            user=user,
            caseload_capacity=rng.choice([18, 22, 25, 28]),
            # A trainee takes step-3 work only with a named supervisor.
            supervisor=builder.staff.get("amara.okafor") if "Trainee" in user.job_title else None,
        )
        for key, levels in QUALIFICATIONS_BY_TITLE.items():
            if key.lower() in user.job_title.lower():
                for level in levels:
                    Qualification.objects.create(
                        user=user, level=level, awarded_on=dt.date(rng.randrange(2012, 2024), 7, 1)
                    )
        if "Trainee" in user.job_title:
            Qualification.objects.create(
                user=user, level="11", planned_completion_on=today + dt.timedelta(days=200)
            )
    Qualification.objects.get_or_create(
        user=builder.staff["isaac.mensah"], level="17", defaults={"awarded_on": dt.date(2019, 3, 1)}
    )

    decider = builder.staff["amara.okafor"]
    references: set[str] = set()

    def reference() -> str:
        while True:
            chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
            ref = f"SC-{chars[:4]}-{chars[4:]}"
            if ref not in references:
                references.add(ref)
                return ref

    def weighted(weights: Mapping[str, float]) -> str:
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    plans: list[tuple[Referral, dict[str, Any]]] = []
    for patient in Patient.objects.order_by("id").only(
        "id", "team_id", "gp_practice_code", "gp_practice_name"
    ):
        age = int(rng.expovariate(1 / 110))  # days since received: many recent, a long tail
        age = min(age, 700)
        received = today - dt.timedelta(days=age)
        referral = Referral(
            reference=reference(),
            team_id=patient.team_id,
            patient_id=patient.pk,
            source=weighted(SOURCE_WEIGHTS),
            received_on=received,
            urgency="urgent" if rng.random() < 0.04 else "routine",
            consent_given=True,
            presenting_difficulties=rng.choice(
                [
                    "Low mood for several months, struggling to get out of bed, stopped seeing friends.",
                    "Constant worry about work and money; poor sleep; tense all the time.",
                    "Panic attacks on buses and in shops since last year.",
                    "Nightmares and flashbacks after a car crash; avoiding driving.",
                    "Checking the door and the cooker for hours; it is affecting my job.",
                    "Very anxious in social situations; dread meetings and eating in front of people.",
                    "Feeling low since my mum died; not coping at home.",
                ]
            ),
            gp_practice_code=patient.gp_practice_code,
            gp_practice_name=patient.gp_practice_name,
        )
        plans.append(_plan(referral, age, rng, today, clinicians[patient.team_id], weighted))
    Referral.objects.bulk_create([p[0] for p in plans], batch_size=500)

    decisions, descriptors, steps, allocations, pauses = [], [], [], [], []
    onward: list[OnwardReferral] = []
    receiving = Agency.objects.filter(accepts_referrals=True).order_by("name").first()
    for referral, plan in plans:
        if plan.get("onward"):
            onward.append(
                OnwardReferral(
                    referral=referral,
                    agency=receiving,
                    organisation_name="" if receiving else "Northbrook community mental health team",
                    kind=OnwardReferral.Kind.REFERRAL,
                    reason="Needs care the service does not offer.",
                    made_by=decider,
                    made_on=plan["decided_on"],
                )
            )
        if plan.get("decision"):
            decisions.append(
                SuitabilityDecision(
                    referral=referral, outcome=plan["decision"], reason=plan["reason"], decided_by=decider
                )
            )
        if plan.get("problem"):
            descriptors.append(
                ProblemDescriptorRecord(
                    referral=referral,
                    primary=plan["problem"],
                    recorded_on=plan["decided_on"],
                    recorded_by=decider,
                )
            )
        if referral.step:
            steps.append(
                StepChange(
                    referral=referral,
                    from_step="",
                    to_step=plan["first_step"],
                    handover_summary=plan["reason"],
                    changed_by=decider,
                    changed_on=plan["decided_on"],
                )
            )
            if plan["first_step"] != referral.step:
                steps.append(
                    StepChange(
                        referral=referral,
                        from_step=plan["first_step"],
                        to_step=referral.step,
                        handover_summary=STEP_UP_HANDOVER,
                        changed_by=decider,
                        changed_on=referral.first_treatment_date or today,
                    )
                )
        if referral.allocated_to_id:
            allocations.append(
                Allocation(referral=referral, therapist_id=referral.allocated_to_id, allocated_by=decider)
            )
        if plan.get("pause"):
            pauses.append(
                WaitingPause(
                    referral=referral,
                    start_date=plan["pause"][0],
                    end_date=plan["pause"][1],
                    reason="Asked us to wait: away caring for a relative.",
                    recorded_by=decider,
                )
            )
    SuitabilityDecision.objects.bulk_create(decisions, batch_size=500)
    ProblemDescriptorRecord.objects.bulk_create(descriptors, batch_size=500)
    StepChange.objects.bulk_create(steps, batch_size=500)
    Allocation.objects.bulk_create(allocations, batch_size=500)
    WaitingPause.objects.bulk_create(pauses, batch_size=500)
    OnwardReferral.objects.bulk_create(onward, batch_size=500)


def _plan(
    referral: Referral,
    age: int,
    rng: random.Random,
    today: dt.date,
    team_clinicians: dict[str, list[User]],
    weighted: Callable[[Mapping[str, float]], str],
) -> tuple[Referral, dict[str, Any]]:
    """Decide where on the pathway this referral is now, keeping every date consistent."""
    plan: dict[str, Any] = {}
    received = referral.received_on
    if rng.random() < 0.01:
        referral.status = S.ENTERED_IN_ERROR
        referral.error_reason = "Duplicate referral sent twice by the GP practice."
        referral.status_before_error = S.RECEIVED
        return referral, plan
    triage_days = min(age, rng.randrange(2, 15))
    if age < triage_days + 1 or (age < 12 and rng.random() < 0.7):
        referral.status = rng.choice([S.RECEIVED, S.RECEIVED, S.SCREENED, S.ASSESSED])
        if referral.status == S.ASSESSED:
            referral.assessment_date = received + dt.timedelta(days=min(age, rng.randrange(1, 8)))
        return referral, plan
    decided_on = received + dt.timedelta(days=triage_days)
    plan["decided_on"] = decided_on
    if rng.random() < 0.22:  # not taken on
        code = weighted(NOT_TAKEN_ON_ENDINGS)
        outcome = {"11": "signpost", "13": "refer_elsewhere", "14": "declined", "10": "not_suitable"}.get(
            code
        )
        if outcome:
            plan["decision"], plan["reason"] = outcome, "Decided at screening after a telephone assessment."
        referral.status = S.ENDED
        referral.end_code = code
        if code in ASSESSED_ONLY_CODES:
            referral.assessment_date = decided_on
        if code == "13":
            plan["onward"] = True
        referral.discharge_date = min(today, decided_on + dt.timedelta(days=rng.randrange(0, 20)))
        referral.discharge_summary = "Not taken on for treatment."
        return referral, plan
    problem = weighted(PROBLEM_WEIGHTS)
    step = "3" if problem in {"F43.1", "F40.1", "F42", "83482000"} or rng.random() < 0.3 else "2"
    plan.update(
        problem=problem, first_step=step, decision=f"accept_{step}", reason="Meets the criteria for the step."
    )
    referral.step = step
    wait = int(rng.gammavariate(2.0, 9 if step == "2" else 22))  # step 3 waits are longer
    start = decided_on + dt.timedelta(days=wait)
    clinicians = team_clinicians[step] or team_clinicians["3"] or team_clinicians["2"]
    if start >= today:
        referral.status = S.ALLOCATED if rng.random() < 0.35 else S.WAITING
        if referral.status == S.ALLOCATED:
            referral.allocated_to = rng.choice(clinicians)
        if rng.random() < 0.08 and age > 20:
            p_start = received + dt.timedelta(days=rng.randrange(5, age - 5))
            plan["pause"] = (
                p_start,
                None if rng.random() < 0.4 else min(today, p_start + dt.timedelta(days=rng.randrange(7, 28))),
            )
        return referral, plan
    # Provisional dates for the bulk build: the story step (demo/story.py) recomputes them from the
    # attended appointments, and `stepcare check-derived` is clean on a fresh demo.
    referral.first_treatment_date = referral.last_treatment_date = start
    referral.treatment_contact_count = 1
    referral.allocated_to = rng.choice(clinicians)
    course = rng.randrange(28, 150)
    if step == "2" and rng.random() < 0.15 and team_clinicians["3"]:
        referral.step = "3"
        referral.allocated_to = rng.choice(team_clinicians["3"])
    if start + dt.timedelta(days=course) < today:
        referral.status = S.ENDED
        referral.end_code = weighted(TAKEN_ON_ENDINGS)
        referral.discharge_date = start + dt.timedelta(days=course)
        referral.discharge_summary = (
            "Course of treatment ended; outcomes discussed and relapse-prevention plan agreed."
        )
        referral.allocated_to = None
    else:
        referral.status = S.IN_TREATMENT
    return referral, plan
