"""The large demo (``stepcare demo --scale large``), built small with its knobs: the same code
path as the full 120,000-referral service, checked against the rules of the story and by
``stepcare check-derived``."""

from __future__ import annotations

import io
import itertools
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from stepcare.accounts.models import Membership, Organisation
from stepcare.accounts.permissions import Role
from stepcare.outcomes.models import MeasureResponse
from stepcare.patients.models import Patient
from stepcare.referrals.models import NOT_TAKEN_ON_CODES, TAKEN_ON_CODES, Referral
from stepcare.reporting import selectors
from stepcare.reporting.course import compute_outcomes
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.referral_link import attended_assessment_dates, attended_treatment_dates
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

pytestmark = pytest.mark.django_db
S = Referral.Status
YEARS, PER_YEAR = 2, 300


@pytest.fixture
def large() -> str:
    out = io.StringIO()
    call_command(
        "demo", "--scale", "large", "--years", str(YEARS), "--referrals-per-year", str(PER_YEAR), stdout=out
    )
    return out.getvalue()


def test_counts_are_roughly_as_asked_and_progress_is_printed(large: str) -> None:
    assert Referral.objects.count() == YEARS * PER_YEAR
    assert Patient.objects.count() == YEARS * PER_YEAR
    assert "Year 2 of 2" in large and "referrals/s" in large and "min to go" in large
    received = Referral.objects.order_by("received_on")
    today = timezone.localdate()
    assert (today - received.first().received_on).days >= 365 * YEARS - 2  # type: ignore[union-attr]
    assert received.last().received_on <= today  # type: ignore[union-attr]
    clinical = Membership.objects.filter(role__in=[Role.PWP, Role.HIGH_INTENSITY_THERAPIST]).values("user")
    assert (
        clinical.filter(role=Role.PWP).exists()
        and clinical.filter(role=Role.HIGH_INTENSITY_THERAPIST).exists()
    )
    assert WorkingHours.objects.exists() and Unavailability.objects.filter(kind="leave").exists()
    assert Appointment.objects.count() > 3 * YEARS * PER_YEAR
    statuses = Counter(Referral.objects.values_list("status", flat=True))
    assert statuses[S.ENDED] > statuses[S.IN_TREATMENT] > 0 and statuses[S.ENTERED_IN_ERROR] >= 0


def test_ordinary_writes_work_after_the_bulk_load(large: str) -> None:
    """The ids were given by the loader; the database's own id sequences moved past them."""
    patient = PatientFactory(team=Referral.objects.first().team)  # type: ignore[union-attr]
    referral = ReferralFactory(patient=patient, team=patient.team)
    assert referral.pk > Referral.objects.exclude(pk=referral.pk).order_by("-pk").first().pk  # type: ignore[union-attr]


def test_check_derived_is_clean(large: str) -> None:
    out = io.StringIO()
    call_command("check_derived", stdout=out)
    assert "agree with the diary" in out.getvalue()


def test_stored_outcomes_are_the_ones_the_responses_give(large: str) -> None:
    referrals = list(Referral.objects.values_list("pk", "outcome_paired", "outcome_recovered"))
    wanted = compute_outcomes(pk for pk, _p, _r in referrals)
    assert [
        (pk, wanted[pk]["outcome_paired"], wanted[pk]["outcome_recovered"]) for pk, _p, _r in referrals
    ] == (referrals)
    assert MeasureResponse.objects.filter(measure="PHQ-9").count() > YEARS * PER_YEAR


def test_the_story_rules_hold(large: str) -> None:
    referrals = list(Referral.objects.exclude(status=S.ENTERED_IN_ERROR))
    treatment = attended_treatment_dates(r.pk for r in referrals)
    assessed = attended_assessment_dates(r.pk for r in referrals)
    for referral in referrals:
        attended = treatment.get(referral.pk, [])
        if referral.status == S.IN_TREATMENT or referral.end_code in TAKEN_ON_CODES:
            assert attended, referral.reference
            # An attended assessment before the first treatment, and it is the one recorded.
            assert assessed.get(referral.pk) and min(assessed[referral.pk]) < min(attended)
            assert referral.assessment_date == min(assessed[referral.pk])
        if referral.status in (S.WAITING, S.ALLOCATED) or referral.end_code in NOT_TAKEN_ON_CODES:
            assert not attended, referral.reference
        if referral.discharge_date and attended:
            assert max(attended) <= referral.discharge_date
        if referral.end_code == "50":
            assert referral.assessment_date is None
        if referral.end_code == "13":
            assert referral.onward_referrals.exists()
    # Nothing booked after an ending; no clinician or patient in two places at once.
    assert not Attendee.objects.filter(
        referral__status=S.ENDED, live=True, starts_at__gt=timezone.now(), appointment__status="booked"
    ).exists()
    live = list(
        AppointmentClinician.objects.filter(live=True).values_list("clinician_id", "starts_at", "ends_at")
    )
    by_clinician: dict[int, list[tuple]] = {}  # type: ignore[type-arg]
    for clinician, start, end in live:
        by_clinician.setdefault(clinician, []).append((start, end))
    for slots in by_clinician.values():
        slots.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(slots))


