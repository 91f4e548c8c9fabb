"""Pages of the clinical record, one module per concern (docs/adr/0019): the record as a whole
(``record``), a new document (``new``), a document's life (``documents``), consent and the
people around the patient (``consent``), goals (``goals``). Every patient and document is
fetched through ``stepcare.audit.fetch``; ``urls.py`` and the tests import the views from here.
"""

from stepcare.records.views.consent import add_person, consent, withdraw_consent
from stepcare.records.views.documents import addendum, dispatch, document, edit, pdf, sign
from stepcare.records.views.goals import goals, rate_goal
from stepcare.records.views.new import new
from stepcare.records.views.record import appointment_note, drafts, record, subject_access

__all__ = [
    "add_person",
    "addendum",
    "appointment_note",
    "consent",
    "dispatch",
    "document",
    "drafts",
    "edit",
    "goals",
    "new",
    "pdf",
    "rate_goal",
    "record",
    "sign",
    "subject_access",
    "withdraw_consent",
]
