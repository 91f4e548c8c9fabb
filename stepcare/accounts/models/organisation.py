"""Organisation → service → team, and the sites and rooms where people are seen."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

ods_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,6}$",
    "An ODS code is 3 to 6 capital letters and digits, for example RX4 or Y02345.",
)


class Organisation(models.Model):
    """A provider organisation, identified nationally by its ODS code."""

    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=6, unique=True, validators=[ods_code_validator])

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class Service(models.Model):
    """An NHS Talking Therapies service run by an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="service_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A clinical team: the unit of caseloads and of access to patients."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="team_name_unique_in_service")
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=100)
    capacity = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="room_name_unique_in_site"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.site.name}: {self.name}"
