"""Admin for the service's diary settings: working patterns, leave, opening hours, groups,
the missed-appointment policy. Appointments are changed only through the diary pages."""

from django.contrib import admin

from stepcare.scheduling.models import DnaPolicy, Group, OpeningHours, Unavailability, WorkingHours

for model in (WorkingHours, Unavailability, OpeningHours, DnaPolicy, Group):
    admin.site.register(model)
