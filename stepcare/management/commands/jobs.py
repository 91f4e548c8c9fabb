"""stepcare jobs status: queued, running and recently failed background jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Background jobs: 'stepcare jobs status' prints queued, running and failed in the last hour."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["status"])
        parser.add_argument("--minutes", type=int, default=60, help="how far back to look for failures")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            self.stdout.write(
                "No REDIS_URL: jobs run at once in the process that asks for them; nothing is queued."
            )
            return
        from stepcare import jobs

        try:
            status = jobs.status(since_seconds=options["minutes"] * 60)
        except Exception as exc:  # Redis down: say so plainly
            raise CommandError(f"Cannot read the job queue from REDIS_URL: {exc}") from None
        minutes = options["minutes"]
        for queue, count in status.queued.items():
            self.stdout.write(f"queued: {count} (queue {queue})")
        if status.running is None:
            self.stdout.write("running: no worker answered (is `celery -A stepcare worker` running?)")
        else:
            total = sum(len(names) for names in status.running.values())
            self.stdout.write(f"running: {total} on {len(status.running)} worker(s)")
            for worker, names in sorted(status.running.items()):
                self.stdout.write(f"  {worker}: {', '.join(names) or 'idle'}")
        self.stdout.write(f"succeeded in the last {minutes} minutes: {status.succeeded_count}")
        self.stdout.write(f"failed in the last {minutes} minutes: {len(status.failed)}")
        for failure in status.failed:
            at = dt.datetime.fromtimestamp(failure["at"], tz=dt.UTC).astimezone()
            self.stdout.write(
                f"  {at:%Y-%m-%d %H:%M:%S} {failure['name']} [{failure['id']}] {failure['error']}"
            )
