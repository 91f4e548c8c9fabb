"""The pack holds exactly the courses meeting each rule: not on track on PHQ-9 or on the
anxiety measure chosen from the problem descriptor (GAD-7 or an ADSM), over the agreed
treatment plan's sessions, over the NICE range for the plan."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.records import actions as record_actions
from stepcare.records.models import TreatmentPlan
from stepcare.referrals.models import Referral
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.referrals import AllocatedReferralFactory, ProblemDescriptorRecordFactory

HIT = Role.HIGH_INTENSITY_THERAPIST
SUPERVISOR = Role.CLINICAL_SUPERVISOR


def _course(service, phq, *, hour, gad=None, spin=None, descriptor=None):
    clinician = service.staff[HIT]
    referral = AllocatedReferralFactory(
        patient__team=service.team,
        allocated_to=clinician,
        status=Referral.Status.IN_TREATMENT,
        received_on=dt.date.today() - dt.timedelta(days=150),
    )
    if descriptor:
        ProblemDescriptorRecordFactory(
            referral=referral, primary=descriptor, recorded_on=dt.date.today() - dt.timedelta(days=140)
        )
    for n, p in enumerate(phq):
        appointment = contact(
            referral=referral, clinician=clinician, days_ago=7 + 7 * (len(phq) - 1 - n), hour=hour
        )
        entries = {"PHQ9": phq9(p)}
        if gad:
            entries["GAD7"] = gad7(gad[n])
        if spin:
            entries["SPIN"] = spin[n]
        scores(appointment=appointment, by=clinician, **entries)
    return referral


def _spin(total: int) -> list[int]:
    answers = []
    for _ in range(17):
        answers.append(min(4, total))
        total -= answers[-1]
    return answers


def _plan(service, referral, *, modality, planned, descriptor="F32"):
    plan = TreatmentPlan.objects.create(
        patient=referral.patient,
        referral=referral,
        author=service.staff[HIT],
        modality=modality,
        problem_descriptor=descriptor,
        planned_sessions=planned,
        goals="Back to work; seeing friends weekly.",
    )
    return record_actions.sign_document(by=service.staff[HIT], document=plan, expected_version=plan.version)


def test_the_pack_holds_exactly_the_courses_meeting_each_rule(service, client_for) -> None:
    gad_off = _course(service, [16, 12, 9, 6], gad=[12, 12, 13, 13], hour=8)
    spin_off = _course(
        service, [10, 8, 6, 5], spin=[_spin(t) for t in (30, 30, 31, 32)], descriptor="F40.1", hour=9
    )
    over_plan = _course(service, [16, 12, 9, 7, 6], gad=[12, 9, 7, 6, 5], hour=10)
    _plan(service, over_plan, modality="cbt", planned=4)
    over_nice = _course(
        service, [18, 16, 14, 12, 10, 8, 7, 6, 5], gad=[14, 13, 12, 10, 9, 7, 6, 5, 4], hour=11
    )
    _plan(service, over_nice, modality="mbct", planned=10)
    well = _course(service, [18, 12, 8, 6], gad=[14, 9, 6, 5], hour=12)
    _plan(service, well, modality="cbt", planned=12)

    response = client_for(SUPERVISOR).get(reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk]))
    items = {item.row.referral.pk: item.reasons for item in response.context["pack"].items}
    assert set(items) == {gad_off.pk, spin_off.pk, over_plan.pk, over_nice.pk}
    assert items[gad_off.pk] == ["Not on track (GAD-7 above the expected range)"]
    assert items[spin_off.pk] == ["Not on track (SPIN above the expected range)"]
    assert items[over_plan.pk] == ["5 sessions, more than the 4 in the agreed treatment plan"]
    assert len(items[over_nice.pk]) == 1 and items[over_nice.pk][0].startswith(
        "9 sessions, more than the NICE range (8 sessions; NICE CG90"
    )
    body = response.content.decode()
    assert "GAD-7 from Stepcare default for GAD-7, UNVERIFIED" in body
    assert "SPIN from Stepcare default for SPIN, UNVERIFIED" in body


def test_a_configured_anxiety_curve_is_used_with_its_source(service, client_for, settings) -> None:
    settings.OUTCOMES_EXPECTED_CURVES = {
        "GAD-7": {"upper": {"1": 1.5, "3": 1.2}, "source": "Northbrook's checked GAD-7 curve, 2026"}
    }
    course = _course(service, [16, 12, 9, 6], gad=[12, 12, 13, 13], hour=8)  # 13 <= 12 x 1.2
    response = client_for(SUPERVISOR).get(reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk]))
    assert course.pk not in {item.row.referral.pk for item in response.context["pack"].items}
    assert "GAD-7 from Northbrook&#x27;s checked GAD-7 curve, 2026" in response.content.decode()
