from stepcare.referrals.models.codes import (
    ASSESSED_ONLY_CODES,
    DECEASED_CODES,
    NOT_ASSESSED_CODES,
    NOT_TAKEN_ON_CODES,
    TAKEN_ON_CODES,
    EndCode,
    PreferredContact,
    ProblemDescriptor,
    QualAttainLevel,
    SourceOfReferral,
    Step,
    Urgency,
)
from stepcare.referrals.models.directory import Agency, OnwardReferral
from stepcare.referrals.models.intake import IntakeTeam
from stepcare.referrals.models.referral import (
    Allocation,
    ProblemDescriptorRecord,
    Referral,
    StepChange,
    SuitabilityDecision,
    WaitingPause,
)
from stepcare.referrals.models.rules import SuitabilityRule
from stepcare.referrals.models.staff import Qualification, TherapistProfile

__all__ = [
    "ASSESSED_ONLY_CODES",
    "DECEASED_CODES",
    "NOT_ASSESSED_CODES",
    "NOT_TAKEN_ON_CODES",
    "TAKEN_ON_CODES",
    "Agency",
    "Allocation",
    "EndCode",
    "IntakeTeam",
    "OnwardReferral",
    "PreferredContact",
    "ProblemDescriptor",
    "ProblemDescriptorRecord",
    "QualAttainLevel",
    "Qualification",
    "Referral",
    "SourceOfReferral",
    "Step",
    "StepChange",
    "SuitabilityDecision",
    "SuitabilityRule",
    "TherapistProfile",
    "Urgency",
    "WaitingPause",
]
