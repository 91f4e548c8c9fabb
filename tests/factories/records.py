from __future__ import annotations

import datetime as dt

import factory

from stepcare.records.models import (
    Consent,
    Goal,
    GPPractice,
    Letter,
    RelatedPerson,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
)
from tests.factories.accounts import UserFactory
from tests.factories.patients import PatientFactory


class SessionNoteFactory(factory.django.DjangoModelFactory):
    """A draft session note, complete enough to sign."""

    class Meta:
        model = SessionNote

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(UserFactory)
    session_date = factory.LazyFunction(dt.date.today)
    session_number = 3
    attendance = "5"
    delivery_mode = "01"
    agenda = "Review behavioural activation diary; plan graded exposure."
    homework_reviewed = "Activity diary completed on five days."
    interventions = "Behavioural activation; cognitive restructuring of 'I always fail'."
    homework_set = "Two valued activities a day; thought record when mood drops."
    risk_check = "Asked about thoughts of self-harm: none since last session."
    plan_next = "Review thought records; introduce behavioural experiments."


class RiskAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskAssessment

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(UserFactory)
    current_thoughts = "Fleeting thoughts that others would be better off without them."
    intent = "No intent; says they would not act on them."
    plans = "No plans or preparations."
    protective_factors = "Children; faith; engaged in therapy."
    summary = "Passive thoughts without intent or plan; protective factors strong."
    actions = "Safety plan reviewed; crisis numbers given; GP aware."
    review_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=28))


class SafetyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyPlan

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(UserFactory)
    warning_signs = "Not sleeping; staying in bed; stopping replying to messages."
    coping_strategies = "Walk the dog; cold shower; breathing exercise."
    distraction = "My sister's house; the allotment."
    people_to_ask = "Sister (Anna) 07700 900456"
    professionals = "My therapist; my GP"
    environment = "Sister keeps my medication."
    reasons_for_living = "My children; my dog; seeing the sea again."


class LetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Letter

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(UserFactory)
    recipient_kind = Letter.Recipient.GP
    recipient_name = "The GP, Northbrook Medical Practice"
    recipient_address = "1 High Street\nNorthbrook\nNB1 1AA"
    subject = "Assessment"
    body = "Dear colleague,\n\nI assessed your patient today."


class GPPracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GPPractice
        django_get_or_create = ("ods_code",)

    ods_code = "Y00001"
    name = "Northbrook Medical Practice"
    address_lines = factory.LazyFunction(lambda: ["1 High Street", "Northbrook"])
    postcode = "NB1 1AA"


class RelatedPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedPerson

    patient = factory.SubFactory(PatientFactory)
    name = "Anna Example"
    relationship = RelatedPerson.Relationship.FAMILY
    added_by = factory.SubFactory(UserFactory)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    patient = factory.SubFactory(PatientFactory)
    scope = Consent.Scope.SHARE_GP
    given = True
    decided_on = factory.LazyFunction(dt.date.today)
    recorded_by = factory.SubFactory(UserFactory)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    patient = factory.SubFactory(PatientFactory)
    description = "Go back to the Saturday football team"
    set_on = factory.LazyFunction(dt.date.today)
    set_by = factory.SubFactory(UserFactory)
