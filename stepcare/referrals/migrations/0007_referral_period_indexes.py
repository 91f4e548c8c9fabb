"""The reports' period cohorts by index: referrals by the date they entered treatment, and
ended referrals by their discharge date (issue 15). Built without locking the table on
PostgreSQL: referrals are written all day."""

from django.db import migrations, models

from stepcare.dbops import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("referrals", "0006_referral_list_partial_indexes"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("first_treatment_date__isnull", False)),
                fields=["first_treatment_date"],
                name="referral_entered_treatment",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("status", "ended")),
                fields=["discharge_date"],
                name="referral_ended_on",
            ),
        ),
    ]
