"""The synthetic demo service."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from nhs_number import is_valid

from stepcare.accounts.models import Membership, Team, User
from stepcare.accounts.permissions import Role
from stepcare.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_demo_builds_a_service_with_every_role_and_synthetic_patients() -> None:
    out = io.StringIO()
    call_command("demo", "--patients", "120", "--seed", "7", stdout=out)
    assert Team.objects.count() == 3
    assert 14 <= User.objects.count() <= 20
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Patient.objects.count() == 120
    numbers = [n for n in Patient.objects.values_list("nhs_number", flat=True) if n]
    assert all(n.startswith("999") and is_valid(n) for n in numbers)
    assert len(numbers) == len(set(numbers))
    ethnicities = Counter(Patient.objects.values_list("ethnic_category", flat=True))
    assert ethnicities["A"] > 60 and len(ethnicities) >= 5
    assert "stepcare-demo-password" in out.getvalue()
    assert "ben.hughes" in out.getvalue()


@pytest.mark.django_db(transaction=True)  # --reset flushes, which PostgreSQL runs outside a transaction
def test_demo_is_deterministic_for_a_seed() -> None:
    call_command("demo", "--patients", "30", "--seed", "11", stdout=io.StringIO())
    first = list(Patient.objects.order_by("id").values_list("family_name", "nhs_number", "date_of_birth"))
    call_command("demo", "--patients", "30", "--seed", "11", "--reset", stdout=io.StringIO())
    second = list(Patient.objects.order_by("id").values_list("family_name", "nhs_number", "date_of_birth"))
    assert first == second


def test_demo_refuses_to_load_twice_without_reset_and_if_empty_leaves_it_alone() -> None:
    call_command("demo", "--patients", "5", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already holds a service"):
        call_command("demo", "--patients", "5", stdout=io.StringIO())
    call_command("demo", "--patients", "5", "--if-empty", stdout=io.StringIO())
    assert Patient.objects.count() == 5


def test_demo_otp_prints_the_current_code_of_a_demo_account() -> None:
    call_command("demo", "--patients", "1", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_otp", "ben.hughes", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().isdigit() and len(out.getvalue().strip()) == 6
    with pytest.raises(CommandError, match="No demo authenticator"):
        call_command("demo_otp", "nobody", stdout=io.StringIO())
