from django.contrib import admin

from stepcare.outcomes.models import OutcomeSettings


@admin.register(OutcomeSettings)
class OutcomeSettingsAdmin(admin.ModelAdmin[OutcomeSettings]):
    list_display = ("service", "wsas_points", "phobia_points", "finished_courses_per_wte_year")
