"""Consent and sharing, and the people around the patient."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class RelatedPerson(models.Model):
    """Family, a carer, a partner or an emergency contact, and how they are involved."""

    class Relationship(models.TextChoices):
        PARTNER = "partner", "Partner"
        FAMILY = "family", "Family member"
        CARER = "carer", "Carer"
        FRIEND = "friend", "Friend"
        OTHER = "other", "Other"

    PERSONAL_DATA_FIELDS = ("name", "phone", "address")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=10, choices=Relationship.choices)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    emergency_contact = models.BooleanField(default=False)
    involvement = models.TextField("how they are involved", blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="records_related_person_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display().lower()})"


class Consent(models.Model):
    """One decision by the patient: consent given or refused, for one purpose and recipient.

    Never changed except to record its withdrawal (with the date); a new decision is a new row.
    The current state of each purpose is its latest decision not withdrawn.
    """

    class Scope(models.TextChoices):
        TREATMENT = "treatment", "Treatment"
        CONTACT_PHONE = "contact_phone", "Contact by phone"
        CONTACT_TEXT = "contact_text", "Contact by text message"
        CONTACT_EMAIL = "contact_email", "Contact by email"
        CONTACT_POST = "contact_post", "Contact by letter"
        SHARE_GP = "share_gp", "Share with the GP"
        INVOLVE_PERSON = "involve_person", "Involve a named person"
        SHARE_AGENCY = "share_agency", "Share with a named agency or employer"

    # Each contact channel's consent and the patient's contact flag it keeps in step (the flag
    # is what reminders and letters read; every change of either is a consent decision here).
    CONTACT_FLAGS = {
        Scope.CONTACT_PHONE: "may_phone",
        Scope.CONTACT_TEXT: "may_text",
        Scope.CONTACT_EMAIL: "may_email",
        Scope.CONTACT_POST: "may_post",
    }

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    given = models.BooleanField("consent given")
    related_person = models.ForeignKey(
        RelatedPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    agency_name = models.CharField("agency or employer", max_length=200, blank=True)
    may_be_told = models.TextField("what may be shared", blank=True)
    decided_on = models.DateField("date of the decision")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["patient", "scope"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="involve_person") | Q(related_person__isnull=False),
                name="records_consent_person_named",
            ),
            models.CheckConstraint(
                condition=~Q(scope="share_agency") | ~Q(agency_name=""),
                name="records_consent_agency_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {'yes' if self.given else 'no'}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_on is None

    @property
    def target(self) -> str:
        if self.related_person_id:
            return str(self.related_person)
        return self.agency_name
