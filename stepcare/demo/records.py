"""Demo step: the clinical record for referrals in treatment and discharged.

For each such referral: consent to treatment and to share with the GP, a signed assessment,
a signed risk formulation (a few overdue for review), a safety plan where risk concerns are
recorded, a signed note for each attended session (the latest few still drafts, one left
unsigned for a week), a GP letter after assessment and, for discharged referrals, a discharge
letter. GP practices come from the synthetic national-format file shipped with Stepcare.

Everything is invented. Rows are written in bulk; they are born signed, so the triggers that
refuse an UPDATE of a signed document never fire here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from stepcare.patients.models import Patient, RiskFlag
from stepcare.records.defaults import ensure_defaults
from stepcare.records.gp_practices import read_epraccur
from stepcare.records.models import (
    Assessment,
    Consent,
    Formulation,
    FormulationTemplate,
    GPPractice,
    Letter,
    LetterTemplate,
    LiaisonEntry,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
    TreatmentPlan,
)
from stepcare.referrals.models import ProblemDescriptor, Referral
from stepcare.scheduling.models import Attendee

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

PRACTICE_FILE = Path(__file__).resolve().parent.parent / "records" / "data" / "epraccur-demo.csv"

PRESENTING = {
    "F32": "'I just can't get going any more. Everything feels pointless and I've stopped seeing friends.'",
    "F33": "'It's come back again, like it did after my son was born. I'm sleeping all day.'",
    "F41.1": "'My mind never stops. I worry about work, money, the kids - I can't switch off.'",
    "F43.1": "'I keep seeing the crash. I can't drive past that junction and I jump at every noise.'",
    "F42": "'I have to check the hob and the locks over and over or something terrible will happen.'",
    "F40.1": "'I dread meetings. I'm sure everyone can see me blushing and thinks I'm stupid.'",
    "F41.0": "'The attacks come out of nowhere. I thought I was having a heart attack.'",
}
INTERVENTIONS = {
    "F32": ["Behavioural activation: activity scheduling", "Cognitive restructuring of 'I'm a failure'"],
    "F33": ["Behavioural activation", "Rumination-focused work", "Relapse prevention planning"],
    "F41.1": ["Worry time and worry postponement", "Testing beliefs about uncontrollability of worry"],
    "F43.1": ["Reliving with cognitive restructuring of hotspots", "Site visit planning"],
    "F42": ["Exposure and response prevention: hob checking hierarchy", "Responsibility pie chart"],
    "F40.1": ["Self-focused attention experiment (video feedback)", "Dropping safety behaviours"],
    "F41.0": ["Interoceptive exposure", "Behavioural experiment: running on the stairs"],
}
ONSET_TIMES = ["about six months", "about a year", "about two years"]
ONSET_EVENTS = ["a redundancy", "a bereavement", "a relationship ending", "a period of illness"]
HOMEWORK = [
    "Activity diary every day; two valued activities.",
    "Thought record when mood drops below 4/10.",
    "Worry postponement to 18:30 daily; record what happened.",
    "Exposure practice three times this week, rating anxiety before and after.",
    "Drop one safety behaviour in two conversations; note predictions and outcomes.",
]


def _aware(day: dt.date, hour: int = 17) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def build_records(builder: DemoBuilder) -> None:
    rng = builder.rng
    today = timezone.localdate()
    with open(PRACTICE_FILE, encoding="utf-8", newline="") as handle:
        practices = list(read_epraccur(handle))
    GPPractice.objects.bulk_create(GPPractice(**p) for p in practices)
    for p in practices:  # the demo's patients name the same practices as the directory
        Patient.objects.filter(gp_practice_code=p["ods_code"]).update(gp_practice_name=p["name"])
    directory = {p.ods_code: p for p in GPPractice.objects.all()}

    referrals = list(
        Referral.objects.filter(
            status__in=[Referral.Status.IN_TREATMENT, Referral.Status.ENDED],
            first_treatment_date__isnull=False,
            patient__isnull=False,
        )
        .select_related("patient", "allocated_to")
        .prefetch_related("problem_descriptors")
        .order_by("id")
    )
    flagged = set(RiskFlag.objects.filter(cleared_at__isnull=True).values_list("patient_id", flat=True))
    attended: dict[int, list[Attendee]] = {}
    for a in (
        Attendee.objects.filter(referral__in=referrals, attendance__in=["5", "6"], starts_at__date__lte=today)
        .select_related("appointment")
        .order_by("starts_at", "id")
    ):
        attended.setdefault(a.referral_id, []).append(a)

    ensure_defaults(LetterTemplate, FormulationTemplate)  # an emptied database lost the shipped ones
    five_areas = FormulationTemplate.objects.filter(name="Five areas (generic CBT)").first()
    kinds = (
        Assessment,
        RiskAssessment,
        SafetyPlan,
        SessionNote,
        Letter,
        Formulation,
        TreatmentPlan,
        LiaisonEntry,
    )
    rows: dict[type[Any], list[Any]] = {m: [] for m in kinds}
    consents: list[Consent] = []
    fallback = next(iter(builder.staff.values()))
    for referral in referrals:
        patient = referral.patient
        assert patient is not None
        clinician = referral.allocated_to or fallback
        descriptor = next(iter(referral.problem_descriptors.all()), None)
        code = descriptor.primary if descriptor else "F32"
        assessed_on = referral.assessment_date or referral.first_treatment_date or referral.received_on
        signed = {"status": "signed", "signed_by": clinician, "author": clinician, "updated_by": clinician}
        common = {"patient": patient, "referral": referral}
        consents += [
            Consent(
                patient=patient, scope="treatment", given=True, decided_on=assessed_on, recorded_by=clinician
            ),
            Consent(
                patient=patient,
                scope="share_gp",
                given=rng.random() < 0.93,
                decided_on=assessed_on,
                recorded_by=clinician,
                may_be_told="Assessment outcome, risk and discharge summary",
            ),
        ]
        therapy = rng.choice(["CBT", "CBT", "IPT", "counselling for depression"])
        plan = f"Step {referral.step or '3'}: {therapy}, about {rng.choice([8, 12, 16])} sessions."
        name, nhs = f"{patient.given_name} {patient.family_name}", patient.formatted_nhs_number
        rows[Assessment].append(
            Assessment(
                **common,
                **signed,
                signed_at=_aware(assessed_on),
                assessment_date=assessed_on,
                presenting_problem=PRESENTING.get(code, PRESENTING["F32"]),
                history_onset=f"Started {rng.choice(ONSET_TIMES)} ago after {rng.choice(ONSET_EVENTS)}.",
                previous_treatment=rng.choice(
                    [
                        "None.",
                        "Guided self-help in 2021; some benefit.",
                        "Counselling through work, six sessions.",
                    ]
                ),
                medication=rng.choice(
                    ["None.", "Sertraline 50 mg daily for four months.", "Citalopram 20 mg daily."]
                ),
                substance_use=rng.choice(
                    [
                        "Alcohol within guidelines; no drugs.",
                        "Drinks about 20 units a week, mostly at weekends.",
                    ]
                ),
                physical_health=rng.choice(["Well.", "Type 2 diabetes, diet-controlled.", "Asthma."]),
                employment_social=rng.choice(
                    [
                        "Works full time; lives with partner.",
                        "Off sick from work; lives alone.",
                        "Student; lives with parents.",
                    ]
                ),
                goals="Get back to work and seeing friends; sleep through the night.",
                risk="Passive thoughts at times, no intent or plan; see the risk formulation.",
                problem_descriptor=code if code in ProblemDescriptor.values else "",
                suitability="Suitable for high-intensity therapy; motivated; can attend weekly.",
                plan=plan,
            )
        )
        planned = rng.choice([8, 12, 16])
        rows[TreatmentPlan].append(
            TreatmentPlan(
                **common,
                **signed,
                signed_at=_aware(assessed_on, 19),
                modality="cbt" if "CBT" in plan else "ipt" if "IPT" in plan else "cfd",
                problem_descriptor=code if code in ProblemDescriptor.values else "",
                planned_sessions=planned,
                goals="Back to work full time; sleep through the night; see friends weekly.",
                review_points=f"Sessions {planned // 2} and {planned}.",
            )
        )
        if five_areas is not None:
            rows[Formulation].append(
                Formulation(
                    **common,
                    **signed,
                    signed_at=_aware(assessed_on + dt.timedelta(days=7)),
                    template=five_areas,
                    sections={
                        "situation": "Made redundant; money worries; partner working nights.",
                        "thoughts": "'I'm useless'; 'It will never get better'.",
                        "emotions": "Low (80%), guilty (60%), anxious (50%).",
                        "physical": "Tired all the time; poor sleep; tension headaches.",
                        "behaviour": "Stays in bed; stopped football; avoids friends' calls.",
                    },
                )
            )
        review = assessed_on + dt.timedelta(days=rng.choice([28, 42, 84]))
        if referral.status == Referral.Status.IN_TREATMENT and rng.random() < 0.1:
            review = today - dt.timedelta(days=rng.randrange(1, 14))  # overdue: shows on the banner
        rows[RiskAssessment].append(
            RiskAssessment(
                **common,
                **signed,
                signed_at=_aware(assessed_on, 18),
                current_thoughts=rng.choice(
                    [
                        "Fleeting thoughts that things would be easier if they did not wake up; "
                        "none in the last week.",
                        "Denies thoughts of suicide or self-harm.",
                        "Thoughts of self-harm when arguments at home escalate; "
                        "last acted on three years ago.",
                    ]
                ),
                intent="No intent; describes the thoughts as unwanted.",
                plans="No plans or preparations.",
                history=rng.choice(["No history of self-harm.", "Overdose aged 19; no repeat since."]),
                triggers="Conflict at home; drinking; anniversaries.",
                protective_factors=rng.choice(
                    ["Children; faith; close sister.", "Dog; job; wants to get better."]
                ),
                safeguarding_children=rng.choice(
                    ["No children in the household.", "Two children (6, 9); no concerns."]
                ),
                safeguarding_adults="No concerns.",
                domestic_abuse="Asked; none disclosed.",
                risk_to_others="None identified.",
                summary="Passive thoughts at times without intent or plan; protective factors are strong; "
                "engaged with therapy.",
                actions="Crisis numbers given; safety plan discussed; GP informed by letter.",
                review_date=review,
            )
        )
        if patient.pk in flagged:
            rows[SafetyPlan].append(
                SafetyPlan(
                    **common,
                    **signed,
                    signed_at=_aware(assessed_on, 18),
                    warning_signs="Stopping answering the phone; not eating; staying in bed past noon.",
                    coping_strategies="Walk round the park; cold water on my face; music from the playlist.",
                    distraction="My sister's house; the library café.",
                    people_to_ask="Sister; best friend from work.",
                    professionals="My therapist (office hours); my GP; NHS 111 option 2.",
                    environment="Sister keeps spare medication; no stockpiling.",
                    reasons_for_living="My children; seeing my nephew grow up; my dog.",
                )
            )
        sessions = attended.get(referral.pk, [])
        for number, attendee in enumerate(sessions, start=1):
            day = timezone.localtime(attendee.starts_at).date()
            draft = (
                referral.status == Referral.Status.IN_TREATMENT
                and number == len(sessions)
                and rng.random() < 0.3
            )
            work = INTERVENTIONS.get(code, INTERVENTIONS["F32"])
            rows[SessionNote].append(
                SessionNote(
                    **common,
                    author=clinician,
                    updated_by=clinician,
                    status="draft" if draft else "signed",
                    signed_by=None if draft else clinician,
                    signed_at=None if draft else _aware(day, 18),
                    appointment=attendee.appointment,
                    session_date=day,
                    session_number=number,
                    attendance=attendee.attendance,
                    delivery_mode=attendee.appointment.delivery_mode,
                    agenda="Review homework; measures; " + work[number % len(work)].lower() + ".",
                    measures_reviewed="PHQ-9 and GAD-7 completed and discussed.",
                    homework_reviewed=HOMEWORK[(number - 1) % len(HOMEWORK)] if number > 1 else "",
                    interventions=work[number % len(work)],
                    homework_set=HOMEWORK[number % len(HOMEWORK)],
                    risk_check="Asked about thoughts of self-harm and suicide: none since last session.",
                    plan_next="Review homework; continue " + work[(number + 1) % len(work)].lower() + ".",
                )
            )
        if referral.status == Referral.Status.IN_TREATMENT and rng.random() < 0.2:
            rows[LiaisonEntry].append(
                LiaisonEntry(
                    **common,
                    **signed,
                    signed_at=_aware(assessed_on + dt.timedelta(days=14)),
                    contact_date=assessed_on + dt.timedelta(days=14),
                    contact_with="Practice pharmacist",
                    organisation=patient.gp_practice_name,
                    method="Telephone",
                    summary="Discussed how the sedating antidepressant affects morning sessions.",
                    outcome="GP to review the dose at the next appointment; patient informed.",
                    shared_under="The patient's consent to share with the GP.",
                )
            )
        practice = directory.get(patient.gp_practice_code)
        if practice is not None:
            letter_common = {
                **common,
                **signed,
                "recipient_kind": "gp",
                "gp_practice": practice,
                "recipient_name": f"The GP, {practice.name}",
                "recipient_address": practice.address,
            }
            rows[Letter].append(
                Letter(
                    **letter_common,
                    signed_at=_aware(assessed_on + dt.timedelta(days=2)),
                    subject=f"Assessment: {name}, NHS number {nhs}",
                    body=f"Dear colleague,\n\nI assessed {patient.given_name} on {assessed_on:%d/%m/%Y}."
                    f"\n\nPlan: {plan}",
                )
            )
            if referral.status == Referral.Status.ENDED and referral.discharge_date:
                rows[Letter].append(
                    Letter(
                        **letter_common,
                        signed_at=_aware(referral.discharge_date),
                        subject=f"Discharge: {name}, NHS number {nhs}",
                        body=f"Dear colleague,\n\n{patient.given_name} has finished treatment with us. "
                        "A relapse prevention plan has been written together.",
                    )
                )
    Consent.objects.bulk_create(consents, batch_size=500)
    for model, batch in rows.items():
        model.objects.bulk_create(batch, batch_size=500)
    if rows[SessionNote]:
        drafts = SessionNote.objects.filter(status="draft").order_by("id")[:3]
        SessionNote.objects.filter(pk__in=[d.pk for d in drafts]).update(
            created_at=timezone.now() - dt.timedelta(days=7)
        )
    _send_letters(rows[Letter])


def _send_letters(letters: list[Any]) -> None:
    """Every signed demo letter was posted the day after signing, except the two most recent,
    which wait to be sent (so the drafts page lists them)."""
    from stepcare.records.models import LetterDispatch

    signed = sorted((x for x in letters if x.pk and x.signed_at), key=lambda x: (x.signed_at, x.pk))
    today = timezone.localdate()
    LetterDispatch.objects.bulk_create(
        [
            LetterDispatch(
                letter=x,
                patient_id=x.patient_id,
                route=LetterDispatch.Route.POST,
                dispatched_on=min(today, timezone.localtime(x.signed_at).date() + dt.timedelta(days=1)),
                dispatched_by_id=x.signed_by_id,
            )
            for x in signed[:-2]
        ],
        batch_size=500,
    )
