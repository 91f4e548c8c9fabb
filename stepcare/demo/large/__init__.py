"""The large synthetic service (``stepcare demo --scale large``): a realistic volume for reports.

About 40,000 referrals a year for three years, about 220 clinicians (PWPs at step 2, HITs and
trainees at step 3) with working patterns and leave and a working week of clinical contacts as
a real clinician's (a full-time HIT about 25 sessions a week, not a session every hour), their
appointments, session-by-session
scores and endings, in a national-like mix: about half of finished courses recover, about two
thirds improve reliably, some deteriorate, some have no score pair.

It tells the same story as the small demo (``story.py``), but decides everything in Python
before writing, batch by batch, in bulk (``demo/bulkload.py``: one COPY or ``executemany`` per
table and batch) and with no per-row actions:

- a referral is screened, then ended without treatment (no appointments) or accepted at a step
  with a problem descriptor; an accepted referral waits, is allocated, attends an assessment
  appointment and then weekly treatment appointments in one of its clinician's free weekly
  slots (a clinician, a patient and a slot are never in two places at once), skipping the
  clinician's leave; some appointments are missed or cancelled;
- each attended individual appointment has PHQ-9 and the anxiety measure for the descriptor
  (GAD-7 beside an ADSM), scored by ``stepcare.measures``; WSAS and the phobia scale at the
  assessment; some people stop answering, so some finished courses have no pair;
- the derived referral fields are computed from the very rows written: first, second and last
  attended treatment dates and the count (``TreatmentContacts.from_dates``), the assessment,
  and the course outcome (``reporting.course.outcome_values``, the function
  ``stepcare check-derived`` recomputes with); endings agree with the diary (a taken-on
  ending has attended treatment, a not-taken-on one has none, nothing after discharge).

Memory is bounded by the batch: only the clinicians' slot calendar lives across batches.
Clinical documents and audit rows are not generated at this scale.

One module per concern, each builder class extending the one before: ``common`` (size and
weights), ``people`` (state, patients), ``staff`` (clinicians and their slots), ``pathway``
(one referral's path), ``batches`` (bulk writes per table), ``builder`` (the whole build).
"""

from stepcare.demo.large.builder import LargeDemoBuilder
from stepcare.demo.large.common import LargeOptions

__all__ = ["LargeDemoBuilder", "LargeOptions"]
