"""Diary pages, one module per concern. Thin: check, validate, call an action.

- ``diary``: my day, my week, a clinician's, team's or room's day and week
- ``booking``: a patient's appointments; finding a slot and booking it (or a series)
- ``appointments``: one appointment: see, move, cancel (or skip a week), rebook
- ``attendance``: recording attendance and the follow-up after a missed appointment
- ``groups``: groups, members and a session's register
- ``availability``: working patterns and leave
- ``calendar_feeds``: the private calendar address
- ``common``: what they share (whose diaries one may see, fetching one appointment)

Every view is importable from here, as ``stepcare.scheduling.views.<name>``.
"""

from stepcare.scheduling.views.appointments import appointment_detail, cancel, move, outcomes_context, rebook
from stepcare.scheduling.views.attendance import attendance, follow_up
from stepcare.scheduling.views.availability import add_leave, availability, my_availability, withdraw_leave
from stepcare.scheduling.views.booking import THERAPY_ROLES, book, patient_appointments
from stepcare.scheduling.views.calendar_feeds import calendar_feed, calendar_settings
from stepcare.scheduling.views.common import DIARY_PERMISSIONS
from stepcare.scheduling.views.diary import clinician_diary, my_day, my_week, room_diary, team_diary
from stepcare.scheduling.views.groups import (
    group_add_member,
    group_attendance,
    group_detail,
    group_list,
    group_new,
    group_remove_member,
)

__all__ = [
    "DIARY_PERMISSIONS",
    "THERAPY_ROLES",
    "add_leave",
    "appointment_detail",
    "attendance",
    "availability",
    "book",
    "calendar_feed",
    "calendar_settings",
    "cancel",
    "clinician_diary",
    "follow_up",
    "group_add_member",
    "group_attendance",
    "group_detail",
    "group_list",
    "group_new",
    "group_remove_member",
    "move",
    "my_availability",
    "my_day",
    "my_week",
    "outcomes_context",
    "patient_appointments",
    "rebook",
    "room_diary",
    "team_diary",
    "withdraw_leave",
]
