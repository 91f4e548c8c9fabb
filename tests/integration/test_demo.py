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
from tests.demo_clock import build_demo_at_half_past_eight

pytestmark = pytest.mark.django_db


def test_demo_builds_a_service_with_every_role_and_synthetic_patients() -> None:
    printed = build_demo_at_half_past_eight("--patients", "120", "--seed", "7")
    assert Team.objects.count() == 3
    assert 14 <= User.objects.count() <= 20
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Patient.objects.count() == 120
    numbers = [n for n in Patient.objects.values_list("nhs_number", flat=True) if n]
    assert all(n.startswith("999") and is_valid(n) for n in numbers)
    assert len(numbers) == len(set(numbers))
    ethnicities = Counter(Patient.objects.values_list("ethnic_category", flat=True))
    assert ethnicities["A"] > 60 and len(ethnicities) >= 5
    assert "stepcare-demo-password" in printed
    assert "ben.hughes" in printed


@pytest.mark.django_db(transaction=True)  # --reset flushes, which PostgreSQL runs outside a transaction
def test_demo_is_deterministic_for_a_seed() -> None:
    build_demo_at_half_past_eight("--patients", "30", "--seed", "11")
    first = list(Patient.objects.order_by("id").values_list("family_name", "nhs_number", "date_of_birth"))
    build_demo_at_half_past_eight("--patients", "30", "--seed", "11", "--reset")
    second = list(Patient.objects.order_by("id").values_list("family_name", "nhs_number", "date_of_birth"))
    assert first == second


def test_demo_refuses_to_load_twice_without_reset_and_if_empty_leaves_it_alone() -> None:
    build_demo_at_half_past_eight("--patients", "5")
    with pytest.raises(CommandError, match="already holds a service"):
        build_demo_at_half_past_eight("--patients", "5")
    build_demo_at_half_past_eight("--patients", "5", "--if-empty")
    assert Patient.objects.count() == 5


def test_demo_otp_prints_the_current_code_of_a_demo_account() -> None:
    build_demo_at_half_past_eight("--patients", "1")
    out = io.StringIO()
    call_command("demo_otp", "ben.hughes", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().isdigit() and len(out.getvalue().strip()) == 6
    with pytest.raises(CommandError, match="No demo authenticator"):
        call_command("demo_otp", "nobody", stdout=io.StringIO())


def _fingerprint() -> dict[str, object]:
    """What the demo built, without database ids or creation timestamps: how many rows of each
    model, and each referral's course and each appointment, score and couple as they stand."""
    from django.apps import apps

    from stepcare.outcomes.models import MeasureResponse
    from stepcare.referrals.models import Referral
    from stepcare.scheduling.models import Attendee

    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "admin", "contenttypes", "auth"}
    }
    referrals = sorted(
        Referral.objects.values_list(
            "reference",
            "patient__nhs_number",
            "patient__family_name",
            "status",
            "step",
            "end_code",
            "received_on",
            "assessment_date",
            "first_treatment_date",
            "last_treatment_date",
            "treatment_contact_count",
            "discharge_date",
            "allocated_to__username",
            "assessed_by__username",
        ),
        key=repr,
    )
    attendees = sorted(
        Attendee.objects.values_list(
            "referral__reference",
            "patient__family_name",
            "starts_at",
            "attendance",
            "live",
            "appointment__kind",
            "appointment__app_type",
            "appointment__status",
            "appointment__delivery_mode",
            "appointment__video_link",
        ),
        key=repr,
    )
    scores = sorted(
        MeasureResponse.objects.values_list(
            "referral__reference", "measure", "completed_on", "total", "item9"
        ),
        key=repr,
    )
    return {"counts": counts, "referrals": referrals, "attendees": attendees, "scores": scores}


@pytest.mark.django_db(transaction=True)  # --reset flushes, which PostgreSQL runs outside a transaction
def test_the_same_seed_at_the_same_time_builds_the_same_service() -> None:
    build_demo_at_half_past_eight("--patients", "60", "--seed", "3")
    first = _fingerprint()
    build_demo_at_half_past_eight("--patients", "60", "--seed", "3", "--reset")
    second = _fingerprint()
    assert first["counts"] == second["counts"]
    for part in ("referrals", "attendees", "scores"):
        assert first[part], part  # the demo has some of each
        assert first[part] == second[part], part
