from stepcare.scheduling.models.appointments import (
    APPOINTMENT_LENGTH,
    ASSESSMENT_TYPES,
    BOOKING_LENGTH,
    DEFAULT_DURATION,
    GROUP_SESSION_LENGTH,
    TREATMENT_TYPES,
    Appointment,
    AppointmentClinician,
    AppointmentSeries,
    Attendee,
)
from stepcare.scheduling.models.availability import OpeningHours, Unavailability, Weekday, WorkingHours
from stepcare.scheduling.models.calendar_feeds import CalendarFeed
from stepcare.scheduling.models.dna_policies import DnaPolicy
from stepcare.scheduling.models.follow_up_tasks import FollowUpTask
from stepcare.scheduling.models.groups import Group, GroupMember
from stepcare.scheduling.models.messages import Message

__all__ = [
    "APPOINTMENT_LENGTH",
    "ASSESSMENT_TYPES",
    "BOOKING_LENGTH",
    "DEFAULT_DURATION",
    "GROUP_SESSION_LENGTH",
    "TREATMENT_TYPES",
    "Appointment",
    "AppointmentClinician",
    "AppointmentSeries",
    "Attendee",
    "CalendarFeed",
    "DnaPolicy",
    "FollowUpTask",
    "Group",
    "GroupMember",
    "Message",
    "OpeningHours",
    "Unavailability",
    "Weekday",
    "WorkingHours",
]
