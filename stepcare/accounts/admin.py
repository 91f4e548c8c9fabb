"""Django's admin for superusers: organisation, teams, sites, rooms, and staff accounts.

Reachable only when ``ADMIN_ENABLED`` is true (off by default in production). What matters for
security goes through the same actions as the staff pages: role grants are audited, setting
someone else's password is audited and makes them enrol a new authenticator, and no TOTP
secret is ever shown or editable.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts import actions
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

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool) -> None:
        if not change:  # a password chosen by someone else is replaced at the first sign-in
            obj.must_change_password = True
        super().save_model(request, obj, form, change)
        actions.record_admin_change(
            by=request.user,  # type: ignore[arg-type]
            obj=obj,
            created=not change,
            changed=sorted(form.changed_data),
        )

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[User],
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Role grants: each added, changed or removed membership is audited like the staff pages.
        with transaction.atomic():
            memberships = formset.save(commit=False)
            for membership in formset.deleted_objects:
                actions.record_admin_change(
                    by=request.user,  # type: ignore[arg-type]
                    obj=membership,
                    deleted=True,
                    detail=_membership_detail(membership),
                )
                membership.delete()
            for membership in memberships:
                created = membership.pk is None
                membership.save()
                actions.record_admin_change(
                    by=request.user,  # type: ignore[arg-type]
                    obj=membership,
                    created=created,
                    detail=_membership_detail(membership),
                )
            formset.save_m2m()

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                target = self.get_object(request, unquote(id))
                if target is not None:
                    actions.password_set_by_admin(by=request.user, user=target)  # type: ignore[arg-type]
        return response


def _membership_detail(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user.username,
        "team": str(membership.team),
        "role": membership.role,
        "active": membership.active,
    }


class TOTPDeviceAdmin(admin.ModelAdmin[TOTPDevice]):
    """Authenticators, for looking only: the secret key is never shown, nothing is editable.
    A lost authenticator is reset from the staff pages (audited)."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)

for model in (Organisation, Service, Team, Site, Room):
    admin.site.register(model)
