from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from stepcare.accounts.models import Membership, Organisation, Room, Service, Site, Team, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 1


@admin.register(User)
class StaffAdmin(UserAdmin[User]):
    inlines = [MembershipInline]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Professional", {"fields": ("job_title", "professional_registration")}),
    )  # type: ignore[misc]


for model in (Organisation, Service, Team, Site, Room):
    admin.site.register(model)
