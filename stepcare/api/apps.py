from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "stepcare.api"
    label = "api"
    verbose_name = "REST API and personal access tokens"
