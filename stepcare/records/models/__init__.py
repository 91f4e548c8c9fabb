from stepcare.records.models.base import (
    Addendum,
    ClinicalDocument,
    DocumentQuerySet,
    DocumentStatus,
    SignedDocumentIsImmutable,
)
from stepcare.records.models.consent import Consent, RelatedPerson
from stepcare.records.models.consultations import GeneralConsultation, GeneralConsultationAddendum
from stepcare.records.models.directory import GPPractice, LetterTemplate
from stepcare.records.models.dispatch import LetterDispatch
from stepcare.records.models.documents import (
    DOCUMENT_KINDS,
    Assessment,
    Formulation,
    Letter,
    LiaisonEntry,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
    TreatmentPlan,
)
from stepcare.records.models.plans import FormulationTemplate, Goal, GoalRating

__all__ = [
    "DOCUMENT_KINDS",
    "Addendum",
    "Assessment",
    "ClinicalDocument",
    "Consent",
    "DocumentQuerySet",
    "DocumentStatus",
    "Formulation",
    "FormulationTemplate",
    "GPPractice",
    "GeneralConsultation",
    "GeneralConsultationAddendum",
    "Goal",
    "GoalRating",
    "Letter",
    "LetterDispatch",
    "LetterTemplate",
    "LiaisonEntry",
    "RelatedPerson",
    "RiskAssessment",
    "SafetyPlan",
    "SessionNote",
    "SignedDocumentIsImmutable",
    "TreatmentPlan",
]
