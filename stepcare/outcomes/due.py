"""Which questionnaires are due at a contact, and the live status of a course.

Plain functions over plain values: the measure choice comes from the core's registry
(`Registry.adsms_for_descriptor`) and the course status from `classify_course`, so nothing
here re-implements a clinical rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from stepcare.measures import CourseOutcome, Measure, Registry, classify_course
from stepcare.measures.model import Number

DEPRESSION = "PHQ-9"
BACKUP_ANXIETY = "GAD-7"
WSAS = "WSAS"
PHOBIA = "PHOBIA"

EVERY_CONTACT = "every_contact"
ASSESSMENT_AND_END = "assessment_and_end"


def anxiety_measure_for(descriptor: str | None, registry: Registry) -> Measure:
    """The anxiety measure due for a primary problem descriptor: its ADSM (the core's order of
    preference), otherwise GAD-7 (DOMAIN.md §1b)."""
    adsms = registry.adsms_for_descriptor(descriptor)
    return adsms[0] if adsms else registry.get(BACKUP_ANXIETY)


@dataclass(frozen=True)
class Due:
    """One questionnaire to ask at a contact, and why."""

    measure: Measure
    reason: str
    in_national_pair: bool


def _at_point(points: str, timepoint: str, session_number: int | None) -> bool:
    if points == EVERY_CONTACT:
        return True
    if points == ASSESSMENT_AND_END:
        return timepoint in ("assessment", "discharge") or (timepoint == "treatment" and session_number == 1)
    return False


def measures_due(
    *,
    descriptor: str | None,
    timepoint: str,
    session_number: int | None,
    wsas_points: str,
    phobia_points: str,
    registry: Registry,
) -> list[Due]:
    """PHQ-9 and the anxiety measure always; GAD-7 too when an ADSM is the anxiety measure (the
    national back-up if the ADSM pair is incomplete); WSAS and the phobia scales at the points
    the service chose."""
    anxiety = anxiety_measure_for(descriptor, registry)
    due = [
        Due(registry.get(DEPRESSION), "depression measure, at every contact", True),
        Due(
            anxiety,
            (
                f"anxiety-disorder-specific measure for {descriptor}"
                if anxiety.is_adsm
                else "anxiety measure, at every contact"
            ),
            True,
        ),
    ]
    if anxiety.is_adsm:
        due.append(
            Due(registry.get(BACKUP_ANXIETY), "back-up anxiety measure if the ADSM pair is incomplete", False)
        )
    if _at_point(wsas_points, timepoint, session_number):
        due.append(Due(registry.get(WSAS), "functioning, at the service's chosen points", False))
    if _at_point(phobia_points, timepoint, session_number):
        due.append(Due(registry.get(PHOBIA), "phobia scales, at the service's chosen points", False))
    return due


@dataclass(frozen=True)
class Score:
    """A stored score, as the status and the chart need it."""

    measure: str
    total: Number
    caseness: bool | None
    completed_on: object  # a date


@dataclass(frozen=True)
class CourseStatus:
    """How the course would count by the national rules if it ended today."""

    outcome: CourseOutcome
    first: dict[str, Number]
    last: dict[str, Number]
    latest_caseness: dict[str, bool | None] = field(default_factory=dict)

    @property
    def anxiety_measure(self) -> str:
        return self.outcome.anxiety_measure

    @property
    def currently_at_caseness(self) -> bool | None:
        """Whether the latest PHQ-9 or the latest anxiety score is at caseness (None: no scores)."""
        values = [self.latest_caseness.get(DEPRESSION), self.latest_caseness.get(self.anxiety_measure)]
        known = [v for v in values if v is not None]
        return any(known) if known else None


def course_status(*, descriptor: str | None, scores: Iterable[Score], registry: Registry) -> CourseStatus:
    """First and last score of each measure (scores in completed order), classified by the core.

    A measure scored once has a first score and no last score yet, so it cannot pair."""
    first: dict[str, Number] = {}
    last: dict[str, Number] = {}
    latest: dict[str, bool | None] = {}
    count: dict[str, int] = {}
    for s in scores:
        first.setdefault(s.measure, s.total)
        last[s.measure] = s.total
        latest[s.measure] = s.caseness
        count[s.measure] = count.get(s.measure, 0) + 1
    # A first score is not also a last score: a measure needs two scores for its pair.
    last = {code: value for code, value in last.items() if count[code] > 1}
    pair_codes = {
        c for c in first if registry.get(c).caseness is not None and registry.get(c).reliable_change
    }
    outcome = classify_course(
        problem_descriptor=descriptor,
        first={c: v for c, v in first.items() if c in pair_codes},
        last={c: v for c, v in last.items() if c in pair_codes},
        registry=registry,
    )
    return CourseStatus(outcome=outcome, first=first, last=last, latest_caseness=latest)


def missing_for_pair(*, recorded: Sequence[str], descriptor: str | None, registry: Registry) -> list[str]:
    """The measures of the national pair not yet recorded at a treatment contact."""
    needed = [DEPRESSION, anxiety_measure_for(descriptor, registry).code]
    return [code for code in needed if code not in recorded]