def test_the_mix_is_national_like(large: str) -> None:
    today = timezone.localdate()
    figures = selectors.kpis(today.replace(year=today.year - 1), today)
    assert figures["finished_course"] > 100
    assert 0.35 <= figures["recovery_rate"] <= 0.65
    assert 0.5 <= figures["reliable_improvement_rate"] <= 0.8
    assert 0.0 < figures["reliable_deterioration_rate"] <= 0.12
    assert figures["not_paired"] > 0  # some finished courses have no score pair
    assert figures["first_treatment_within_18_weeks_rate"] >= 0.9


def test_a_clinicians_week_is_a_real_working_week() -> None:
    """No clinician has more contacts in a week than a full-time clinician sees (DOMAIN.md: a
    HIT about 20-25 a week): five hour-long sessions a day at step 3, seven half-hour contacts
    a day at step 2, so the diaries and caseloads read as a real service's at any size. Built
    with too few clinicians for its referrals, so every slot is wanted."""
    call_command(
        "demo", "--scale", "large", "--years", "1", "--referrals-per-year", "1200", "--clinicians", "6",
        stdout=io.StringIO(),
    )  # fmt: skip
    clinical = Membership.objects.filter(role__in=[Role.PWP, Role.HIGH_INTENSITY_THERAPIST])
    step_of = dict(clinical.values_list("user", "role"))
    weekly = Counter(
        (clinician, start.isocalendar()[:2])
        for clinician, start in AppointmentClinician.objects.values_list("clinician_id", "starts_at")
    )
    assert weekly
    for (clinician, _week), contacts in weekly.items():
        most = 35 if step_of.get(clinician) == Role.PWP else 25
        assert contacts <= most, (clinician, contacts)
    hit = Role.HIGH_INTENSITY_THERAPIST
    hits = [n for (clinician, _w), n in weekly.items() if step_of.get(clinician) == hit]
    assert max(hits) >= 10  # the weeks are worked, not empty


@pytest.mark.django_db(transaction=True)  # --reset flushes, which PostgreSQL runs outside a transaction
def test_the_same_seed_gives_the_same_service() -> None:
    args = ("demo", "--scale", "large", "--years", "1", "--referrals-per-year", "60", "--seed", "3")
    call_command(*args, stdout=io.StringIO())
    first = list(
        Referral.objects.order_by("received_on", "reference").values_list(
            "reference", "status", "first_treatment_date"
        )
    )
    call_command(*args, "--reset", stdout=io.StringIO())
    second = list(
        Referral.objects.order_by("received_on", "reference").values_list(
            "reference", "status", "first_treatment_date"
        )
    )
    assert first == second


def test_refuses_a_database_that_holds_a_service_and_if_empty_leaves_it_alone() -> None:
    call_command(
        "demo", "--scale", "large", "--years", "1", "--referrals-per-year", "30", stdout=io.StringIO()
    )
    count = Referral.objects.count()
    with pytest.raises(CommandError, match="already holds a service"):
        call_command("demo", "--scale", "large", "--years", "1", stdout=io.StringIO())
    call_command("demo", "--scale", "large", "--if-empty", stdout=io.StringIO())
    assert Referral.objects.count() == count and Organisation.objects.count() == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("--years", "0"), "--years"),
        (("--referrals-per-year", "0"), "--referrals-per-year"),
        (("--clinicians", "2"), "--clinicians"),
    ],
)
def test_refuses_bad_knobs(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("demo", "--scale", "large", *args, stdout=io.StringIO())
    assert not Organisation.objects.exists()


def test_refused_in_production() -> None:
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="production"):
        call_command(
            "demo", "--scale", "large", "--years", "1", "--referrals-per-year", "10", stdout=io.StringIO()
        )
    assert not Organisation.objects.exists()
