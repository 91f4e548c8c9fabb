"""National and service code lists for referrals.

Codes keep their official values (ENDCODE, problem descriptors, QualAttainLevelIAPT) so that
the NHS Talking Therapies dataset can be produced without a mapping table. Sources are in
``DOMAIN.md`` §3–4.
"""

from __future__ import annotations

from django.db import models


class EndCode(models.TextChoices):
    """ENDCODE, the ending reason of a referral (IAPT dataset v2.x, IDS101)."""

    # Seen or not seen, but not taken on for treatment.
    NOT_ASSESSED = "50", "50 – Not assessed"
    NOT_SUITABLE = "10", "10 – Not suitable for the service (assessed only)"
    SIGNPOSTED = "11", "11 – Signposted"
    MUTUAL_AGREEMENT = "12", "12 – Mutual agreement (not taken on)"
    REFERRED_ELSEWHERE = "13", "13 – Referred elsewhere"
    DECLINED = "14", "14 – Declined"
    INCOMPLETE_ASSESSMENT = "16", "16 – Incomplete assessment"
    DECEASED_NOT_TAKEN_ON = "17", "17 – Deceased (seen, not taken on for treatment)"
    NOT_KNOWN_NOT_TAKEN_ON = "95", "95 – Not known (seen, not taken on)"
    # Taken on for treatment.
    COMPLETED = "46", "46 – Mutually agreed completion of treatment"
    DROPPED_OUT = "47", "47 – Ended earlier than the care professional planned (dropped out)"
    ENDED_EARLY_BY_PROVIDER = "48", "48 – Ended earlier than the patient requested"
    DECEASED_TAKEN_ON = "49", "49 – Deceased (seen and taken on for treatment)"
    NOT_KNOWN_TAKEN_ON = "96", "96 – Not known (seen and taken on)"


NOT_TAKEN_ON_CODES = frozenset({"10", "11", "12", "13", "14", "16", "17", "50", "95"})
TAKEN_ON_CODES = frozenset({"46", "47", "48", "49", "96"})
# Not taken on, but seen: these need an assessment (attended in the diary or recorded).
ASSESSED_ONLY_CODES = frozenset({"10", "17", "95"})
# Never seen: no assessment may be recorded.
NOT_ASSESSED_CODES = frozenset({"50"})
# The person has died: they are marked deceased and all contact stops.
DECEASED_CODES = frozenset({"17", "49"})


class ProblemDescriptor(models.TextChoices):
    """Provisional problem descriptors (IDS603): ICD-10 codes, and SNOMED CT where the
    dataset uses one. The primary descriptor decides which anxiety measure is paired."""

    DEPRESSIVE_EPISODE = "F32", "F32 – Depressive episode"
    RECURRENT_DEPRESSION = "F33", "F33 – Recurrent depressive disorder"
    AGORAPHOBIA = "F40.0", "F40.0 – Agoraphobia"
    SOCIAL_PHOBIA = "F40.1", "F40.1 – Social phobia (social anxiety)"
    SPECIFIC_PHOBIA = "F40.2", "F40.2 – Specific (isolated) phobia"
    PANIC = "F41.0", "F41.0 – Panic disorder"
    GAD = "F41.1", "F41.1 – Generalised anxiety disorder"
    MIXED_ANXIETY_DEPRESSION = "F41.2", "F41.2 – Mixed anxiety and depressive disorder"
    OCD = "F42", "F42 – Obsessive-compulsive disorder"
    PTSD = "F43.1", "F43.1 – Post-traumatic stress disorder"
    HEALTH_ANXIETY = "F45.2", "F45.2 – Hypochondriacal disorder (health anxiety)"
    BDD = "83482000", "SNOMED 83482000 – Body dysmorphic disorder"
    IBS = "K58", "K58 – Irritable bowel syndrome"
    CHRONIC_FATIGUE = "G93.3", "G93.3 – Chronic fatigue syndrome"
    MUS = "723916001", "SNOMED 723916001 – Medically unexplained symptoms"


class SourceOfReferral(models.TextChoices):
    """Who referred. The national SOURCE OF REFERRAL code list is UNVERIFIED (DOMAIN.md §3),
    so values are readable words; map them to national codes once the list is checked."""

    SELF = "self", "Self-referral"
    GP = "gp", "GP"
    OTHER_PRIMARY_CARE = "primary_care", "Other primary care (practice nurse, health visitor)"
    SECONDARY_CARE = "secondary_care", "Secondary care (hospital or community mental health team)"
    EMPLOYER = "employer", "Employer or occupational health"
    LOCAL_AUTHORITY = "local_authority", "Local authority or social services"
    VOLUNTARY_SECTOR = "voluntary", "Voluntary or community organisation"
    CARER_OR_RELATIVE = "carer", "Carer or relative"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class PreferredContact(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class Step(models.TextChoices):
    STEP_2 = "2", "Step 2 (low intensity)"
    STEP_3 = "3", "Step 3 (high intensity)"


class QualAttainLevel(models.TextChoices):
    """QualAttainLevelIAPT (IDS902 care personnel qualification)."""

    PWP = "10", "10 – Psychological wellbeing practitioner"
    CBT = "11", "11 – CBT therapist"
    COUNSELLING_FOR_DEPRESSION = "12", "12 – Counselling for depression"
    COUPLE_THERAPY = "13", "13 – Couple therapy for depression"
    DIT = "14", "14 – Dynamic interpersonal therapy (DIT)"
    IPT = "15", "15 – Interpersonal psychotherapy (IPT)"
    MBCT = "16", "16 – Mindfulness-based cognitive therapy (MBCT)"
    EMDR = "17", "17 – EMDR"
    EMPLOYMENT_ADVISER = "30", "30 – Employment adviser"
    EMPLOYMENT_ADVISER_OTHER = "31", "31 – Employment adviser (other)"
