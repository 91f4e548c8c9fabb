"""National code lists used in patient demographics (NHS Data Model and Dictionary).

Codes keep their official values so that the national dataset can be produced without a
mapping table.
"""

from __future__ import annotations

from django.db import models


class EthnicCategory(models.TextChoices):
    """ETHNIC CATEGORY (2001 census categories), NHS Data Dictionary."""

    WHITE_BRITISH = "A", "White - British"
    WHITE_IRISH = "B", "White - Irish"
    WHITE_OTHER = "C", "White - Any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed - White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed - White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed - White and Asian"
    MIXED_OTHER = "G", "Mixed - Any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British - Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British - Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British - Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British - Any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British - Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British - African"
    BLACK_OTHER = "P", "Black or Black British - Any other Black background"
    CHINESE = "R", "Other ethnic groups - Chinese"
    OTHER = "S", "Other ethnic groups - Any other ethnic group"
    NOT_STATED = "Z", "Not stated"
    NOT_KNOWN = "99", "Not known"


class GenderIdentity(models.TextChoices):
    """GENDER IDENTITY CODE, NHS Data Dictionary."""

    MALE = "1", "Male (including trans man)"
    FEMALE = "2", "Female (including trans woman)"
    NON_BINARY = "3", "Non-binary"
    OTHER = "4", "Other (not listed)"
    NOT_KNOWN = "X", "Not known"
    NOT_STATED = "Z", "Not stated (person asked but declined to provide a response)"


class StatedSex(models.TextChoices):
    """PERSON STATED GENDER CODE (sex as recorded on the NHS spine)."""

    MALE = "1", "Male"
    FEMALE = "2", "Female"
    INDETERMINATE = "9", "Indeterminate (unable to be classified as either male or female)"
    NOT_KNOWN = "X", "Not known"


class EmploymentStatus(models.TextChoices):
    """EMPLOYMENT STATUS, as used by the NHS Talking Therapies dataset (IDS004)."""

    EMPLOYED = "01", "Employed"
    UNEMPLOYED_SEEKING_WORK = "02", "Unemployed and actively seeking work"
    STUDENT = "03", "Undergoing full (at least 16 hours per week) or part-time education or training"
    LONG_TERM_SICK_OR_DISABLED = "04", "Long-term sick or disabled, receiving benefits"
    HOMEMAKER = "05", "Looking after the family or home as a homemaker"
    NOT_WORKING_NOT_SEEKING = "06", "Not receiving benefits and not working or actively seeking work"
    VOLUNTEER = "07", "Unpaid voluntary work and not working or actively seeking work"
    RETIRED = "08", "Retired"
    NOT_STATED = "ZZ", "Not stated (person asked but declined to provide a response)"


class Language(models.TextChoices):
    """Preferred spoken language (ISO 639-1 codes, as the NHS Data Dictionary uses)."""

    ENGLISH = "en", "English"
    ARABIC = "ar", "Arabic"
    BENGALI = "bn", "Bengali"
    BRITISH_SIGN_LANGUAGE = "sgn", "British Sign Language"
    CHINESE = "zh", "Chinese"
    FARSI = "fa", "Farsi (Persian)"
    FRENCH = "fr", "French"
    GUJARATI = "gu", "Gujarati"
    HINDI = "hi", "Hindi"
    ITALIAN = "it", "Italian"
    KURDISH = "ku", "Kurdish"
    LITHUANIAN = "lt", "Lithuanian"
    POLISH = "pl", "Polish"
    PORTUGUESE = "pt", "Portuguese"
    PUNJABI = "pa", "Punjabi"
    ROMANIAN = "ro", "Romanian"
    RUSSIAN = "ru", "Russian"
    SOMALI = "so", "Somali"
    SPANISH = "es", "Spanish"
    TAMIL = "ta", "Tamil"
    TURKISH = "tr", "Turkish"
    UKRAINIAN = "uk", "Ukrainian"
    URDU = "ur", "Urdu"
    WELSH = "cy", "Welsh"
    OTHER = "other", "Other (record in notes)"


class LongTermCondition(models.TextChoices):
    """Long-term physical health conditions (SNOMED CT concept IDs), as in IDS602."""

    ASTHMA = "195967001", "Asthma"
    CANCER = "363346000", "Cancer"
    CHRONIC_PAIN = "82423001", "Chronic pain"
    COPD = "13645005", "Chronic obstructive pulmonary disease (COPD)"
    CORONARY_HEART_DISEASE = "53741008", "Coronary heart disease"
    CHRONIC_FATIGUE = "52702003", "Chronic fatigue syndrome"
    DIABETES_TYPE_1 = "46635009", "Diabetes, type 1"
    DIABETES_TYPE_2 = "44054006", "Diabetes, type 2"
    EPILEPSY = "84757009", "Epilepsy"
    HEART_FAILURE = "84114007", "Heart failure"
    HYPERTENSION = "38341003", "Hypertension"
    IRRITABLE_BOWEL = "10743008", "Irritable bowel syndrome"
    MULTIPLE_SCLEROSIS = "24700007", "Multiple sclerosis"
    OSTEOARTHRITIS = "396275006", "Osteoarthritis"
    RHEUMATOID_ARTHRITIS = "69896004", "Rheumatoid arthritis"
    STROKE = "230690007", "Stroke"
