from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "stepcare.referrals"
    label = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from stepcare.referrals import receivers  # noqa: F401  (the referrals' part in a death)
