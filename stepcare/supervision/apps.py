from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stepcare.supervision"
    verbose_name = "Supervision, MDT and CPD"
