from __future__ import annotations

import datetime as dt
import random

import factory
from nhs_number import calculate_checksum

from stepcare.patients.models import Patient, RiskFlag
from tests.factories.accounts import TeamFactory, UserFactory


def valid_nhs_number(n: int) -> str:
    """A valid synthetic NHS number (999 range), different for each n."""
    stem_int = 999_000_000 + n
    while True:
        stem = f"{stem_int:09d}"
        check = calculate_checksum(stem)
        if check is not None and check < 10:
            return stem + str(check)
        stem_int += 1_000_000 // 7


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    nhs_number = factory.Sequence(lambda n: valid_nhs_number(n * 13 + random.randrange(0, 7)))
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = dt.date(1985, 6, 15)
    team = factory.SubFactory(TeamFactory)
    phone_mobile = "07700 900123"


class RiskFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskFlag

    patient = factory.SubFactory(PatientFactory)
    summary = "Passive thoughts of being better off dead; safety plan agreed."
    raised_by = factory.SubFactory(UserFactory)
