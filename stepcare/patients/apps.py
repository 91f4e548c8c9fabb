from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "stepcare.patients"
    label = "patients"
