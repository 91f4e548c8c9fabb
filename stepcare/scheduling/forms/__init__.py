"""Diary forms, one module per concern (the same split as the views). Messages are written
for the receptionist or therapist at the desk.

- ``booking``: finding free times and booking one (or a series)
- ``appointments``: moving, cancelling, recording attendance, rebooking, the follow-up
- ``groups``: a group, its members and a session's register
- ``availability``: working patterns and leave
- ``calendar_feeds``: the private calendar address
- ``common``: typed choices of records and how a patient's referral is labelled

Every form is importable from here, as ``stepcare.scheduling.forms.<name>``."""

from stepcare.scheduling.forms.appointments import (
    AttendanceForm,
    CancelForm,
    FollowUpForm,
    MoveForm,
    RebookForm,
)
from stepcare.scheduling.forms.availability import (
    PATTERN_HELP,
    UnavailabilityForm,
    WorkingPatternForm,
    parse_blocks,
)
from stepcare.scheduling.forms.booking import PART_OF_DAY_CHOICES, REPEAT_CHOICES, BookSlotForm, FindSlotForm
from stepcare.scheduling.forms.calendar_feeds import CalendarFeedForm
from stepcare.scheduling.forms.common import clinician_label, limit_to_found, referral_label
from stepcare.scheduling.forms.groups import (
    GROUP_ATTENDANCE_CHOICES,
    GROUP_MODES,
    GroupAttendanceForm,
    GroupForm,
    GroupMemberForm,
    GroupMemberSearchForm,
    GroupTeamForm,
)

__all__ = [
    "GROUP_ATTENDANCE_CHOICES",
    "GROUP_MODES",
    "PART_OF_DAY_CHOICES",
    "PATTERN_HELP",
    "REPEAT_CHOICES",
    "AttendanceForm",
    "BookSlotForm",
    "CalendarFeedForm",
    "CancelForm",
    "FindSlotForm",
    "FollowUpForm",
    "GroupAttendanceForm",
    "GroupForm",
    "GroupMemberForm",
    "GroupMemberSearchForm",
    "GroupTeamForm",
    "MoveForm",
    "RebookForm",
    "UnavailabilityForm",
    "WorkingPatternForm",
    "clinician_label",
    "limit_to_found",
    "parse_blocks",
    "referral_label",
]
