from stepcare.records.models.base import (
    Addendum,
    ClinicalDocument,
    DocumentQuerySet,
    DocumentStatus,
    SignedDocumentIsImmutable,
)
from stepcare.records.models.consent import Consent, RelatedPerson
from stepcare.records.models.directory import GPPractice, LetterTemplate
from stepcare.records.models.documents import (
    DOCUMENT_KINDS,
    Assessment,
    Letter,
    LiaisonEntry,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
)

__all__ = [
    "DOCUMENT_KINDS",
    "Addendum",
    "Assessment",
    "ClinicalDocument",
    "Consent",
    "DocumentQuerySet",
    "DocumentStatus",
    "GPPractice",
    "Letter",
    "LetterTemplate",
    "LiaisonEntry",
    "RelatedPerson",
    "RiskAssessment",
    "SafetyPlan",
    "SessionNote",
    "SignedDocumentIsImmutable",
]
