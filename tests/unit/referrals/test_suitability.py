"""Suitability rules explain which apply and why; the service's starting set is installed."""

from __future__ import annotations

import pytest

from stepcare.referrals.default_rules import RULES, ensure_default_rules
from stepcare.referrals.models import SuitabilityRule
from stepcare.referrals.suitability import Facts, evaluate

C = SuitabilityRule.Condition


def _rule(pk: int, condition: str, **kw) -> SuitabilityRule:
    fields = {"name": f"rule {pk}", "suggestion": "review", "explanation": "e", "source": "s", **kw}
    return SuitabilityRule(pk=pk, condition=condition, **fields)


def test_each_condition_says_why_it_applies_or_not() -> None:
    rules = [
        _rule(1, C.PROBLEM_DESCRIPTOR, codes=["F40.1"]),
        _rule(2, C.SECONDARY_CARE),
        _rule(3, C.ACUTE_RISK),
        _rule(4, C.WORDS_IN_REFERRAL, words=["psychosis"]),
        _rule(5, C.AGE_UNDER, number=18),
        _rule(6, C.URGENT),
        _rule(7, C.URGENT, active=False),
    ]
    facts = Facts(problem_codes=("F40.1",), acute_risk=True, text="History of PSYCHOSIS in 2019", age=17)
    results = {r.rule_id: r for r in evaluate(rules, facts)}
    assert 7 not in results
    assert results[1].applies and "F40.1 – Social phobia" in results[1].why
    assert not results[2].applies and "No current secondary" in results[2].why
    assert results[3].applies
    assert results[4].applies and "“psychosis”" in results[4].why
    assert results[5].applies and results[5].why == "The person is 17, under 18."
    assert not results[6].applies
    assert [r.applies for r in evaluate(rules, facts)] == sorted(
        [r.applies for r in results.values()], reverse=True
    )


def test_without_a_problem_descriptor_the_rule_says_so() -> None:
    (result,) = evaluate([_rule(1, C.PROBLEM_DESCRIPTOR, codes=["F43.1"])], Facts())
    assert not result.applies and result.why == "No problem descriptor is recorded yet."


@pytest.mark.django_db
def test_a_new_service_starts_with_rules_it_can_edit() -> None:
    SuitabilityRule.objects.all().delete()
    assert ensure_default_rules() == len(RULES)
    names = set(SuitabilityRule.objects.values_list("name", flat=True))
    assert "PTSD and social anxiety go straight to step 3" in names
    assert all(SuitabilityRule.objects.values_list("source", flat=True))
    assert ensure_default_rules() == 0  # a service's own edits are never overwritten
