"""Reads for the diary, one module per concern (free slots: ``slots.py``).

- ``staff``: clinicians of a team, working patterns and time away
- ``diary``: day and week views of clinicians and rooms, and my day
- ``appointments``: a patient's appointments, one appointment's page, the DNA suggestion, follow-ups
- ``messages``: reminders due and the messages sent about a referral or patient
- ``groups``: groups, their pages and sessions, and the patients one may add
- ``calendar_feeds``: the private calendar feed

Each function asks the database a fixed number of questions, however many appointments
there are, and does the interval arithmetic in Python. Every selector is importable from
here, as ``stepcare.scheduling.selectors.<name>``; patch a limit on the module that defines it."""

from stepcare.scheduling.selectors.appointments import (
    DnaSuggestion,
    appointment_for_measures,
    appointment_for_page,
    appointments_for_page,
    dna_policy_for,
    dna_suggestion,
    open_follow_up_tasks,
    patient_appointments,
    with_banner_risk,
)
from stepcare.scheduling.selectors.calendar_feeds import feed_appointments, live_feed
from stepcare.scheduling.selectors.diary import (
    MY_DAY_LIMIT,
    ClinicianDiary,
    DiaryDay,
    DiaryEntry,
    MyDay,
    clinician_diaries,
    my_day,
    room_diary,
)
from stepcare.scheduling.selectors.groups import (
    PICKER_LIMIT,
    GroupCandidates,
    GroupPage,
    group_member_candidates,
    group_page,
    group_patients,
    group_session,
    groups_in_teams,
    open_referrals_in_team,
    search_open_referrals,
)
from stepcare.scheduling.selectors.messages import (
    REMINDER_LEAD,
    due_reminders,
    messages_for_patient,
    messages_for_referral,
)
from stepcare.scheduling.selectors.staff import (
    CLINICAL_ROLES,
    booked_during,
    clinicians_in_teams,
    team_ids_of,
    time_away,
    working_pattern,
)
from stepcare.scheduling.slots import (  # free-slot search lives beside timeslots.py
    PARTS_OF_DAY,
    Slot,
    free_slots,
    site_open,
)

__all__ = [
    "CLINICAL_ROLES",
    "MY_DAY_LIMIT",
    "PARTS_OF_DAY",
    "PICKER_LIMIT",
    "REMINDER_LEAD",
    "ClinicianDiary",
    "DiaryDay",
    "DiaryEntry",
    "DnaSuggestion",
    "GroupCandidates",
    "GroupPage",
    "MyDay",
    "Slot",
    "appointment_for_measures",
    "appointment_for_page",
    "appointments_for_page",
    "booked_during",
    "clinician_diaries",
    "clinicians_in_teams",
    "dna_policy_for",
    "dna_suggestion",
    "due_reminders",
    "feed_appointments",
    "free_slots",
    "group_member_candidates",
    "group_page",
    "group_patients",
    "group_session",
    "groups_in_teams",
    "live_feed",
    "messages_for_patient",
    "messages_for_referral",
    "my_day",
    "open_follow_up_tasks",
    "open_referrals_in_team",
    "patient_appointments",
    "room_diary",
    "search_open_referrals",
    "site_open",
    "team_ids_of",
    "time_away",
    "with_banner_risk",
    "working_pattern",
]
