from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stepcare.reporting"
    verbose_name = "Service reporting"
