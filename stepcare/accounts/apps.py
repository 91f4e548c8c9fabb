from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stepcare.accounts"
    label = "accounts"
    verbose_name = "Staff, teams and roles"

    def ready(self) -> None:
        from stepcare.accounts import signals  # noqa: F401
