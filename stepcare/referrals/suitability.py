"""Explainable suitability rules: which of the service's rules apply to a referral, and why.

The rules suggest; the clinician decides. What was shown is stored with the decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from stepcare.referrals.models import ProblemDescriptor, SuitabilityRule

C = SuitabilityRule.Condition


@dataclass(frozen=True)
class Facts:
    """What the rules may look at."""

    problem_codes: tuple[str, ...] = ()
    secondary_care: bool = False
    acute_risk: bool = False
    text: str = ""
    age: int | None = None
    urgent: bool = False


@dataclass(frozen=True)
class RuleResult:
    rule_id: int
    name: str
    applies: bool
    why: str
    suggestion: str
    suggestion_label: str
    explanation: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _describe(code: str) -> str:
    labels = dict(ProblemDescriptor.choices)
    return str(labels.get(code, code))


def _check(rule: SuitabilityRule, facts: Facts) -> tuple[bool, str]:
    if rule.condition == C.PROBLEM_DESCRIPTOR:
        codes = {str(c) for c in rule.codes}
        if not facts.problem_codes:
            return False, "No problem descriptor is recorded yet."
        hits = [c for c in facts.problem_codes if c in codes]
        if hits:
            return True, "Problem descriptor: " + "; ".join(_describe(c) for c in hits) + "."
        return False, "The problem descriptor is not one this rule is about."
    if rule.condition == C.SECONDARY_CARE:
        if facts.secondary_care:
            return True, "The referral says the person is under secondary mental health care now."
        return False, "No current secondary mental health care is recorded."
    if rule.condition == C.ACUTE_RISK:
        if facts.acute_risk:
            return True, "Acute risk was identified at screening (clinician judgement)."
        return False, "No acute risk was identified at screening."
    if rule.condition == C.WORDS_IN_REFERRAL:
        text = facts.text.lower()
        found = [str(w) for w in rule.words if str(w).strip() and str(w).lower() in text]
        if found:
            return True, "The referral mentions: " + ", ".join(f"“{w}”" for w in found) + "."
        return False, "None of the rule's words appear in the referral."
    if rule.condition == C.AGE_UNDER:
        if facts.age is None or rule.number is None:
            return False, "Age not known."
        if facts.age < rule.number:
            return True, f"The person is {facts.age}, under {rule.number}."
        return False, f"The person is {facts.age}."
    if rule.condition == C.URGENT:
        return (
            (True, "The referral is marked urgent.") if facts.urgent else (False, "The referral is routine.")
        )
    return False, "Unknown condition."


def evaluate(rules: Iterable[SuitabilityRule], facts: Facts) -> list[RuleResult]:
    """Every active rule, whether it applies, and why; the ones that apply first."""
    results = []
    for rule in rules:
        if not rule.active:
            continue
        applies, why = _check(rule, facts)
        results.append(
            RuleResult(
                rule_id=rule.pk,
                name=rule.name,
                applies=applies,
                why=why,
                suggestion=rule.suggestion,
                suggestion_label=rule.get_suggestion_display(),
                explanation=rule.explanation,
                source=rule.source,
            )
        )
    return sorted(results, key=lambda r: not r.applies)
