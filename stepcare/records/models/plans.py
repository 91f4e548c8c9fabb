"""Formulation templates held as data, and treatment goals rated over time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class FormulationTemplate(models.Model):
    """A formulation model as data: a service adds one in the admin, without code.

    ``sections`` is a list of ``{"key": "thoughts", "label": "Thoughts", "help": "..."}``.
    """

    name = models.CharField(max_length=200, unique=True)
    approach = models.CharField(max_length=100, help_text="e.g. CBT, IPT, DIT")
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="where the model comes from")
    sections = models.JSONField(default=list)

    class Diagram(models.TextChoices):
        CYCLE = "cycle", "A cycle: each section leads to the next, the last back to the first"
        FLOW = "flow", "A flow from top to bottom"
        NONE = "none", "No diagram"

    diagram = models.CharField(
        "diagram drawn from the sections",
        max_length=10,
        choices=Diagram.choices,
        default=Diagram.CYCLE,
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["approach", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.approach})"


class Goal(models.Model):
    """A goal the patient set for this course of treatment, rated 0–10 over time."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    set_on = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["set_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(description=""), name="records_goal_described")]

    def __str__(self) -> str:
        return self.description


class GoalRating(models.Model):
    """How close the patient feels to a goal (0 not at all – 10 fully met), on a date."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="ratings")
    rating = models.PositiveSmallIntegerField()
    rated_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rated_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=10), name="records_goal_rating_0_to_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/10 on {self.rated_on:%d/%m/%Y}"
