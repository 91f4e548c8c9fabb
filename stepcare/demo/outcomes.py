"""Demo step: session-by-session questionnaire scores for attended appointments.

Each course follows one of the national patterns (DOMAIN.md §2: about half recover, about two
thirds improve reliably, about 6% deteriorate), and some people stop coming after their first
scores, so their course is not paired. Answers are invented item by item; every total, band
and caseness flag is scored by `stepcare.measures`, exactly as when a clinician enters them.
A few people answer PHQ-9 item 9 above 0 at one contact, so the prompt shows in the demo.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import TYPE_CHECKING

from django.utils import timezone

from stepcare.measures import Measure, score
from stepcare.outcomes.due import anxiety_measure_for
from stepcare.outcomes.models import MeasureResponse, Timepoint
from stepcare.outcomes.registry import service_registry
from stepcare.referrals.models import ProblemDescriptorRecord
from stepcare.reporting.course import outcome_mismatches
from stepcare.scheduling.models import TREATMENT_TYPES, AppointmentClinician, Attendee

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

# (pattern, weight, fraction of the starting severity left at the end). About half of the courses
# that start at caseness end below it, as nationally (some of those that improve do too).
PATTERNS = (
    ("recovers", 40, (0.2, 0.45)),
    ("improves", 20, (0.5, 0.65)),
    ("no_change", 27, (0.85, 1.1)),
    ("deteriorates", 6, (1.3, 1.6)),
    ("drops_out", 7, (1.0, 1.0)),
)


def _answers(measure: Measure, total: float, rng: random.Random, *, item9: int = 0) -> list[int | None]:
    """Item answers whose sum is close to `total` (within the measure's range)."""
    n = len(measure.items)
    low, high = measure.item_min, measure.item_max
    target = round(
        min(max(total, measure.total_min), measure.total_max) * (1 if measure.scoring == "sum" else n)
    )
    answers = [low] * n
    fixed = {8: item9} if measure.code == "PHQ-9" else {}
    for index, value in fixed.items():
        answers[index] = value
    remaining = target - sum(answers)
    free = [i for i in range(n) if i not in fixed]
    while remaining > 0 and free:
        i = rng.choice(free)
        if answers[i] < high:
            answers[i] += 1
            remaining -= 1
        else:
            free.remove(i)
    return list(answers)


def build_outcomes(builder: DemoBuilder) -> None:
    rng = builder.rng
    registry = service_registry()
    phq9 = registry.get("PHQ-9")
    wsas = registry.get("WSAS")
    phobia = registry.get("PHOBIA")
    today = timezone.localdate()
    attended = list(
        Attendee.objects.filter(
            attendance__in=("5", "6"),
            starts_at__lt=timezone.now(),
            appointment__kind__in=("individual", "couple"),
        )
        .select_related("appointment")
        .order_by("referral_id", "starts_at")
    )
    clinician_of = dict(
        AppointmentClinician.objects.filter(
            appointment_id__in={a.appointment_id for a in attended}
        ).values_list("appointment_id", "clinician_id")
    )
    descriptors: dict[int, list[ProblemDescriptorRecord]] = defaultdict(list)
    for record in ProblemDescriptorRecord.objects.order_by("recorded_on", "recorded_at", "id"):
        descriptors[record.referral_id].append(record)
    by_referral: dict[int, list[Attendee]] = defaultdict(list)
    for attendee in attended:
        by_referral[attendee.referral_id].append(attendee)

    rows: list[MeasureResponse] = []
    for referral_id, contacts in by_referral.items():
        pattern, _weight, (lo, hi) = rng.choices(PATTERNS, weights=[p[1] for p in PATTERNS])[0]
        end_fraction = rng.uniform(lo, hi)
        severity = rng.uniform(0.35, 0.8)  # of each measure's range, at the start
        item9_at = rng.randrange(len(contacts)) if rng.random() < 0.08 else None
        scored = contacts[:1] if pattern == "drops_out" else contacts
        sessions = 0
        for k, attendee in enumerate(scored):
            appointment = attendee.appointment
            day = timezone.localtime(appointment.starts_at).date()
            is_treatment = appointment.app_type in TREATMENT_TYPES
            sessions += 1 if is_treatment else 0
            if k and rng.random() < 0.05:
                continue  # a contact without scores: the measures page says what is missing
            progress = k / max(len(scored) - 1, 1)
            fraction = severity * (1 + (end_fraction - 1) * progress) + rng.uniform(-0.05, 0.05)
            current = [d for d in descriptors.get(referral_id, []) if d.recorded_on <= day]
            descriptor = current[-1].primary if current else ""
            anxiety = anxiety_measure_for(descriptor or None, registry)
            measures = [phq9, anxiety, wsas] + ([phobia] if k == 0 else [])
            if anxiety.code != "GAD-7":
                measures.append(registry.get("GAD-7"))
            for measure in measures:
                span = float(measure.total_max) - float(measure.total_min)
                total = float(measure.total_min) + span * fraction
                item9 = rng.choice((1, 1, 2)) if measure is phq9 and k == item9_at else 0
                answers = _answers(measure, total, rng, item9=item9)
                if measure is wsas and rng.random() < 0.2:
                    answers[0] = None  # not in work
                result = score(measure.code, answers, registry=registry)
                rows.append(
                    MeasureResponse(
                        patient_id=attendee.patient_id,
                        referral_id=referral_id,
                        appointment_id=appointment.pk,
                        measure=result.measure,
                        answers=list(result.answers),
                        total=float(result.total),
                        severity=result.severity or "",
                        caseness=result.caseness,
                        item9=result.answers[8] if result.measure == "PHQ-9" else None,
                        timepoint=Timepoint.TREATMENT if is_treatment else Timepoint.ASSESSMENT,
                        session_number=sessions if is_treatment else None,
                        completed_on=min(day, today),
                        problem_descriptor=descriptor,
                        recorded_by_id=clinician_of[appointment.pk],
                    )
                )
    MeasureResponse.objects.bulk_create(rows, batch_size=1000)
    # The course outcome each referral keeps (stepcare.reporting.course), as the actions keep it.
    outcome_mismatches(fix=True)
