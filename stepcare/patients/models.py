"""Patients: the people a service cares for, and the risk flag every screen shows."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from stepcare.patients.codes import (
    EmploymentStatus,
    EthnicCategory,
    GenderIdentity,
    Language,
    LongTermCondition,
    StatedSex,
)
from stepcare.patients.lookups import SearchKeyField

gp_practice_code_validator = RegexValidator(
    r"^[A-Z][0-9]{5}$",
    "A GP practice code is a capital letter followed by five digits, for example A81001.",
)


def normalise_name(value: str) -> str:
    return " ".join(value.lower().split())


# Apostrophes (straight and curly), hyphens and dashes, and spaces: written differently on
# different forms, never a difference between two people.
_NAME_PUNCTUATION = re.compile(r"[\s'\u2018\u2019\u02bc`\u00b4\-\u2010\u2011\u2012\u2013\u2014.]+")


def identity_name_key(value: str) -> str:
    """A name as compared when deciding whether two records are one person.

    Case, accents, apostrophes, hyphens and spaces are ignored, so O’Neill, O'Neill and
    ONeill, or Zoë and Zoe, compare equal.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NAME_PUNCTUATION.sub("", plain)


def phone_digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits


# The demographics staff may record and change, in the order forms show them.
DEMOGRAPHIC_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "stated_sex",
    "gender_identity",
    "ethnic_category",
    "preferred_language",
    "interpreter_required",
    "employment_status",
    "long_term_conditions",
    "address",
    "postcode",
    "phone_mobile",
    "phone_home",
    "email",
    "may_phone",
    "may_text",
    "may_email",
    "may_post",
    "safe_to_leave_message",
    "gp_practice_code",
    "gp_practice_name",
    "sensitive",
)


class PatientQuerySet(models.QuerySet["Patient"]):
    def for_banner(self) -> PatientQuerySet:
        return (
            self.select_related("team", "allocated_clinician")
            .annotate(**item9_annotations())
            .prefetch_related(
                models.Prefetch(
                    "risk_flags",
                    queryset=RiskFlag.objects.filter(cleared_at__isnull=True).select_related("raised_by"),
                    to_attr="active_risk_flags",
                )
            )
            .with_risk_review()
        )

    def with_risk_review(self) -> PatientQuerySet:
        """The latest signed risk formulation's date, review date and summary, in the same query."""
        return self.annotate(**risk_review_annotations())


# What the banner reads besides the patient's row: copied onto a patient loaded through another
# model (a referral's page) by ``banner_annotations`` / ``copy_banner_annotations``.
BANNER_ANNOTATIONS = ("risk_reviewed_at", "risk_review_due", "risk_judgement", "item9_answer", "item9_on")

# The measure whose item 9 the banner prompts about (``outcomes.due.DEPRESSION``).
ITEM9_MEASURE = "PHQ-9"


def risk_review_annotations(patient_ref: str = "pk") -> dict[str, Any]:
    """Subqueries for the latest signed risk formulation of the patient at ``patient_ref``."""
    reviews = (
        apps.get_model("records", "RiskAssessment")
        .objects.filter(patient=models.OuterRef(patient_ref), status="signed")
        .order_by("-signed_at", "-id")
    )
    return {
        "risk_reviewed_at": models.Subquery(reviews.values("signed_at")[:1]),
        "risk_review_due": models.Subquery(reviews.values("review_date")[:1]),
        "risk_judgement": models.Subquery(reviews.values("summary")[:1]),
    }


def item9_annotations(patient_ref: str = "pk") -> dict[str, Any]:
    """Subqueries for the banner's PHQ-9 item 9 prompt: the latest current PHQ-9 of the patient
    at ``patient_ref`` answered above 0 on item 9, and its date (no extra query).

    The responses are the outcomes app's, named through the app registry as the risk reviews
    are the records app's: outcomes and records build on patients, not the reverse.
    """
    latest = (
        apps.get_model("outcomes", "MeasureResponse")
        .objects.current()
        .filter(patient=models.OuterRef(patient_ref), measure=ITEM9_MEASURE, item9__gt=0)
        .order_by("-completed_on", "-recorded_at", "-id")
    )
    return {
        "item9_answer": models.Subquery(latest.values("item9")[:1]),
        "item9_on": models.Subquery(latest.values("completed_on")[:1]),
    }


def banner_annotations(patient_ref: str) -> dict[str, Any]:
    """The banner's risk annotations for a queryset of another model that points at a patient
    (``patient_ref``, e.g. "patient_id"), named ``banner_<name>`` to be copied onto it."""
    found = {**risk_review_annotations(patient_ref), **item9_annotations(patient_ref)}
    return {f"banner_{k}": v for k, v in found.items()}


def card_annotations(patient_ref: str) -> dict[str, Any]:
    """What a diary card reads of the banner (whether the risk review is overdue), named as
    ``banner_annotations`` names it: one correlated subquery rather than five."""
    return {"banner_risk_review_due": risk_review_annotations(patient_ref)["risk_review_due"]}


def copy_banner_annotations(obj: Any, patient: Patient | None) -> None:
    """Give ``patient`` the banner values annotated on ``obj`` by ``banner_annotations``."""
    if patient is None:
        return
    for name in BANNER_ANNOTATIONS:
        setattr(patient, name, getattr(obj, f"banner_{name}", None))


