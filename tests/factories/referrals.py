from __future__ import annotations

import datetime as dt

import factory

from stepcare.referrals.models import (
    Agency,
    Allocation,
    IntakeTeam,
    OnwardReferral,
    ProblemDescriptorRecord,
    Qualification,
    Referral,
    StepChange,
    SuitabilityDecision,
    SuitabilityRule,
    TherapistProfile,
    WaitingPause,
)
from tests.factories.accounts import TeamFactory, UserFactory
from tests.factories.patients import PatientFactory


class ReferralFactory(factory.django.DjangoModelFactory):
    """A new referral (in the inbox), linked to a patient in its team."""

    class Meta:
        model = Referral

    reference = factory.Sequence(lambda n: f"SC-T{n:03d}-{n % 10000:04d}"[:12])
    team = factory.SubFactory(TeamFactory)
    patient = factory.SubFactory(PatientFactory, team=factory.SelfAttribute("..team"))
    source = "self"
    received_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))
    presenting_difficulties = "Low mood and worry for about six months."
    consent_given = True
    # A first treatment date given on its own stands for one attended treatment session, as
    # the derived fields would hold it (the database checks they agree).
    first_treatment_date = None
    treatment_contact_count = factory.LazyAttribute(lambda o: 1 if o.first_treatment_date else 0)
    last_treatment_date = factory.LazyAttribute(lambda o: o.first_treatment_date)


class AllocatedReferralFactory(ReferralFactory):
    """An allocated referral in its patient's team, ready for appointments."""

    patient = factory.SubFactory(PatientFactory)
    team = factory.SelfAttribute("patient.team")
    status = Referral.Status.ALLOCATED
    step = "3"
    received_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=60))


class WaitingPauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingPause

    referral = factory.SubFactory(ReferralFactory)
    start_date = factory.LazyAttribute(lambda o: o.referral.received_on)
    reason = "Away for a family wedding; asked us to wait."
    recorded_by = factory.SubFactory(UserFactory)


class SuitabilityDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuitabilityDecision

    referral = factory.SubFactory(ReferralFactory)
    outcome = SuitabilityDecision.Outcome.ACCEPT_STEP_3
    reason = "Moderate PTSD after a road traffic collision."
    decided_by = factory.SubFactory(UserFactory)


class SuitabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuitabilityRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    condition = SuitabilityRule.Condition.PROBLEM_DESCRIPTOR
    codes = factory.LazyFunction(lambda: ["F43.1"])
    suggestion = SuitabilityRule.Suggestion.STEP_3
    explanation = "Offer high-intensity therapy."
    source = "Test"


class ProblemDescriptorRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProblemDescriptorRecord

    referral = factory.SubFactory(ReferralFactory)
    primary = "F43.1"
    recorded_on = factory.LazyFunction(dt.date.today)
    recorded_by = factory.SubFactory(UserFactory)


class StepChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepChange

    referral = factory.SubFactory(ReferralFactory)
    from_step = ""
    to_step = "3"
    handover_summary = "Accepted at step 3."
    changed_by = factory.SubFactory(UserFactory)
    changed_on = factory.LazyFunction(dt.date.today)


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    referral = factory.SubFactory(ReferralFactory)
    therapist = factory.SubFactory(UserFactory)
    allocated_by = factory.SubFactory(UserFactory)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Northbrook Housing Advice {n}")
    category = Agency.Category.HOUSING
    description = "Free advice on housing, homelessness and tenancy problems."
    phone = "0113 496 0000"
    email = "advice@example.org"


class OnwardReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnwardReferral

    referral = factory.SubFactory(ReferralFactory)
    agency = factory.SubFactory(AgencyFactory)
    kind = OnwardReferral.Kind.SIGNPOST
    reason = "Rent arrears and a notice to leave are the main worry."
    made_by = factory.SubFactory(UserFactory)
    made_on = factory.LazyFunction(dt.date.today)


class TherapistProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapistProfile

    user = factory.SubFactory(UserFactory)
    caseload_capacity = 25


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    user = factory.SubFactory(UserFactory)
    level = "11"
    awarded_on = dt.date(2020, 7, 1)


class IntakeTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeTeam

    team = factory.SubFactory(TeamFactory)
    is_default = True
