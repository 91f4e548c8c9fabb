"""Referral forms, one module per concern. Messages are written for the person filling the
form in.

- ``common``: cleaning typed text and names, dates, sizes, limiting a field's choices
- ``person``: who the referral is for, and the public self-referral and professional forms
- ``staff``: a referral entered by staff, a CSV import, the directory search, list filters
- ``moves``: one form per referral move, from screening to discharge

Every form is importable from here, as ``stepcare.referrals.forms.<name>``.
"""

from stepcare.referrals.forms.common import (
    NAME_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    DateInput,
    clean_name,
    clean_practice_code,
    clean_text,
    date_field,
    validate_date_of_birth,
)
from stepcare.referrals.forms.moves import (
    AllocateForm,
    AssessmentForm,
    DecisionForm,
    EndForm,
    EnteredInErrorForm,
    OnwardForm,
    PauseForm,
    ProblemForm,
    ReopenForm,
    ResumeForm,
    ScreenForm,
    StepForm,
)
from stepcare.referrals.forms.person import (
    PersonForm,
    PreferencesMixin,
    ProfessionalReferralForm,
    PublicFormMixin,
    SelfReferralForm,
)
from stepcare.referrals.forms.staff import (
    MAX_UPLOAD_BYTES,
    AgencySearchForm,
    ImportForm,
    ReferralListFilterForm,
    StaffReferralForm,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "NAME_MAX",
    "SHORT_TEXT_MAX",
    "TEXT_MAX",
    "AgencySearchForm",
    "AllocateForm",
    "AssessmentForm",
    "DateInput",
    "DecisionForm",
    "EndForm",
    "EnteredInErrorForm",
    "ImportForm",
    "OnwardForm",
    "PauseForm",
    "PersonForm",
    "PreferencesMixin",
    "ProblemForm",
    "ProfessionalReferralForm",
    "PublicFormMixin",
    "ReferralListFilterForm",
    "ReopenForm",
    "ResumeForm",
    "ScreenForm",
    "SelfReferralForm",
    "StaffReferralForm",
    "StepForm",
    "clean_name",
    "clean_practice_code",
    "clean_text",
    "date_field",
    "validate_date_of_birth",
]
