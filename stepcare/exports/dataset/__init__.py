"""The NHS Talking Therapies national dataset (DOMAIN.md §4) for a period, one CSV per table.

Which records are in a period:
- referrals (IDS101) active in it: received on or before its last day and not discharged
  before its first day; entered-in-error referrals never;
- the person of each (IDS001, one row per referral so that every table joins on PathwayID);
- their care contacts (IDS201, IDS202), scored assessments (IDS606/IDS607), presenting
  complaints (IDS603) and onward referrals (IDS105) dated in the period; their waiting-time
  pauses (IDS108) overlapping it; the qualifications (IDS902) of the clinicians in those
  contacts.

Values are the stored codes (ENDCODE, AttendOrDNACode, AppType, ConsMechanism, EthnicCategory,
QualAttainLevelIAPT, ICD-10/SNOMED problem descriptors, SNOMED CT ``CodedAssToolType`` from
``stepcare.measures``). The IDS101 derived fields are the Referral's (docs/adr/0013), so the
KPIs recomputed from IDS101 agree with ``stepcare kpis``. The outcome flags are set only on a
completed course (ended with two or more attended treatment contacts), as the national flags are.

Every table streams from the database (``.iterator``) to a csv writer: memory does not grow
with the size of the service.

One module per group of tables: ``referral`` (IDS001, IDS101, IDS105, IDS108), ``contacts``
(IDS201, IDS202, IDS902), ``assessments`` (IDS603, IDS606, IDS607); ``write`` puts them in
submission order and writes the files; ``common`` holds the period, the refusal and the value
formats. Every public name is importable from here, as ``stepcare.exports.dataset.<name>``.
"""

from stepcare.exports.dataset.assessments import IDS603_COLUMNS, IDS606_COLUMNS, IDS607_COLUMNS, snomed_codes
from stepcare.exports.dataset.common import (
    CHUNK,
    LONDON,
    DatasetRefused,
    Period,
    Progress,
    Table,
    referrals_in_period,
)
from stepcare.exports.dataset.contacts import IDS201_COLUMNS, IDS202_COLUMNS, IDS902_COLUMNS
from stepcare.exports.dataset.referral import (
    GAD7,
    IDS001_COLUMNS,
    IDS101_COLUMNS,
    IDS105_COLUMNS,
    IDS108_COLUMNS,
)
from stepcare.exports.dataset.write import patient_ids, tables, write_dataset

__all__ = [
    "CHUNK",
    "GAD7",
    "IDS001_COLUMNS",
    "IDS101_COLUMNS",
    "IDS105_COLUMNS",
    "IDS108_COLUMNS",
    "IDS201_COLUMNS",
    "IDS202_COLUMNS",
    "IDS603_COLUMNS",
    "IDS606_COLUMNS",
    "IDS607_COLUMNS",
    "IDS902_COLUMNS",
    "LONDON",
    "DatasetRefused",
    "Period",
    "Progress",
    "Table",
    "patient_ids",
    "referrals_in_period",
    "snomed_codes",
    "tables",
    "write_dataset",
]
