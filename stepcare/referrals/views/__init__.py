"""Referral pages for staff, one module per concern. Thin: check permission, validate, call one
action, redirect.

- ``common``: fetching a referral for the user, and ``MovePage``, the page that makes one move
- ``lists``: the inbox, the waiting list, the directory, one patient's referrals
- ``arrival``: a referral entered by hand, a CSV file of them
- ``referral``: one referral's page, who it is for, its letters
- ``moves``: one small page per move, from screening to discharge

Every view is importable from here (``urls.py`` names them as ``views.<name>``).
"""

from stepcare.referrals.views.arrival import import_csv, new
from stepcare.referrals.views.lists import directory, inbox, patient_referrals, waiting_list
from stepcare.referrals.views.moves import (
    allocate,
    assessment,
    decide,
    end,
    entered_in_error,
    pause,
    problem,
    reopen,
    resume,
    screen,
    signpost,
    step,
)
from stepcare.referrals.views.referral import detail, identity, letter

__all__ = [
    "allocate",
    "assessment",
    "decide",
    "detail",
    "directory",
    "end",
    "entered_in_error",
    "identity",
    "import_csv",
    "inbox",
    "letter",
    "new",
    "patient_referrals",
    "pause",
    "problem",
    "reopen",
    "resume",
    "screen",
    "signpost",
    "step",
    "waiting_list",
]
