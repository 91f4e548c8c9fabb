from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from stepcare.accounts.models import Membership, Organisation, Room, Service, Site, Team, User
from stepcare.accounts.permissions import Role

TEST_PASSWORD = "correct-horse-battery-staple"
_HASH: list[str] = []


def _password_hash() -> str:
    # Argon2 is deliberately slow: hash the shared test password once.
    if not _HASH:
        _HASH.append(make_password(TEST_PASSWORD))
    return _HASH[0]


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    name = "Test Health NHS Trust"
    ods_code = "RTE"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("organisation", "name")

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Test Talking Therapies"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(_password_hash)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.HIGH_INTENSITY_THERAPIST


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Test authenticator"
    confirmed = True
