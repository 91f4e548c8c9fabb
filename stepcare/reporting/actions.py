"""Writes in reporting: loading the postcode deprivation lookup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from stepcare.accounts.models import User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.reporting.models import PostcodeDeprivation

BATCH = 2000


@transaction.atomic
def import_deprivation(
    *, by: User | None, rows: Sequence[dict[str, Any]], replace: bool = False
) -> tuple[int, int, int]:
    """Add or update postcodes (checked rows from ``parse_deprivation_csv``), in one transaction.

    With ``replace`` the previous lookup is removed first (a new edition of the indices).
    Returns (added, updated, removed)."""
    removed = PostcodeDeprivation.objects.all().delete()[0] if replace else 0
    added = updated = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        existing = set(
            PostcodeDeprivation.objects.filter(postcode__in=[r["postcode"] for r in chunk]).values_list(
                "postcode", flat=True
            )
        )
        PostcodeDeprivation.objects.bulk_create(
            [PostcodeDeprivation(**r) for r in chunk],
            update_conflicts=True,
            unique_fields=["postcode"],
            update_fields=["lsoa_code", "imd_decile", "loaded_at"],
        )
        updated += len(existing)
        added += len(chunk) - len(existing)
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        detail={"deprivation_added": added, "deprivation_updated": updated, "deprivation_removed": removed},
        username="import-deprivation",
    )
    return added, updated, removed
