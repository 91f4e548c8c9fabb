"""Every change to a referral, one module per concern. Each checks the move against
``transitions``, runs in one transaction and writes its audit event in that transaction.

- ``common``: the refusals, the audit event, the locked row, date checks, one open referral
  per person per service, and the referral's links to the banner, the course outcome and the diary
- ``arrival``: referrals in from any channel (staff entry, the public forms, imports)
- ``identity``: staff confirm who a referral is for (a known record, or a new one)
- ``triage``: screening, the assessment, the suitability decision, the problem descriptor
- ``waiting``: pausing and resuming the wait, allocation, stepping up or down
- ``treatment``: what the diary records on the referral (treatment contacts, the assessment)
- ``ending``: signposting, discharge, endings on a death, re-opening, entered in error

Which permission each move needs is ``stepcare.referrals.moves.MOVE_PERMISSION``. Every public
name is importable from here, as ``stepcare.referrals.actions.<name>``.
"""

from stepcare.referrals.actions.arrival import (
    PERSON_FIELDS,
    Submission,
    arrival_conflict,
    import_referrals,
    submit_referral,
)
from stepcare.referrals.actions.common import (
    END_CODE_FOR_OUTCOME,
    REFERENCE_ALPHABET,
    IdentityConflict,
    PersonHasDied,
    SecondOpenReferral,
    check_can_refer,
    new_reference,
    open_referral_in_service,
    sync_patient_clinician,
)
from stepcare.referrals.actions.ending import (
    check_end_code,
    end_referral,
    end_referrals_for_death,
    mark_entered_in_error,
    record_onward_referral,
    reopen,
)
from stepcare.referrals.actions.identity import (
    create_patient_for_referral,
    link_patient,
)
from stepcare.referrals.actions.treatment import (
    TreatmentContacts,
    assessment_attended,
    update_treatment_contacts,
)
from stepcare.referrals.actions.triage import (
    decide,
    record_assessment,
    record_problem_descriptor,
    screen,
)
from stepcare.referrals.actions.waiting import (
    allocate,
    change_step,
    pause_wait,
    resume_wait,
)
from stepcare.referrals.transitions import MoveRefused

__all__ = [
    "END_CODE_FOR_OUTCOME",
    "PERSON_FIELDS",
    "REFERENCE_ALPHABET",
    "IdentityConflict",
    "MoveRefused",
    "PersonHasDied",
    "SecondOpenReferral",
    "Submission",
    "TreatmentContacts",
    "allocate",
    "arrival_conflict",
    "assessment_attended",
    "change_step",
    "check_can_refer",
    "check_end_code",
    "create_patient_for_referral",
    "decide",
    "end_referral",
    "end_referrals_for_death",
    "import_referrals",
    "link_patient",
    "mark_entered_in_error",
    "new_reference",
    "open_referral_in_service",
    "pause_wait",
    "record_assessment",
    "record_onward_referral",
    "record_problem_descriptor",
    "reopen",
    "resume_wait",
    "screen",
    "submit_referral",
    "sync_patient_clinician",
    "update_treatment_contacts",
]
