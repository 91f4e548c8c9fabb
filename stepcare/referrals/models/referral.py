"""The referral (the dataset's PathwayID) and what is recorded along its pathway."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from stepcare.patients.codes import Language
from stepcare.referrals.models.codes import (
    NOT_TAKEN_ON_CODES,
    TAKEN_ON_CODES,
    EndCode,
    PreferredContact,
    ProblemDescriptor,
    SourceOfReferral,
    Step,
    Urgency,
)


class ReferralQuerySet(models.QuerySet["Referral"]):
    def counted(self) -> ReferralQuerySet:
        """Referrals that count: those entered in error never do."""
        return self.exclude(status=Referral.Status.ENTERED_IN_ERROR)

    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=Referral.OPEN_STATUSES)


class Referral(models.Model):
    """One referral to the service, from receipt to discharge.

    Appointments (the diary) attach to a referral. The treatment fields (first, second and
    last attended treatment dates and the count of attended treatment contacts) are derived
    from the diary, as the national dataset derives them (IDS101): whenever attendance is
    recorded or corrected, ``actions.update_treatment_contacts`` recomputes them in the same
    transaction. The first date ends the national waiting-time clock.
    """

    PERSONAL_DATA_FIELDS = ("submitted_details", "presenting_difficulties", "referrer_contact")

    class Status(models.TextChoices):
        RECEIVED = "received", "New – not yet screened"
        SCREENED = "screened", "Screened – waiting for a decision"
        ASSESSED = "assessed", "Assessed – waiting for a decision"
        WAITING = "waiting", "Accepted – on the waiting list"
        ALLOCATED = "allocated", "Allocated – waiting for first treatment"
        IN_TREATMENT = "in_treatment", "In treatment"
        ENDED = "ended", "Ended (discharged)"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"

    OPEN_STATUSES = (
        Status.RECEIVED,
        Status.SCREENED,
        Status.ASSESSED,
        Status.WAITING,
        Status.ALLOCATED,
        Status.IN_TREATMENT,
    )
    INBOX_STATUSES = (Status.RECEIVED, Status.SCREENED, Status.ASSESSED)
    WAITING_STATUSES = (Status.WAITING, Status.ALLOCATED)

    reference = models.CharField(max_length=12, unique=True, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="referrals")
    # Empty only while staff check who the person is (a possible match needs a human).
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    previous_referral = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reopened_as"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)

    # What arrived.
    source = models.CharField("source of referral", max_length=20, choices=SourceOfReferral.choices)
    received_on = models.DateField("date received")
    received_at = models.DateTimeField(auto_now_add=True)
    presenting_difficulties = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    preferred_contact = models.CharField(
        max_length=10, choices=PreferredContact.choices, default=PreferredContact.PHONE
    )
    preferred_language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    interpreter_required = models.BooleanField(default=False)
    gp_practice_code = models.CharField("GP practice code", max_length=6, blank=True)
    gp_practice_name = models.CharField("GP practice", max_length=200, blank=True)
    secondary_care_involvement = models.BooleanField(
        "currently under secondary mental health care", default=False
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referrer_contact = models.CharField(max_length=200, blank=True)
    consent_given = models.BooleanField(default=False)
    # The person's details as they were given, kept until staff link the referral to a record.
    submitted_details = models.JSONField(default=dict, blank=True)
    identity_note = models.CharField(max_length=200, blank=True)

    # Triage.
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screening_notes = models.TextField(blank=True)
    acute_risk_identified = models.BooleanField("acute risk identified (clinician judgement)", default=False)
    assessment_date = models.DateField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Care.
    step = models.CharField(max_length=1, choices=Step.choices, blank=True)
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Derived from the diary (see the class docstring); never typed by hand.
    first_treatment_date = models.DateField(null=True, blank=True)
    second_treatment_date = models.DateField(null=True, blank=True)
    last_treatment_date = models.DateField(null=True, blank=True)
    treatment_contact_count = models.PositiveSmallIntegerField(default=0)

    # Course outcome (as IDS101 keeps it): the first and last scores of the outcome pair and the
    # national flags, from ``stepcare.measures.classify_course``. Derived; never typed by hand.
    # ``stepcare.reporting.course.refresh_course_outcome`` keeps them, in the same transaction as
    # a response recorded or entered in error, a problem descriptor recorded or the referral ended.
    outcome_phq9_first = models.FloatField(null=True, blank=True)
    outcome_phq9_last = models.FloatField(null=True, blank=True)
    outcome_anxiety_measure = models.CharField(max_length=16, blank=True)
    outcome_anxiety_first = models.FloatField(null=True, blank=True)
    outcome_anxiety_last = models.FloatField(null=True, blank=True)
    outcome_paired = models.BooleanField(default=False)
    outcome_at_caseness = models.BooleanField(default=False)
    outcome_recovered = models.BooleanField(default=False)
    outcome_reliable_improvement = models.BooleanField(default=False)
    outcome_reliable_deterioration = models.BooleanField(default=False)
    outcome_reliable_recovery = models.BooleanField(default=False)
    outcome_no_reliable_change = models.BooleanField(default=False)

    # Ending.
    discharge_date = models.DateField(null=True, blank=True)
    end_code = models.CharField("ending reason", max_length=2, choices=EndCode.choices, blank=True)
    discharge_summary = models.TextField(blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    error_reason = models.TextField(blank=True)
    error_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_marked_at = models.DateTimeField(null=True, blank=True)
    status_before_error = models.CharField(max_length=20, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["received_on", "id"]
        indexes = [
            models.Index(fields=["team", "status", "received_on"]),
            models.Index(fields=["allocated_to", "status"]),
            # The inbox and the waiting list: oldest first, a page at a time.
            models.Index(fields=["received_on", "id"], name="referral_oldest_first"),
            # The same sort over only the referrals each list shows: the rows read grow with the
            # list, not with the years of ended referrals before it (the planner, expecting open
            # referrals spread evenly through the years, would otherwise walk the whole history).
            models.Index(
                fields=["received_on", "id"],
                name="referral_inbox_oldest_first",
                condition=Q(status__in=["received", "screened", "assessed"]),
            ),
            models.Index(
                fields=["received_on", "id"],
                name="referral_waiting_oldest_first",
                condition=Q(status__in=["waiting", "allocated"]),
            ),
            # The reports' cohorts of a period: referrals that entered treatment in it, and
            # those that ended in it (finished courses, the equity tables). With received_on's
            # index, the KPI counts read the period's referrals, not the years before it.
            models.Index(
                fields=["first_treatment_date"],
                name="referral_entered_treatment",
                condition=Q(first_treatment_date__isnull=False),
            ),
            models.Index(fields=["discharge_date"], name="referral_ended_on", condition=Q(status="ended")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "received",
                        "screened",
                        "assessed",
                        "waiting",
                        "allocated",
                        "in_treatment",
                        "ended",
                        "entered_in_error",
                    ]
                ),
                name="referral_status_known",
            ),
            models.CheckConstraint(
                condition=Q(end_code="") | Q(end_code__in=EndCode.values), name="referral_end_code_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | (~Q(end_code="") & Q(discharge_date__isnull=False)),
                name="referral_ended_has_code_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(end_code__in=sorted(TAKEN_ON_CODES)) | Q(first_treatment_date__isnull=False),
                name="referral_taken_on_code_needs_treatment",
            ),
            models.CheckConstraint(
                condition=~Q(end_code__in=sorted(NOT_TAKEN_ON_CODES)) | Q(first_treatment_date__isnull=True),
                name="referral_not_taken_on_code_without_treatment",
            ),
            models.CheckConstraint(
                condition=Q(first_treatment_date__isnull=True)
                | Q(first_treatment_date__gte=models.F("received_on")),
                name="referral_treatment_after_receipt",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        treatment_contact_count=0,
                        first_treatment_date__isnull=True,
                        second_treatment_date__isnull=True,
                        last_treatment_date__isnull=True,
                    )
                    | Q(
                        treatment_contact_count=1,
                        first_treatment_date__isnull=False,
                        second_treatment_date__isnull=True,
                        last_treatment_date=models.F("first_treatment_date"),
                    )
                    | Q(
                        treatment_contact_count__gte=2,
                        first_treatment_date__isnull=False,
                        second_treatment_date__gte=models.F("first_treatment_date"),
                        last_treatment_date__gte=models.F("second_treatment_date"),
                    )
                ),
                name="referral_treatment_dates_agree_with_count",
            ),
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True) | Q(discharge_date__gte=models.F("received_on")),
                name="referral_discharge_after_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(status="entered_in_error") | ~Q(error_reason=""),
                name="referral_error_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(patient__isnull=False)
                | Q(status__in=["received", "screened", "assessed", "entered_in_error"]),
                name="referral_patient_known_before_acceptance",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.reference}"

    @property
    def submitted_name(self) -> str:
        d = self.submitted_details
        return f"{str(d.get('family_name', '')).upper()}, {d.get('given_name', '')}".strip(", ")

    @property
    def person_name(self) -> str:
        return self.patient.display_name if self.patient else self.submitted_name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def treatment_started(self) -> bool:
        return self.first_treatment_date is not None


class WaitingPause(models.Model):
    """A patient-initiated break in the wait (IDS108), which extends the waiting-time clock."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="pauses")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(end_date__isnull=True), name="pause_one_open_per_referral"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pause_ends_after_start",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="pause_reason_required"),
        ]

    def __str__(self) -> str:
        return f"Pause from {self.start_date:%d/%m/%Y}"


