from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "stepcare.scheduling"
    label = "scheduling"
    verbose_name = "Diaries and appointments"

    def ready(self) -> None:
        # Configure the Celery app from Django's settings as Django starts, so that the
        # reminder jobs are queued through it (eagerly when there is no REDIS_URL).
        import stepcare.celery  # noqa: F401
        from stepcare.scheduling import receivers  # noqa: F401  (the diary's part in referral moves)
