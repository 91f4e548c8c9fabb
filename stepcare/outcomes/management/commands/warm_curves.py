"""``stepcare warm-curves``: work out today's expected-response curves of every service that
the cache lacks, as the Celery beat job does every 15 minutes; for after a deploy, or where
beat does not run, so that no clinician's caseload waits for them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from stepcare.outcomes.selectors.curves import warm_curves


class Command(BaseCommand):
    help = "Work out today's expected-response curves the cache lacks, for every service."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        computed = warm_curves()
        took = time.monotonic() - started
        if computed:
            self.stdout.write(f"Curves worked out for {computed} service(s) in {took:.1f} s.")
        else:
            self.stdout.write("Every service's curves for today were already in the cache.")
