from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stepcare.demo"
    label = "demo"
