"""The Celery application: background jobs (appointment reminders, exports).

Configured from Django's settings (the ``CELERY_`` names). With no ``REDIS_URL`` the
embedded default runs every job at once, in the process that asked for it.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")

app = Celery("stepcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
