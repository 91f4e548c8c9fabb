"""Diaries and appointments: working patterns, rooms, booking, series, groups, attendance,
reminders and calendar feeds."""
