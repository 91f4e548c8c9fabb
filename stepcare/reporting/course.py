"""Each referral's course outcome, kept on the Referral as the national dataset keeps it (IDS101).

The first and last current scores of PHQ-9, GAD-7 and any ADSM matching the current primary
problem descriptor (the last being a later response than the first: a measure answered once
has no pair) go to ``stepcare.measures.classify_course``: the one implementation of the
national rules (ADSM choice with GAD-7 back-up, caseness, recovery, reliable change). The
stored result is what the KPIs count. ``refresh_course_outcome`` is called in the same
transaction as every write that can change it; ``outcome_mismatches`` backs
``stepcare check-derived``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from stepcare.measures import Registry
from stepcare.measures.outcomes import BACKUP_ANXIETY_MEASURE, DEPRESSION_MEASURE, classify_course
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.referrals.models import ProblemDescriptorRecord, Referral

OUTCOME_FIELDS = (
    "outcome_phq9_first",
    "outcome_phq9_last",
    "outcome_anxiety_measure",
    "outcome_anxiety_first",
    "outcome_anxiety_last",
    "outcome_paired",
    "outcome_at_caseness",
    "outcome_recovered",
    "outcome_reliable_improvement",
    "outcome_reliable_deterioration",
    "outcome_reliable_recovery",
    "outcome_no_reliable_change",
)


def _pair_measures(descriptor: str | None, registry: Registry) -> tuple[str, ...]:
    """The measures that can form the outcome pair for a descriptor."""
    adsms = tuple(m.code for m in registry.adsms_for_descriptor(descriptor))
    return (DEPRESSION_MEASURE, BACKUP_ANXIETY_MEASURE, *adsms)


def compute_outcomes(
    referral_ids: Iterable[int], registry: Registry | None = None
) -> dict[int, dict[str, object]]:
    """The outcome fields of each referral, from its current responses (two queries)."""
    registry = registry or service_registry()
    ids = list(referral_ids)
    descriptors: dict[int, str] = {}
    for referral_id, primary in (
        ProblemDescriptorRecord.objects.filter(referral_id__in=ids)
        .order_by("referral_id", "recorded_on", "recorded_at", "id")
        .values_list("referral_id", "primary")
    ):
        descriptors[referral_id] = primary  # the latest recorded is current
    scores: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for referral_id, measure, total in (
        MeasureResponse.objects.current()
        .filter(referral_id__in=ids)
        .order_by("referral_id", "completed_on", "recorded_at", "id")
        .values_list("referral_id", "measure", "total")
    ):
        scores[referral_id].append((measure, total))
    return {
        referral_id: outcome_values(descriptors.get(referral_id), scores.get(referral_id, ()), registry)
        for referral_id in ids
    }


def outcome_values(
    descriptor: str | None, scores: Iterable[tuple[str, float]], registry: Registry
) -> dict[str, object]:
    """The outcome fields of one referral from its current scores as (measure, total), in the
    order first by completion date (then recording time and id). Used by ``compute_outcomes``
    and by bulk loads (the large demo) that know the scores before they are written."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    measures = _pair_measures(descriptor, registry)
    for measure, total in scores:
        if measure not in measures:
            continue
        if measure in first:
            last[measure] = total  # a later response: the pair needs two
        else:
            first[measure] = total
    outcome = classify_course(problem_descriptor=descriptor, first=first, last=last, registry=registry)
    anxiety = outcome.anxiety_measure if outcome.anxiety_measure in first else ""
    return {
        "outcome_phq9_first": first.get(DEPRESSION_MEASURE),
        "outcome_phq9_last": last.get(DEPRESSION_MEASURE),
        "outcome_anxiety_measure": anxiety,
        "outcome_anxiety_first": first.get(outcome.anxiety_measure),
        "outcome_anxiety_last": last.get(outcome.anxiety_measure),
        "outcome_paired": outcome.paired,
        "outcome_at_caseness": outcome.at_caseness,
        "outcome_recovered": outcome.recovered,
        "outcome_reliable_improvement": outcome.reliable_improvement,
        "outcome_reliable_deterioration": outcome.reliable_deterioration,
        "outcome_reliable_recovery": outcome.reliable_recovery,
        "outcome_no_reliable_change": outcome.no_reliable_change,
    }


def refresh_course_outcome(referral: Referral | int) -> None:
    """Recompute and store one referral's course outcome. Call it inside the transaction of the
    write that changed its responses, its problem descriptor or its ending."""
    referral_id = referral if isinstance(referral, int) else referral.pk
    values = compute_outcomes([referral_id])[referral_id]
    Referral.objects.filter(pk=referral_id).update(**values)
    if isinstance(referral, Referral):
        for name, value in values.items():
            setattr(referral, name, value)


def outcome_mismatches(*, fix: bool = False, chunk: int = 2000) -> list[str]:
    """A line for each referral whose stored course outcome differs from a recomputation
    (with ``fix``, store the recomputed values)."""
    problems: list[str] = []
    last_pk = 0
    registry = service_registry()
    while True:
        referrals = list(
            Referral.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "reference", *OUTCOME_FIELDS)[:chunk]
        )
        if not referrals:
            return problems
        last_pk = referrals[-1].pk
        wanted = compute_outcomes([r.pk for r in referrals], registry)
        changed = []
        for referral in referrals:
            want = wanted[referral.pk]
            have = {name: getattr(referral, name) for name in OUTCOME_FIELDS}
            differs = [name for name in OUTCOME_FIELDS if have[name] != want[name]]
            if differs:
                problems.append(
                    f"{referral.reference}: course outcome stored "
                    + ", ".join(f"{name.removeprefix('outcome_')} {have[name]}" for name in differs)
                    + "; the responses give "
                    + ", ".join(f"{name.removeprefix('outcome_')} {want[name]}" for name in differs)
                )
                for name, value in want.items():
                    setattr(referral, name, value)
                changed.append(referral)
        if fix and changed:
            Referral.objects.bulk_update(changed, OUTCOME_FIELDS)
