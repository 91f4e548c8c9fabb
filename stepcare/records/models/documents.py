"""The kinds of clinical document: each a ``ClinicalDocument`` with its own content fields."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from stepcare.records.models.base import ClinicalDocument
from stepcare.referrals.models.codes import ProblemDescriptor
from stepcare.scheduling.models.appointments import AttendOrDNA, DeliveryMode


class SessionNote(ClinicalDocument):
    """The structured note of one session, prefilled from the appointment and the last note."""

    KIND = "session-note"
    LABEL = "Session note"
    CONTENT_FIELDS = (
        "session_date",
        "session_number",
        "attendance",
        "delivery_mode",
        "agenda",
        "measures_reviewed",
        "homework_reviewed",
        "interventions",
        "homework_set",
        "risk_check",
        "plan_next",
    )
    REQUIRED_TO_SIGN = ("session_date", "attendance", "risk_check")

    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session_date = models.DateField("date of session", null=True, blank=True)
    session_number = models.PositiveSmallIntegerField("session number", null=True, blank=True)
    attendance = models.CharField(max_length=1, choices=AttendOrDNA.choices, blank=True)
    delivery_mode = models.CharField("mode", max_length=2, choices=DeliveryMode.choices, blank=True)
    agenda = models.TextField(blank=True, default="")
    measures_reviewed = models.TextField("measures reviewed", blank=True, default="")
    homework_reviewed = models.TextField("homework reviewed", blank=True, default="")
    interventions = models.TextField("interventions used", blank=True, default="")
    homework_set = models.TextField("homework set", blank=True, default="")
    risk_check = models.TextField("risk check", blank=True, default="")
    plan_next = models.TextField("plan for next session", blank=True, default="")

    class Meta(ClinicalDocument.Meta):
        constraints = [
            *ClinicalDocument.Meta.constraints,
            models.UniqueConstraint(
                fields=["appointment", "patient"],
                condition=Q(appointment__isnull=False),
                name="records_one_note_per_patient_per_appointment",
            ),
        ]


class RiskAssessment(ClinicalDocument):
    """A risk formulation (NICE NG225): the clinician's understanding, never a score or label."""

    KIND = "risk-assessment"
    LABEL = "Risk assessment"
    CONTENT_FIELDS = (
        "current_thoughts",
        "intent",
        "plans",
        "history",
        "triggers",
        "protective_factors",
        "safeguarding_children",
        "safeguarding_adults",
        "domestic_abuse",
        "risk_to_others",
        "summary",
        "actions",
        "review_date",
    )
    REQUIRED_TO_SIGN = ("current_thoughts", "protective_factors", "summary", "actions", "review_date")

    current_thoughts = models.TextField("current thoughts of suicide or self-harm", blank=True, default="")
    intent = models.TextField(blank=True, default="")
    plans = models.TextField("plans and preparations", blank=True, default="")
    history = models.TextField("history of self-harm or suicide attempts", blank=True, default="")
    triggers = models.TextField("triggers and circumstances", blank=True, default="")
    protective_factors = models.TextField("protective factors", blank=True, default="")
    safeguarding_children = models.TextField("safeguarding: children", blank=True, default="")
    safeguarding_adults = models.TextField("safeguarding: adults at risk", blank=True, default="")
    domestic_abuse = models.TextField("domestic abuse", blank=True, default="")
    risk_to_others = models.TextField("risk to others", blank=True, default="")
    summary = models.TextField("clinician's summary of the current judgement", blank=True, default="")
    actions = models.TextField("actions taken and agreed", blank=True, default="")
    review_date = models.DateField("review by", null=True, blank=True)
    # The banner's risk concern raised when this formulation was signed, if the clinician chose to.
    risk_flag = models.ForeignKey(
        "patients.RiskFlag", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(ClinicalDocument.Meta):
        pass

    def changes_since(self, previous: RiskAssessment | None) -> list[tuple[str, Any, Any]]:
        """(label, before, now) for every field that differs from the previous review."""
        if previous is None:
            return []
        changes = []
        for name in self.CONTENT_FIELDS:
            before, now = getattr(previous, name), getattr(self, name)
            if before != now:
                label = str(self._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]
                changes.append((label, before, now))
        return changes


class SafetyPlan(ClinicalDocument):
    """A safety plan written with the patient. A new version is a new document."""

    KIND = "safety-plan"
    LABEL = "Safety plan"
    CONTENT_FIELDS = (
        "warning_signs",
        "coping_strategies",
        "distraction",
        "people_to_ask",
        "professionals",
        "environment",
        "reasons_for_living",
    )
    REQUIRED_TO_SIGN = ("warning_signs", "coping_strategies", "people_to_ask")

    plan_number = models.PositiveSmallIntegerField(default=1)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    warning_signs = models.TextField("my warning signs", blank=True, default="")
    coping_strategies = models.TextField("things I can do on my own", blank=True, default="")
    distraction = models.TextField("people and places that take my mind off things", blank=True, default="")
    people_to_ask = models.TextField("people I can ask for help", blank=True, default="")
    professionals = models.TextField("professionals I can contact", blank=True, default="")
    environment = models.TextField("making my surroundings safer", blank=True, default="")
    reasons_for_living = models.TextField("my reasons for living", blank=True, default="")

    class Meta(ClinicalDocument.Meta):
        pass


class Assessment(ClinicalDocument):
    """The structured assessment of one referral. Signing it records the assessment."""

    KIND = "assessment"
    LABEL = "Assessment"
    CONTENT_FIELDS = (
        "assessment_date",
        "presenting_problem",
        "history_onset",
        "previous_treatment",
        "medication",
        "substance_use",
        "physical_health",
        "employment_social",
        "goals",
        "risk",
        "problem_descriptor",
        "suitability",
        "plan",
    )
    REQUIRED_TO_SIGN = ("assessment_date", "presenting_problem", "risk", "plan")

    assessment_date = models.DateField("date of assessment", null=True, blank=True)
    presenting_problem = models.TextField(
        "presenting problem, in the patient's words", blank=True, default=""
    )
    history_onset = models.TextField("history and onset", blank=True, default="")
    previous_treatment = models.TextField("previous treatment", blank=True, default="")
    medication = models.TextField(blank=True, default="")
    substance_use = models.TextField("alcohol and substance use", blank=True, default="")
    physical_health = models.TextField("physical health and long-term conditions", blank=True, default="")
    employment_social = models.TextField("employment and social situation", blank=True, default="")
    goals = models.TextField("the patient's goals", blank=True, default="")
    risk = models.TextField("risk (see the risk assessment)", blank=True, default="")
    problem_descriptor = models.CharField(
        "provisional problem descriptor", max_length=12, choices=ProblemDescriptor.choices, blank=True
    )
    suitability = models.TextField("suitability", blank=True, default="")
    plan = models.TextField(blank=True, default="")

    class Meta(ClinicalDocument.Meta):
        pass


class LiaisonEntry(ClinicalDocument):
    """A contact with someone else about the patient: GP, secondary care, agency, employer."""

    KIND = "liaison"
    LABEL = "Liaison or consultation"
    CONTENT_FIELDS = (
        "contact_date",
        "contact_with",
        "organisation",
        "method",
        "summary",
        "outcome",
        "shared_under",
    )
    REQUIRED_TO_SIGN = ("contact_date", "contact_with", "summary")

    contact_date = models.DateField("date", null=True, blank=True)
    contact_with = models.CharField("with whom", max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    method = models.CharField("how", max_length=100, blank=True)
    summary = models.TextField("what was discussed", blank=True, default="")
    outcome = models.TextField("outcome and actions", blank=True, default="")
    shared_under = models.TextField(
        "shared under: the patient's consent, or the legal basis",
        blank=True,
        default="",
        help_text="for example: consent to share with the GP (recorded 3 March); or safeguarding",
    )

    class Meta(ClinicalDocument.Meta):
        verbose_name_plural = "liaison entries"


class Letter(ClinicalDocument):
    """A letter from the record: drafted from a template, edited, signed, then sent.

    Signing fixes its content (its PDF is what is sent); sending it is recorded afterwards as a
    ``LetterDispatch`` beside it (route, date, by whom), never on the signed row. A letter to
    anyone but the patient needs the patient's current consent to share with that recipient,
    or a legal basis recorded by the clinician (for example safeguarding).
    """

    class Recipient(models.TextChoices):
        GP = "gp", "The patient's GP"
        PATIENT = "patient", "The patient"
        RELATED_PERSON = "related_person", "A family member, carer or other named person"
        AGENCY = "agency", "An agency"
        EMPLOYER = "employer", "An employer"

    KIND = "letter"
    LABEL = "Letter"
    CONTENT_FIELDS = ("recipient_name", "recipient_address", "subject", "body")
    REQUIRED_TO_SIGN = ("recipient_name", "subject", "body")

    template = models.ForeignKey(
        "records.LetterTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_kind = models.CharField("to", max_length=20, choices=Recipient.choices)
    gp_practice = models.ForeignKey(
        "records.GPPractice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    related_person = models.ForeignKey(
        "records.RelatedPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "referrals.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = models.CharField("recipient", max_length=200, blank=True)
    recipient_address = models.TextField("recipient's address", blank=True, default="")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, default="")
    legal_basis = models.TextField(
        "legal basis for sharing without consent",
        blank=True,
        default="",
        help_text="for example, safeguarding",
    )

    class Meta(ClinicalDocument.Meta):
        pass


DOCUMENT_KINDS: dict[str, type[ClinicalDocument]] = {
    m.KIND: m for m in (SessionNote, Assessment, RiskAssessment, SafetyPlan, Letter, LiaisonEntry)
}


class Formulation(ClinicalDocument):
    """A formulation written in the sections of a template (five areas, Beck, IPT, DIT ...)."""

    KIND = "formulation"
    LABEL = "Formulation"
    CONTENT_FIELDS = ("sections",)
    REQUIRED_TO_SIGN = ("sections",)

    template = models.ForeignKey("records.FormulationTemplate", on_delete=models.PROTECT, related_name="+")
    sections = models.JSONField(default=dict, blank=True)

    class Meta(ClinicalDocument.Meta):
        pass

    def content(self) -> list[tuple[str, Any]]:
        return [(s["label"], self.sections.get(s["key"], "")) for s in self.template.sections]

    def missing_to_sign(self) -> list[str]:
        return [] if any(str(v).strip() for v in self.sections.values()) else ["at least one section"]


class TreatmentPlan(ClinicalDocument):
    """The plan for a course: modality, planned sessions against the NICE range, review points."""

    class Modality(models.TextChoices):
        CBT = "cbt", "Cognitive behavioural therapy (CBT)"
        BA = "ba", "Behavioural activation"
        IPT = "ipt", "Interpersonal psychotherapy (IPT)"
        CFD = "cfd", "Counselling for depression"
        DIT = "dit", "Dynamic interpersonal therapy (DIT)"
        COUPLES = "couples", "Behavioural couples therapy for depression"
        EMDR = "emdr", "EMDR"
        MBCT = "mbct", "Mindfulness-based cognitive therapy (group)"
        APPLIED_RELAXATION = "applied_relaxation", "Applied relaxation"

    KIND = "treatment-plan"
    LABEL = "Treatment plan"
    CONTENT_FIELDS = ("modality", "problem_descriptor", "planned_sessions", "goals", "review_points", "notes")
    REQUIRED_TO_SIGN = ("modality", "planned_sessions", "goals")

    modality = models.CharField(max_length=20, choices=Modality.choices, blank=True)
    problem_descriptor = models.CharField(
        "problem descriptor", max_length=12, choices=ProblemDescriptor.choices, blank=True
    )
    planned_sessions = models.PositiveSmallIntegerField("planned sessions", null=True, blank=True)
    goals = models.TextField("the patient's goals", blank=True, default="")
    review_points = models.TextField("review points (e.g. session 6 and 12)", blank=True, default="")
    notes = models.TextField(blank=True, default="")

    class Meta(ClinicalDocument.Meta):
        pass


DOCUMENT_KINDS[Formulation.KIND] = Formulation
DOCUMENT_KINDS[TreatmentPlan.KIND] = TreatmentPlan
