"""Questionnaire responses and the service's outcome-monitoring settings.

A response is a clinical record: it is never edited or deleted. A wrong one is marked
entered in error (with who, when and why) and the right answers are entered again as a new
response. Totals, bands and caseness are written from `stepcare.measures` when the response
is recorded and never computed anywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Timepoint(models.TextChoices):
    """When in the pathway a questionnaire was completed."""

    REFERRAL = "referral", "At referral"
    WAITING = "waiting", "While waiting (monitoring)"
    ASSESSMENT = "assessment", "Assessment"
    TREATMENT = "treatment", "Treatment session"
    DISCHARGE = "discharge", "Discharge"
    FOLLOW_UP = "follow_up", "Follow-up"


class MeasureResponseQuerySet(models.QuerySet["MeasureResponse"]):
    def current(self) -> MeasureResponseQuerySet:
        """Responses that count: those marked entered in error never do."""
        return self.filter(status=MeasureResponse.Status.CURRENT)

    def in_order(self) -> MeasureResponseQuerySet:
        return self.order_by("completed_on", "recorded_at", "id")


class MeasureResponse(models.Model):
    """One completed questionnaire with its item answers and the core's score."""

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"

    Timepoint = Timepoint

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measure_responses"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="measure_responses"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measure_responses",
    )
    measure = models.CharField(max_length=16, help_text="Canonical code in stepcare.measures, e.g. PHQ-9")
    # Item answers in item order; null is "not applicable" (WSAS item 1 only).
    answers = models.JSONField()
    total = models.FloatField(help_text="From stepcare.measures.score; a mean for the Mobility Inventory")
    severity = models.CharField(max_length=40, blank=True)
    caseness = models.BooleanField(null=True)
    # PHQ-9 item 9, copied from the answers so the banner and the risk check can find it.
    item9 = models.PositiveSmallIntegerField(null=True, blank=True)
    timepoint = models.CharField(max_length=12, choices=Timepoint.choices)
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_on = models.DateField()
    # The primary problem descriptor in force when it was recorded (why this measure was due).
    problem_descriptor = models.CharField(max_length=12, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CURRENT)
    error_reason = models.TextField(blank=True)
    error_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_marked_at = models.DateTimeField(null=True, blank=True)

    objects = MeasureResponseQuerySet.as_manager()

    class Meta:
        ordering = ["completed_on", "recorded_at", "id"]
        indexes = [
            models.Index(fields=["referral", "status", "completed_on"]),
            models.Index(fields=["patient", "status", "completed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["current", "entered_in_error"]), name="response_status_known"
            ),
            models.CheckConstraint(
                condition=Q(timepoint__in=Timepoint.values), name="response_timepoint_known"
            ),
            models.CheckConstraint(
                condition=Q(status="current") | (~Q(error_reason="") & Q(error_marked_at__isnull=False)),
                name="response_error_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(item9__isnull=True) | Q(measure="PHQ-9", item9__lte=3),
                name="response_item9_only_phq9",
            ),
            models.UniqueConstraint(
                fields=["appointment", "patient", "measure"],
                condition=Q(status="current", appointment__isnull=False),
                name="response_once_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.total_text} on {self.completed_on:%d/%m/%Y}"

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT

    @property
    def answers_text(self) -> str:
        """The item answers in order, "n/a" for not applicable: "n/a 2 3 4 5"."""
        return " ".join("n/a" if a is None else str(a) for a in self.answers)

    @property
    def total_text(self) -> str:
        """The stored total as written: 13, or 2.41 for a mean score."""
        return f"{self.total:g}" if float(self.total).is_integer() else f"{self.total:.2f}"


class OutcomeSettings(models.Model):
    """A service's choices for outcome monitoring. Without a row, the defaults below apply."""

    class Points(models.TextChoices):
        EVERY_CONTACT = "every_contact", "At every contact"
        ASSESSMENT_AND_END = "assessment_and_end", "At assessment, first treatment session and discharge"
        NEVER = "never", "Not collected"

    DEFAULT_COURSES_PER_WTE = 35
    COURSES_SOURCE = (
        "DOMAIN.md §6: about 30-40 finished courses a year per full-time HIT (UNVERIFIED); "
        "check against the NHS Talking Therapies Manual workforce chapter"
    )

    service = models.OneToOneField("accounts.Service", on_delete=models.PROTECT, related_name="+")
    wsas_points = models.CharField(max_length=20, choices=Points.choices, default=Points.EVERY_CONTACT)
    phobia_points = models.CharField(max_length=20, choices=Points.choices, default=Points.EVERY_CONTACT)
    finished_courses_per_wte_year = models.PositiveSmallIntegerField(default=DEFAULT_COURSES_PER_WTE)
    finished_courses_source = models.CharField(max_length=300, default=COURSES_SOURCE)

    class Meta:
        verbose_name_plural = "outcome settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_courses_per_wte_year__gte=1, finished_courses_per_wte_year__lte=200),
                name="outcome_settings_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome settings for service {self.service_id}"
