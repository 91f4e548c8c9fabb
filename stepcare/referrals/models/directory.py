"""The directory of local agencies, and each signpost or onward referral made to one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from stepcare.referrals.models.referral import Referral


class Agency(models.Model):
    class Category(models.TextChoices):
        HOUSING = "housing", "Housing"
        POLICE = "police", "Police"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        EMPLOYMENT = "employment", "Employers and employment support"
        SECONDARY_CARE = "secondary_care", "Secondary care / community mental health team"
        CRISIS = "crisis", "Crisis team"
        VOLUNTARY = "voluntary", "Voluntary and community sector"
        GP = "gp", "GP"
        DEBT = "debt", "Money and debt advice"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.TextField(blank=True, help_text="What they offer and who they help.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    address = models.TextField(blank=True)
    accepts_referrals = models.BooleanField(
        default=False, help_text="Takes referrals from us (otherwise people contact them themselves)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="agency_name_required"),
        ]

    def __str__(self) -> str:
        return self.name


class OnwardReferral(models.Model):
    """A signpost (the person contacts them) or an onward referral (we refer on), to whom,
    why, when and by whom. Each produces a letter."""

    class Kind(models.TextChoices):
        SIGNPOST = "signpost", "Signposted (the person contacts them)"
        REFERRAL = "referral", "Referred on (we send the referral)"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="onward_referrals")
    # From the directory, or typed when the organisation is not in it.
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField("organisation", max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_on = models.DateField()
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="onward_reason_required"),
            models.CheckConstraint(condition=Q(kind__in=["signpost", "referral"]), name="onward_kind_known"),
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | ~Q(organisation_name=""),
                name="onward_names_the_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.organisation}"

    @property
    def organisation(self) -> str:
        """Where to: the directory's name for the agency, or the name typed."""
        return self.agency.name if self.agency is not None else self.organisation_name
