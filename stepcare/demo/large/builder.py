"""The large demo service's builder: staff, then every referral in batches, then planner
statistics and an audit row."""

from __future__ import annotations

import time

from django.db import connection, transaction

from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.demo.bulkload import BulkWriter
from stepcare.demo.generator import (
    DemoResult,
)
from stepcare.demo.large.batches import BatchBuilder
from stepcare.referrals.default_rules import ensure_default_rules
from stepcare.referrals.models import (
    IntakeTeam,
)
from stepcare.scheduling.models import (
    DnaPolicy,
)


class LargeDemoBuilder(BatchBuilder):
    """Builds the large service in batches of referrals, oldest first."""

    def build(self) -> DemoResult:
        started = time.monotonic()
        with transaction.atomic():
            org = self.build_organisation()
            result = DemoResult(organisation=org)
            result.accounts = self.build_staff()
            ensure_default_rules()
            IntakeTeam.objects.create(team=self.teams[0], is_default=True)
            DnaPolicy.objects.get_or_create(service=self.teams[0].service)
            clinicians = self.build_clinicians()
        self.progress(
            f"Staff: {len(clinicians)} clinicians across {len(self.teams)} teams "
            f"({sum(1 for _u, step, _t in clinicians if step == '2')} PWPs at step 2, "
            f"{sum(1 for _u, step, _t in clinicians if step == '3')} at step 3), with working "
            "patterns and leave."
        )
        self._build_names()
        self.writer = BulkWriter()
        try:
            self.build_referrals(started)
        finally:
            self.writer.finish()  # the id sequences move past the rows written, even after a failure
        self.analyze()
        record(
            by=None,
            action=AuditEvent.Action.CREATE,
            username="stepcare demo",
            detail={
                "demo": True,
                "scale": "large",
                "seed": self.seed,
                "referrals": self.counts.referrals,
            },
        )
        result.patients = self.counts.patients
        return result

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics after the bulk load. Without it the planner
        still believes the tables are nearly empty until autovacuum gets to them, and chooses
        nested loops over 100,000-row joins (the reporting bench saw the dashboard's queries
        estimated at 144 referrals instead of 120,000)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
