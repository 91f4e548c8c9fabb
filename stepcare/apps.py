from django.apps import AppConfig


class StepcareConfig(AppConfig):
    """The project package itself: shared templates, template tags and static files."""

    name = "stepcare"
    label = "stepcare"

    def ready(self) -> None:
        from stepcare import startup  # noqa: F401  (registers the production checks)
