"""Course outcomes by the national NHS Talking Therapies rules (DOMAIN.md §2).

A finished course is judged on its first and last scores of a pair of measures: PHQ-9 for
depression and an anxiety measure, which is the anxiety-disorder-specific measure (ADSM) for
the primary problem descriptor when that ADSM has both a first and a last score, and GAD-7
otherwise. From the pair come caseness at the start, recovery, reliable improvement, reliable
deterioration and reliable recovery. A course without both scores of both measures is "not
paired": it sets no flag and leaves every denominator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.errors import CourseError, MeasuresError
from stepcare.measures.model import Cutoff, Measure, Number, Registry, ReliableChange

DEPRESSION_MEASURE = "PHQ-9"
BACKUP_ANXIETY_MEASURE = "GAD-7"

OUTCOME_FIELDS = (
    "anxiety_measure",
    "paired",
    "at_caseness",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
    "no_reliable_change",
)
"""The outcome of a course, in the order the CSV output columns use."""


@dataclass(frozen=True, slots=True)
class CourseOutcome:
    """The national outcome flags of one finished course.

    - `anxiety_measure`: the anxiety half of the pair (the matching ADSM or GAD-7).
    - `paired`: both first and last scores exist for PHQ-9 and the anxiety measure.
    - `at_caseness`: the first PHQ-9 or the first anxiety score is at caseness.
    - `recovered`: at caseness at the start, and both last scores below caseness.
    - `reliable_improvement`: a reliable fall on either measure and no reliable rise on either.
    - `reliable_deterioration`: a reliable rise on either measure and no reliable fall on either.
    - `reliable_recovery`: recovered and reliably improved.
    - `no_reliable_change`: paired, and neither reliably improved nor deteriorated.
    """

    anxiety_measure: str
    paired: bool
    at_caseness: bool
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool
    no_reliable_change: bool


def classify_course(
    *,
    problem_descriptor: str | None,
    first: Mapping[str, Number | None],
    last: Mapping[str, Number | None],
    registry: Registry = DEFAULT_REGISTRY,
) -> CourseOutcome:
    """Classify a finished course from its first and last totals.

    `first` and `last` map measure codes (any letter case) to totals, e.g.
    `{"PHQ-9": 14, "GAD-7": 12, "SPIN": 30}`; a missing code or None is a missing score.
    Raises `CourseError` for an unknown code or a total outside its measure's range.
    """
    firsts = _checked_totals(first, "first", registry)
    lasts = _checked_totals(last, "last", registry)
    anxiety = choose_anxiety_measure(problem_descriptor, firsts, lasts, registry=registry)
    return classify_pair(
        registry.get(DEPRESSION_MEASURE),
        anxiety,
        firsts.get(DEPRESSION_MEASURE),
        lasts.get(DEPRESSION_MEASURE),
        firsts.get(anxiety.code),
        lasts.get(anxiety.code),
    )


def choose_anxiety_measure(
    problem_descriptor: str | None,
    first: Mapping[str, Number | None],
    last: Mapping[str, Number | None],
    *,
    registry: Registry = DEFAULT_REGISTRY,
) -> Measure:
    """The anxiety half of the pair: the first ADSM matching the descriptor that has both a
    first and a last score (keys are canonical codes), otherwise GAD-7 (the back-up)."""
    for measure in registry.adsms_for_descriptor(problem_descriptor):
        if first.get(measure.code) is not None and last.get(measure.code) is not None:
            return measure
    return registry.get(BACKUP_ANXIETY_MEASURE)


def classify_pair(
    depression: Measure,
    anxiety: Measure,
    depression_first: Number | None,
    depression_last: Number | None,
    anxiety_first: Number | None,
    anxiety_last: Number | None,
) -> CourseOutcome:
    """Apply the national rules to the first and last scores of an already chosen pair.

    This is the one place the rules are written; `classify_course` and the CSV classifier
    both call it. Totals are assumed valid for their measures.
    """
    if depression_first is None or depression_last is None or anxiety_first is None or anxiety_last is None:
        return _not_paired(anxiety.code)
    dep_cut, dep_rci = _rules(depression)
    anx_cut, anx_rci = _rules(anxiety)

    at_caseness = dep_cut.met_by(depression_first) or anx_cut.met_by(anxiety_first)
    recovered = at_caseness and not dep_cut.met_by(depression_last) and not anx_cut.met_by(anxiety_last)
    reliable_fall = dep_rci.is_reliable(depression_first - depression_last) or anx_rci.is_reliable(
        anxiety_first - anxiety_last
    )
    reliable_rise = dep_rci.is_reliable(depression_last - depression_first) or anx_rci.is_reliable(
        anxiety_last - anxiety_first
    )
    improved = reliable_fall and not reliable_rise
    deteriorated = reliable_rise and not reliable_fall
    return CourseOutcome(
        anxiety_measure=anxiety.code,
        paired=True,
        at_caseness=at_caseness,
        recovered=recovered,
        reliable_improvement=improved,
        reliable_deterioration=deteriorated,
        reliable_recovery=recovered and improved,
        no_reliable_change=not improved and not deteriorated,
    )


def _rules(measure: Measure) -> tuple[Cutoff, ReliableChange]:
    """The caseness cut-off and reliable-change value a paired measure must have."""
    if measure.caseness is None or measure.reliable_change is None:
        raise MeasuresError(
            f"{measure.code} cannot be used in an outcome pair: it needs a caseness cut-off "
            "and a reliable-change value"
        )
    return measure.caseness, measure.reliable_change


def _not_paired(anxiety_code: str) -> CourseOutcome:
    return CourseOutcome(anxiety_code, False, False, False, False, False, False, False)


def _checked_totals(totals: Mapping[str, Number | None], which: str, registry: Registry) -> dict[str, Number]:
    """Totals keyed by canonical code, missing ones dropped, each checked against its range."""
    checked: dict[str, Number] = {}
    for code, value in totals.items():
        measure = registry.find(code)
        if measure is None:
            known = ", ".join(registry.codes)
            raise CourseError(f"{which} scores: unknown measure {code!r}: expected one of {known}")
        if value is None:
            continue
        problem = total_problem(measure, value)
        if problem is not None:
            raise CourseError(f"{which} {measure.code} score: {problem}")
        checked[measure.code] = value
    return checked


def total_problem(measure: Measure, value: object) -> str | None:
    """Why `value` is not a possible total of `measure`, or None when it is."""
    expected = expected_total(measure)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected {expected}, got {value!r}"
    if not math.isfinite(value):
        return f"expected {expected}, got {value!r}"
    if measure.whole_number_total and not float(value).is_integer():
        return f"expected {expected}, got {value!r}"
    if not measure.total_min <= value <= measure.total_max:
        return f"expected {expected}, got {value!r}"
    return None


def expected_total(measure: Measure) -> str:
    """What a valid total looks like, for messages: "a whole number from 0 to 27"."""
    kind = "a whole number" if measure.whole_number_total else "a number"
    return f"{kind} from {measure.total_range_text()}"


@dataclass
class CourseSummary:
    """Counts of course outcomes and the four national rates, accumulated one course at a time.

    Recovery and reliable recovery rates are over paired courses at caseness (paired minus
    not at caseness); reliable improvement and deterioration rates are over all paired
    courses. A rate with an empty denominator is None.
    """

    rows: int = 0
    paired: int = 0
    at_caseness: int = 0
    recovered: int = 0
    reliable_improvement: int = 0
    reliable_deterioration: int = 0
    reliable_recovery: int = 0
    no_reliable_change: int = 0

    def add(self, outcome: CourseOutcome) -> None:
        """Count one course."""
        self.rows += 1
        if not outcome.paired:
            return
        self.paired += 1
        self.at_caseness += outcome.at_caseness
        self.recovered += outcome.recovered
        self.reliable_improvement += outcome.reliable_improvement
        self.reliable_deterioration += outcome.reliable_deterioration
        self.reliable_recovery += outcome.reliable_recovery
        self.no_reliable_change += outcome.no_reliable_change

    @property
    def not_paired(self) -> int:
        return self.rows - self.paired

    @property
    def not_at_caseness(self) -> int:
        """Paired courses that started below caseness on both measures."""
        return self.paired - self.at_caseness

    @property
    def recovery_rate(self) -> float | None:
        return _rate(self.recovered, self.paired - self.not_at_caseness)

    @property
    def reliable_recovery_rate(self) -> float | None:
        return _rate(self.reliable_recovery, self.paired - self.not_at_caseness)

    @property
    def reliable_improvement_rate(self) -> float | None:
        return _rate(self.reliable_improvement, self.paired)

    @property
    def reliable_deterioration_rate(self) -> float | None:
        return _rate(self.reliable_deterioration, self.paired)

    def as_dict(self) -> dict[str, int | float | None]:
        """Counts then rates (fractions from 0 to 1, None when the denominator is 0)."""
        return {
            "rows": self.rows,
            "paired": self.paired,
            "not_paired": self.not_paired,
            "at_caseness": self.at_caseness,
            "not_at_caseness": self.not_at_caseness,
            "recovered": self.recovered,
            "reliable_improvement": self.reliable_improvement,
            "reliable_deterioration": self.reliable_deterioration,
            "reliable_recovery": self.reliable_recovery,
            "no_reliable_change": self.no_reliable_change,
            "recovery_rate": self.recovery_rate,
            "reliable_improvement_rate": self.reliable_improvement_rate,
            "reliable_deterioration_rate": self.reliable_deterioration_rate,
            "reliable_recovery_rate": self.reliable_recovery_rate,
        }


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator
