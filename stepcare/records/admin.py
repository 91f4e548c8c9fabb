"""The admin shows the clinical record read-only once signed; nothing here is ever deleted.

Drafts and documents are written through the record's pages (and their actions, which audit);
the admin is for looking, and for the service's GP practices and letter templates.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stepcare.records.models import (
    DOCUMENT_KINDS,
    Addendum,
    ClinicalDocument,
    FormulationTemplate,
    GPPractice,
    LetterDispatch,
    LetterTemplate,
)


class DocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "patient", "author", "status", "signed_at")
    list_filter = ("status",)
    raw_id_fields = ("patient", "referral")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClinicalDocument | None = None) -> bool:
        return False  # signed: immutable; drafts: changed only through the record's pages (audited)


for _model in DOCUMENT_KINDS.values():
    admin.site.register(_model, DocumentAdmin)


@admin.register(Addendum)
class AddendumAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "patient", "author", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GPPractice)
class GPPracticeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ods_code", "name", "postcode", "status")
    search_fields = ("ods_code", "name", "postcode")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "purpose", "active")


@admin.register(FormulationTemplate)
class FormulationTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A service adds a formulation model here, without code: its sections as JSON
    (``[{"key": "thoughts", "label": "Thoughts", "help": "..."}]``) and how its diagram is drawn."""

    list_display = ("name", "approach", "diagram", "active")
    list_filter = ("approach", "active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # formulations written from it keep pointing at it; switch it off instead


@admin.register(LetterDispatch)
class LetterDispatchAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """How signed letters were sent: recorded on the letter's page (audited), looked at here."""

    list_display = ("__str__", "letter", "patient", "dispatched_by", "recorded_at")
    list_filter = ("route",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
