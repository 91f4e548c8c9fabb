"""Groups: an MBCT course, a psychoeducation group — capacity, members and facilitators."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Group(models.Model):
    class Kind(models.TextChoices):
        MBCT = "mbct", "Mindfulness-based cognitive therapy (MBCT)"
        PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
        STRESS_CONTROL = "stress_control", "Stress control"
        OTHER = "other", "Other group"

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    capacity = models.PositiveSmallIntegerField()
    room = models.ForeignKey(
        "accounts.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivery_mode = models.CharField(max_length=2, default="01")
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="facilitated_groups")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=2, capacity__lte=40), name="group_capacity_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    """A patient on a group's list, under one of their referrals."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="members")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "patient"],
                condition=models.Q(left_at__isnull=True),
                name="group_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} in {self.group}"
