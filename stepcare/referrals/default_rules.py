"""The starting set of suitability rules a new service gets, to review and edit in the admin.

Migration 0002 inserted a frozen copy of these rules; the demo re-adds them after a reset."""

from __future__ import annotations

from stepcare.referrals.models import SuitabilityRule

RULES = [
    dict(
        name="PTSD and social anxiety go straight to step 3",
        condition="problem",
        codes=["F43.1", "F40.1"],
        suggestion="accept_3",
        explanation="NICE does not recommend low-intensity work for PTSD or social anxiety disorder: offer high-intensity therapy.",
        source="NICE NG116 (PTSD) and CG159 (social anxiety)",
        order=10,
    ),
    dict(
        name="Under secondary mental health care: refer on",
        condition="secondary_care",
        suggestion="refer_elsewhere",
        explanation="People under a community mental health team or psychiatrist are usually better helped there; talk to their care coordinator.",
        source="Service default – review locally",
        order=20,
    ),
    dict(
        name="Acute risk: refer on to the crisis team",
        condition="acute_risk",
        suggestion="refer_elsewhere",
        explanation="Talking therapies is not a crisis service. Make sure the person is seen by the crisis team today.",
        source="Service default – review locally",
        order=30,
    ),
    dict(
        name="Presentations outside the service's scope",
        condition="words",
        words=["psychosis", "psychotic", "bipolar", "eating disorder", "anorexia", "bulimia"],
        suggestion="review",
        explanation="These presentations are usually treated in secondary care. Check with a senior clinician before deciding.",
        source="Service default – review locally",
        order=40,
    ),
    dict(
        name="Under 18: child and adolescent services",
        condition="age_under",
        number=18,
        suggestion="not_suitable",
        explanation="This service sees adults. Signpost to children and young people's mental health services.",
        source="Service default – review locally",
        order=50,
    ),
    dict(
        name="OCD, body dysmorphic disorder and health anxiety: consider step 3",
        condition="problem",
        codes=["F42", "83482000", "F45.2"],
        suggestion="accept_3",
        explanation="Moderate or severe OCD and BDD need CBT with exposure and response prevention (over 10 therapist hours); mild presentations may start at step 2.",
        source="NICE CG31",
        order=60,
    ),
    dict(
        name="Mild depression, GAD or panic: step 2 first",
        condition="problem",
        codes=["F32", "F41.1", "F41.0", "F41.2"],
        suggestion="accept_2",
        explanation="Mild to moderate presentations usually start with low-intensity work at step 2; severe or impairing presentations may go straight to step 3.",
        source="NICE NG222 and CG113, stepped care",
        order=70,
    ),
]


def ensure_default_rules() -> int:
    """Add the starting rules when a service has none (a new install, or a reset demo)."""
    if SuitabilityRule.objects.exists():
        return 0
    SuitabilityRule.objects.bulk_create(SuitabilityRule(**rule) for rule in RULES)
    return len(RULES)
