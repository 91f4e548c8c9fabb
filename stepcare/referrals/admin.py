"""What a service edits for itself: suitability rules, the directory, intake teams and
therapists' qualifications and capacity. Referrals are changed only through the pages."""

from __future__ import annotations

from django.contrib import admin

from stepcare.referrals.models import Agency, IntakeTeam, Qualification, SuitabilityRule, TherapistProfile


@admin.register(SuitabilityRule)
class SuitabilityRuleAdmin(admin.ModelAdmin[SuitabilityRule]):
    list_display = ("name", "condition", "suggestion", "source", "active", "order")
    list_filter = ("active", "condition", "suggestion")
    list_editable = ("active", "order")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ("name", "category", "phone", "accepts_referrals", "active")
    list_filter = ("category", "active", "accepts_referrals")
    search_fields = ("name", "description")


@admin.register(IntakeTeam)
class IntakeTeamAdmin(admin.ModelAdmin[IntakeTeam]):
    list_display = ("team", "is_default")


@admin.register(TherapistProfile)
class TherapistProfileAdmin(admin.ModelAdmin[TherapistProfile]):
    list_display = ("user", "caseload_capacity", "working_hours_per_week")


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin[Qualification]):
    list_display = ("user", "level", "awarded_on", "planned_completion_on")
    list_filter = ("level",)
