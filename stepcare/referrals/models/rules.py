"""Suitability rules a service writes for itself. They explain; the clinician decides."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class SuitabilityRule(models.Model):
    """One exclusion or step-allocation criterion, edited by the service in the admin.

    A rule looks at one fact about the referral (``condition``) and, when it applies,
    suggests an outcome and says why (``explanation``), citing where the rule came from.
    """

    class Condition(models.TextChoices):
        PROBLEM_DESCRIPTOR = "problem", "Primary or secondary problem descriptor is one of the codes"
        SECONDARY_CARE = "secondary_care", "Currently under secondary mental health care"
        ACUTE_RISK = "acute_risk", "Acute risk identified at screening (clinician judgement)"
        WORDS_IN_REFERRAL = "words", "The referral mentions one of the words"
        AGE_UNDER = "age_under", "Age under the number of years"
        URGENT = "urgent", "Referral marked urgent"

    class Suggestion(models.TextChoices):
        STEP_2 = "accept_2", "Consider step 2"
        STEP_3 = "accept_3", "Go straight to step 3"
        REFER_ELSEWHERE = "refer_elsewhere", "Refer on to another service"
        SIGNPOST = "signpost", "Signpost"
        NOT_SUITABLE = "not_suitable", "Not suitable for the service"
        REVIEW = "review", "Discuss with a senior clinician"

    name = models.CharField(max_length=120)
    condition = models.CharField(max_length=20, choices=Condition.choices)
    codes = models.JSONField(
        default=list, blank=True, help_text='Problem descriptor codes, e.g. ["F43.1", "F40.1"]'
    )
    words = models.JSONField(default=list, blank=True, help_text='Words or phrases, e.g. ["psychosis"]')
    number = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For 'age under'")
    suggestion = models.CharField(max_length=20, choices=Suggestion.choices)
    explanation = models.TextField(help_text="Shown to the clinician when the rule applies.")
    source = models.CharField(max_length=200, help_text="Where the rule comes from, e.g. NICE CG159")
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(explanation=""), name="rule_explanation_required"),
            models.CheckConstraint(condition=~Q(source=""), name="rule_source_required"),
        ]

    def __str__(self) -> str:
        return self.name