class Patient(models.Model):
    """A person referred to the service. Never deleted; corrected by editing, with audit."""

    # Fields holding personal data: scrubbed when a copy of the database leaves production.
    PERSONAL_DATA_FIELDS = (
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "nhs_number",
        "address",
        "postcode",
        "phone_mobile",
        "phone_home",
        "email",
    )

    nhs_number = models.CharField("NHS number", max_length=10, null=True, blank=True)
    given_name = models.CharField("first name", max_length=100)
    family_name = models.CharField("last name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    stated_sex = models.CharField("sex", max_length=1, choices=StatedSex.choices, default=StatedSex.NOT_KNOWN)
    gender_identity = models.CharField(
        max_length=1, choices=GenderIdentity.choices, default=GenderIdentity.NOT_KNOWN
    )
    ethnic_category = models.CharField(
        max_length=2, choices=EthnicCategory.choices, default=EthnicCategory.NOT_KNOWN
    )
    preferred_language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    interpreter_required = models.BooleanField(default=False)
    employment_status = models.CharField(max_length=2, choices=EmploymentStatus.choices, blank=True)
    long_term_conditions = models.JSONField(default=list, blank=True)

    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone_mobile = models.CharField("mobile phone", max_length=20, blank=True)
    phone_home = models.CharField("other phone", max_length=20, blank=True)
    email = models.EmailField(blank=True)
    may_phone = models.BooleanField("we may phone", default=True)
    may_text = models.BooleanField("we may send text messages", default=True)
    may_email = models.BooleanField("we may email", default=False)
    may_post = models.BooleanField("we may send letters", default=True)
    safe_to_leave_message = models.BooleanField("safe to leave a message", default=False)

    gp_practice_code = models.CharField(
        "GP practice code", max_length=6, blank=True, validators=[gp_practice_code_validator]
    )
    gp_practice_name = models.CharField("GP practice", max_length=200, blank=True)

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="patients")
    allocated_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Recorded when the person has died: every contact stops (no messages, no bookings).
    date_of_death = models.DateField(null=True, blank=True)
    # Where the news of the death came from (a relative, the GP, the coroner, NHS records).
    death_source = models.CharField("source of information about the death", max_length=200, blank=True)
    sensitive = models.BooleanField(
        "sensitive record",
        default=False,
        help_text="e.g. a member of staff or a person at risk from someone who could look them up",
    )

    # Derived search keys, kept by save(); indexed for search on large services. The name keys'
    # own indexes (db_index) answer both a prefix and the order of results (byte order: the
    # "C" collation on PostgreSQL, see patients/lookups.py).
    search_name = SearchKeyField(max_length=201, editable=False, db_index=True)
    search_given = SearchKeyField(max_length=100, editable=False, db_index=True)
    search_mobile = SearchKeyField(max_length=20, editable=False, db_index=True, default="")
    search_home = SearchKeyField(max_length=20, editable=False, db_index=True, default="")

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=models.Q(nhs_number__isnull=False),
                name="patient_nhs_number_unique",
                violation_error_message="A patient with this NHS number already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(nhs_number__isnull=True) | models.Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="patient_nhs_number_ten_digits",
            ),
            models.CheckConstraint(
                condition=~models.Q(given_name="") & ~models.Q(family_name=""),
                name="patient_name_required",
            ),
        ]
        indexes = [
            models.Index(fields=["date_of_birth"]),
            models.Index(
                fields=["search_mobile"],
                name="patient_search_mobile_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["search_home"],
                name="patient_search_home_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_search_keys()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def refresh_search_keys(self) -> None:
        """Derive the indexed search keys; call before ``bulk_create``, which skips save()."""
        self.search_name = normalise_name(f"{self.family_name} {self.given_name}")[:201]
        self.search_given = normalise_name(self.given_name)[:100]
        self.search_mobile = phone_digits(self.phone_mobile)[:20]
        self.search_home = phone_digits(self.phone_home)[:20]

    @property
    def display_name(self) -> str:
        """Surname first in capitals, as NHS banners show it: SMITH, Jane."""
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def is_deceased(self) -> bool:
        return self.date_of_death is not None

    @property
    def formatted_nhs_number(self) -> str:
        n = self.nhs_number or ""
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else "Not recorded"

    @property
    def long_term_condition_labels(self) -> list[str]:
        labels = dict(LongTermCondition.choices)
        return [str(labels.get(code, code)) for code in self.long_term_conditions]

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def risk_review_overdue(self) -> bool:
        """The latest risk formulation's review date has passed (needs ``with_risk_review``)."""
        due = getattr(self, "risk_review_due", None)
        return due is not None and due < timezone.localdate()


class RiskFlag(models.Model):
    """A clinician's judgement that there are current risk concerns, with a short summary.

    It is never a computed score or a low/medium/high prediction (NICE NG225). The full risk
    formulation and safety plan belong to the clinical record.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="risk_flags")
    summary = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(summary=""), name="risk_flag_summary_required"),
        ]

    def __str__(self) -> str:
        return f"Risk concern for {self.patient} raised {self.raised_at:%d/%m/%Y}"


class EmploymentSupport(models.Model):
    """A patient referred to an employment adviser for employment support.

    This is the employment adviser's legitimate relationship with the patient: an adviser sees
    only the patients referred to them, not every patient of their teams
    (docs/adr/0012-employment-advisers-see-only-their-referrals.md).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="employment_support")
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "adviser"],
                condition=models.Q(ended_at__isnull=True),
                name="employment_support_open_once",
            )
        ]
        indexes = [models.Index(fields=["adviser", "patient"])]

    def __str__(self) -> str:
        return f"Employment support for patient {self.patient_id} by {self.adviser_id}"
