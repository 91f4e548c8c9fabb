from django.apps import AppConfig


class StepcareConfig(AppConfig):
    """The project package itself: shared templates, template tags and static files."""

    name = "stepcare"
    label = "stepcare"
