"""Every change to the diary, one module per concern. Each runs in one transaction with its
audit events; messages to patients are queued only once the change is committed.

- ``common``: the refusals, ``Participant``, ``BookingDetails`` and the double-booking checks
- ``create``: the one place an appointment is written, and copying one to a new time
- ``booking``: book, move, cancel and rebook one appointment; a referral's places withdrawn
- ``series``: a weekly or fortnightly course
- ``attendance``: AttendOrDNA and follow-up tasks after a missed appointment
- ``groups``: groups, their members, sessions and registers
- ``availability``: working patterns, leave, training and admin time
- ``messages``: messages to patients queued after a change (recording one sent is
  ``notifications.record_message``, with delivery)
- ``calendar_feeds``: the private calendar address

Every public name is importable from here, as ``stepcare.scheduling.actions.<name>``.
"""

from stepcare.scheduling.actions.attendance import (
    add_follow_up_task,
    complete_follow_up_task,
    record_attendance,
)
from stepcare.scheduling.actions.availability import (
    add_unavailability,
    set_working_pattern,
    withdraw_unavailability,
)
from stepcare.scheduling.actions.booking import (
    book_appointment,
    book_details,
    cancel_appointment,
    move_appointment,
    rebook,
    withdraw_referral,
)
from stepcare.scheduling.actions.calendar_feeds import (
    create_calendar_feed,
    feed_token_hash,
    revoke_calendar_feeds,
)
from stepcare.scheduling.actions.common import (
    ACCEPTED_STATUSES,
    OVERLAP_CONSTRAINTS,
    BookingDetails,
    BookingRefused,
    Participant,
    SlotTaken,
)
from stepcare.scheduling.actions.create import copy_to_new_time
from stepcare.scheduling.actions.groups import (
    add_group_member,
    create_group,
    record_group_attendance,
    remove_group_member,
    schedule_group_sessions,
    start_group,
)
from stepcare.scheduling.actions.series import (
    CANCEL_ONE,
    CANCEL_REST,
    CANCEL_SKIP,
    Cancelled,
    book_series,
    cancel_in_scope,
    cancel_rest_of_series,
    skip_occurrence,
)
from stepcare.scheduling.models import Attendee

# Recording a sent message belongs to delivery; kept importable from here for callers.
from stepcare.scheduling.notifications import record_message

AttendOrDNA = Attendee.AttendOrDNA

__all__ = [
    "ACCEPTED_STATUSES",
    "CANCEL_ONE",
    "CANCEL_REST",
    "CANCEL_SKIP",
    "OVERLAP_CONSTRAINTS",
    "AttendOrDNA",
    "BookingDetails",
    "BookingRefused",
    "Cancelled",
    "Participant",
    "SlotTaken",
    "add_follow_up_task",
    "add_group_member",
    "add_unavailability",
    "book_appointment",
    "book_details",
    "book_series",
    "cancel_appointment",
    "cancel_in_scope",
    "cancel_rest_of_series",
    "complete_follow_up_task",
    "copy_to_new_time",
    "create_calendar_feed",
    "create_group",
    "feed_token_hash",
    "move_appointment",
    "rebook",
    "record_attendance",
    "record_group_attendance",
    "record_message",
    "remove_group_member",
    "revoke_calendar_feeds",
    "schedule_group_sessions",
    "set_working_pattern",
    "skip_occurrence",
    "start_group",
    "withdraw_referral",
    "withdraw_unavailability",
]
