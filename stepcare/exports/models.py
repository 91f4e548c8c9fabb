"""Export jobs: a report a member of staff asked for, run in the background (Celery), with its
progress and its result file. What each kind does is in ``stepcare.exports.kinds``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"
        # Its file was deleted after STEPCARE_EXPORTS_KEEP_DAYS (the job and its audit remain).
        EXPIRED = "expired", "Expired (file deleted)"

    kind = models.CharField(max_length=40)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The team whose records the job may read: the requester holds the kind's permission there.
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # The result file's name inside settings.STEPCARE_EXPORTS_DIR (empty for a report-only kind).
    result_file = models.CharField(max_length=200, blank=True)
    # What the job found: rows per table, the validator's report, the patients a file names.
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the worker last wrote progress: a running job silent for too long has been lost.
    progress_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "-created_at"]),
            models.Index(fields=["requested_by", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed", "expired"]),
                name="export_job_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="export_job_failure_has_error"
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.kind}, {self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))