class SuitabilityDecision(models.Model):
    """A clinician's decision on a referral, with the rules that were shown to them."""

    class Outcome(models.TextChoices):
        ACCEPT_STEP_2 = "accept_2", "Accept at step 2 (low intensity)"
        ACCEPT_STEP_3 = "accept_3", "Accept at step 3 (high intensity)"
        SIGNPOST = "signpost", "Signpost to another organisation"
        REFER_ELSEWHERE = "refer_elsewhere", "Refer to another service"
        NOT_SUITABLE = "not_suitable", "Not suitable for the service"
        DECLINED = "declined", "Declined by the person"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.TextField()
    rules_shown = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="decision_reason_required"),
            models.CheckConstraint(
                condition=Q(
                    outcome__in=[
                        "accept_2",
                        "accept_3",
                        "signpost",
                        "refer_elsewhere",
                        "not_suitable",
                        "declined",
                    ]
                ),
                name="decision_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.decided_at:%d/%m/%Y})"


class ProblemDescriptorRecord(models.Model):
    """A provisional problem descriptor as recorded on a date. The latest is current; earlier
    rows are the history."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="problem_descriptors")
    primary = models.CharField(max_length=12, choices=ProblemDescriptor.choices)
    secondary = models.CharField(max_length=12, choices=ProblemDescriptor.choices, blank=True)
    recorded_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(primary__in=ProblemDescriptor.values), name="descriptor_primary_known"
            ),
            models.CheckConstraint(
                condition=Q(secondary="") | Q(secondary__in=ProblemDescriptor.values),
                name="descriptor_secondary_known",
            ),
            models.CheckConstraint(
                condition=~Q(secondary=models.F("primary")), name="descriptor_secondary_differs"
            ),
        ]

    def __str__(self) -> str:
        return self.get_primary_display()


class StepChange(models.Model):
    """A move between steps (including the first step on acceptance), with its handover."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="step_changes")
    from_step = models.CharField(max_length=1, choices=Step.choices, blank=True)
    to_step = models.CharField(max_length=1, choices=Step.choices)
    handover_summary = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField()
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(handover_summary=""), name="step_change_summary_required"),
            models.CheckConstraint(condition=~Q(to_step=models.F("from_step")), name="step_change_changes"),
        ]

    def __str__(self) -> str:
        return f"Step {self.from_step or '–'} → {self.to_step}"

    @property
    def direction(self) -> str:
        if not self.from_step:
            return "Accepted at"
        return "Stepped up" if self.to_step > self.from_step else "Stepped down"


class Allocation(models.Model):
    """A referral allocated to a therapist. The latest open one is current."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="allocations")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["allocated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(ended_at__isnull=True), name="allocation_one_current"
            )
        ]
        indexes = [
            # A therapist's allocations ended in a period: the courses they finished in the last
            # year (their caseload page), not their whole history of allocations.
            models.Index(
                fields=["therapist", "ended_at"],
                name="allocation_ended_by_therapist",
                condition=Q(ended_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} from {self.allocated_at:%d/%m/%Y}"
