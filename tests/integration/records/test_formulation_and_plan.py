"""Formulations from templates held as data; treatment plans against the NICE range; goals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.records import actions, nice
from stepcare.records.models import Formulation, FormulationTemplate, GoalRating, TreatmentPlan

R = Role


def test_every_shipped_formulation_model_is_a_template_held_as_data(db) -> None:
    names = set(FormulationTemplate.objects.values_list("name", flat=True))
    assert {"Five areas (generic CBT)", "Longitudinal formulation (Beck)", "IPT focal area"} <= names
    assert any("DIT" in n for n in names) and any("Clark" in n for n in names)


def test_a_service_adds_a_formulation_template_without_code_and_writes_and_signs_one(
    client_for, patient
) -> None:
    template = FormulationTemplate.objects.create(
        name="Health anxiety (Salkovskis and Warwick)",
        approach="CBT",
        sections=[
            {"key": "trigger", "label": "Trigger", "help": ""},
            {"key": "misinterpretation", "label": "Misinterpretation of bodily signs", "help": ""},
        ],
    )
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    chooser = client.get(reverse("records:new", args=[patient.pk, "formulation"])).content.decode()
    assert "Health anxiety (Salkovskis and Warwick)" in chooser
    url = reverse("records:new", args=[patient.pk, "formulation"]) + f"?template={template.pk}"
    assert "Misinterpretation of bodily signs" in client.get(url).content.decode()
    created = client.post(
        url, {"template": template.pk, "s_trigger": "Headache", "s_misinterpretation": "Tumour"}
    )
    assert created.status_code == 302
    formulation = Formulation.objects.get(patient=patient)
    assert formulation.sections == {"trigger": "Headache", "misinterpretation": "Tumour"}
    edit = reverse("records:edit", args=["formulation", formulation.pk])
    assert "Headache</textarea>" in client.get(edit).content.decode()
    client.post(
        edit, {"s_trigger": "Headache after screen work", "s_misinterpretation": "Tumour", "version": 1}
    )
    formulation.refresh_from_db()
    assert formulation.sections["trigger"] == "Headache after screen work"
    client.post(
        reverse("records:sign", args=["formulation", formulation.pk]), {"version": formulation.version}
    )
    assert Formulation.objects.get(pk=formulation.pk).is_signed
    page = client.get(reverse("records:document", args=["formulation", formulation.pk])).content.decode()
    assert "Misinterpretation of bodily signs" in page and "Headache after screen work" in page
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_formulation SET sections = '{}' WHERE id = %s", [formulation.pk])


def test_a_treatment_plan_shows_the_nice_range_and_flags_a_plan_outside_it(
    client_for, patient, settings
) -> None:
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    created = client.post(
        reverse("records:new", args=[patient.pk, "treatment-plan"]),
        {"modality": "cbt", "problem_descriptor": "F41.1", "planned_sessions": 20, "goals": "Sleep; work"},
    )
    assert created.status_code == 302
    plan = TreatmentPlan.objects.get(patient=patient)
    page = client.get(reverse("records:document", args=["treatment-plan", plan.pk])).content.decode()
    assert "12–15 sessions; NICE CG113" in page and "outside this range" in page
    settings.RECORDS_SESSION_RANGES = {"cbt:F41.1": "12-20 | NICE CG113, checked by the clinical lead"}
    page = client.get(reverse("records:document", args=["treatment-plan", plan.pk])).content.decode()
    assert (
        "12–20 sessions; NICE CG113, checked by the clinical lead" in page
        and "outside this range" not in page
    )


def test_session_ranges_read_both_ends_and_open_ends() -> None:
    gad = nice.range_for("cbt", "F41.1")
    assert (
        gad is not None
        and not gad.outside(12)
        and not gad.outside(15)
        and gad.outside(11)
        and gad.outside(16)
    )
    social = nice.range_for("cbt", "F40.1")
    assert social is not None and social.describe().startswith("up to 14") and social.outside(15)
    assert nice.range_for("cbt", "K58") is None


def test_goals_are_rated_zero_to_ten_over_time(client_for, patient) -> None:
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = reverse("records:goals", args=[patient.pk])
    assert client.post(url, {"description": "Drive to work again", "rating": 2}).status_code == 302
    goal = GoalRating.objects.get().goal
    rate = reverse("records:rate_goal", args=[patient.pk, goal.pk])
    client.post(rate, {"rating": 6, "rated_on": timezone.localdate().isoformat()})
    client.post(rate, {"rating": 11, "rated_on": timezone.localdate().isoformat()})  # refused
    client.post(
        rate, {"rating": 5, "rated_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}
    )  # refused
    assert list(goal.ratings.values_list("rating", flat=True)) == [2, 6]
    page = client.get(url).content.decode()
    assert "Drive to work again" in page and "6/10" in page


def test_the_database_refuses_a_rating_above_ten(service, patient) -> None:
    from django.db import IntegrityError

    goal = actions.add_goal(
        by=service.staff[R.PWP],
        patient=patient,
        referral=None,
        description="Sleep",
        rating=3,
        on=timezone.localdate(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalRating.objects.create(
            goal=goal, rating=11, rated_on=timezone.localdate(), recorded_by=service.staff[R.PWP]
        )
