from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "stepcare.referrals"
    label = "referrals"
    verbose_name = "Referrals"
