"""Errors raised by the clinical core.

Every message names the measure, the item, the field or the row concerned and says what was
expected, so that a clinician or an analyst can correct the input without reading code.
"""

from __future__ import annotations


class MeasuresError(ValueError):
    """Base class: the input cannot be scored or classified as given."""


class UnknownMeasureError(MeasuresError):
    """A measure code that is not in the registry."""


class ScoringError(MeasuresError):
    """A questionnaire's answers are incomplete, out of range or not numbers."""


class CourseError(MeasuresError):
    """First or last scores of a course are not valid totals for their measure."""


class ConfigError(MeasuresError):
    """A service's threshold overrides or licensed-wording file is malformed."""
