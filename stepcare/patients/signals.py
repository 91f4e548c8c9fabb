"""What a change to a patient's record tells the apps built on patients.

Recording a death (``patients.actions.record_death``) sends ``patient_died`` in its
transaction; the referrals app's receiver (``stepcare.referrals.receivers``, connected in its
``ready()``) ends the person's open referrals, withdraws them from the diary and ends every
allocation, and returns the referrals it ended. A refusal it raises
(``PatientChangeRefused``) refuses recording the death. Patients sits below referrals and
the diary in the import graph, so it names neither.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with: by, patient (locked, date of death set), date_of_death, skip_id (a referral the
# caller ends itself, or None). Each receiver returns the referrals it ended.
patient_died = Signal()
