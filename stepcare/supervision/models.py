"""Supervision records, MDT meetings, the decisions and actions they make about each patient,
a clinician's CPD log, and supervisors' countersignatures of trainees' signed documents.

A case discussion (one patient at one supervision session or MDT meeting) is what the
patient's record timeline shows. Its decision, once recorded, is never edited: it is corrected
by an addendum or marked entered in error (`DiscussionCorrection`), beside the original.
A countersignature is its own row beside the signed document, which never changes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class SupervisionSession(models.Model):
    """One clinical supervision session between a supervisor and a supervisee."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    supervisee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["supervisor", "-held_on"]),
            models.Index(fields=["supervisee", "-held_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="supervision_duration_range",
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("supervisee")), name="supervision_not_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"Supervision on {self.held_on:%d/%m/%Y}"

    @property
    def hours(self) -> float:
        return round(self.duration_minutes / 60, 2)


class MdtMeeting(models.Model):
    """A multidisciplinary team meeting with its agenda of patients."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    title = models.CharField(max_length=200, default="MDT meeting")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    external_attendees = models.TextField(
        blank=True,
        default="",
        help_text="People from outside the service, one a line (name, role, organisation)",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["team", "-held_on"])]

    def __str__(self) -> str:
        return f"{self.title} on {self.held_on:%d/%m/%Y}"

    @property
    def external_list(self) -> list[str]:
        return [line.strip() for line in self.external_attendees.splitlines() if line.strip()]


class CaseDiscussion(models.Model):
    """One patient discussed at one supervision session or MDT meeting, and what was decided."""

    supervision = models.ForeignKey(
        SupervisionSession, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    meeting = models.ForeignKey(
        MdtMeeting, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, default="", help_text="Why the case was brought")
    decision = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["patient", "-added_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(supervision__isnull=False, meeting__isnull=True)
                | Q(supervision__isnull=True, meeting__isnull=False),
                name="discussion_at_one_place",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="discussion_decision_dated",
            ),
            models.UniqueConstraint(
                fields=["supervision", "patient"],
                condition=Q(supervision__isnull=False),
                name="discussion_once_per_supervision",
            ),
            models.UniqueConstraint(
                fields=["meeting", "patient"],
                condition=Q(meeting__isnull=False),
                name="discussion_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return "MDT discussion" if self.meeting_id else "Supervision discussion"

    @property
    def where(self) -> str:
        return "MDT meeting" if self.meeting_id else "Supervision"

    @property
    def error_correction(self) -> DiscussionCorrection | None:
        """The "entered in error" correction, read from prefetched `corrections`."""
        return next((c for c in self.corrections.all() if c.kind == "entered_in_error"), None)

    @property
    def addenda(self) -> list[DiscussionCorrection]:
        return [c for c in self.corrections.all() if c.kind == "addendum"]


class DiscussionCorrection(models.Model):
    """A correction of a recorded discussion, beside it: an addendum (dated, by whom, why) or
    "entered in error" with the reason. The discussion's own text never changes."""

    class Kind(models.TextChoices):
        ADDENDUM = "addendum", "Addendum"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"

    discussion = models.ForeignKey(CaseDiscussion, on_delete=models.PROTECT, related_name="corrections")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True, default="", help_text="The addendum (blank for entered in error)")
    reason = models.CharField(max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
            models.CheckConstraint(
                condition=Q(kind="entered_in_error") | (Q(kind="addendum") & ~Q(text="")),
                name="correction_addendum_has_text",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["addendum", "entered_in_error"]), name="correction_kind_known"
            ),
            models.UniqueConstraint(
                fields=["discussion"],
                condition=Q(kind="entered_in_error"),
                name="discussion_in_error_once",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class CaseAction(models.Model):
    """Something agreed about a patient, with an owner and a due date, until it is done."""

    discussion = models.ForeignKey(CaseDiscussion, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="case_action_described"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="case_action_done_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CpdEntry(models.Model):
    """A line of a clinician's CPD and accreditation log, entered by themselves."""

    class Kind(models.TextChoices):
        CPD = "cpd", "CPD activity"
        SUPERVISION_RECEIVED = "supervision_received", "Supervision received (not recorded in Stepcare)"
        SUPERVISION_GIVEN = "supervision_given", "Supervision given (not recorded in Stepcare)"
        SUPERVISED_PRACTICE = "supervised_practice", "Supervised practice (outside Stepcare's diary)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.CPD)
    on = models.DateField()
    activity = models.CharField(max_length=300)
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    reflection = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["user", "-on"])]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=100), name="cpd_hours_range"),
            models.CheckConstraint(condition=~Q(activity=""), name="cpd_activity_described"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["cpd", "supervision_received", "supervision_given", "supervised_practice"]
                ),
                name="cpd_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} ({self.hours} h)"


class Countersignature(models.Model):
    """A supervisor's countersignature of a trainee's signed document: a row beside it; the
    signed document itself never changes."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    countersigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    countersigned_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["countersigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="countersigned_once"),
            models.CheckConstraint(
                condition=~Q(author=models.F("countersigned_by")), name="countersigned_by_another"
            ),
        ]

    def __str__(self) -> str:
        return f"Countersigned {self.countersigned_at:%d/%m/%Y}"
