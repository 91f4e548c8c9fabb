"""Stepcare's clinical core: outcome measures, scoring and national course outcomes.

Pure Python with no Django import, so that the web app, the API, the command line, the KPI
engine and the dataset export all score through the same code.

    >>> from stepcare.measures import score, classify_course
    >>> score("PHQ-9", [0, 1, 2, 3, 0, 1, 2, 3, 1]).total
    13
    >>> classify_course(
    ...     problem_descriptor="F40.1",
    ...     first={"PHQ-9": 14, "GAD-7": 12, "SPIN": 30},
    ...     last={"PHQ-9": 5, "GAD-7": 4, "SPIN": 12},
    ... ).reliable_recovery
    True
"""

from __future__ import annotations

from stepcare.measures.batch import INPUT_COLUMNS, OUTPUT_COLUMNS, RowProblem, classify_csv
from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.config import (
    CONFIG_ENV_VAR,
    apply_overrides,
    load_config,
    registry_from_environment,
)
from stepcare.measures.errors import (
    ConfigError,
    CourseError,
    MeasuresError,
    ScoringError,
    UnknownMeasureError,
)
from stepcare.measures.model import (
    Band,
    CasenessBasis,
    Comparator,
    Cutoff,
    Item,
    Licence,
    Measure,
    Registry,
    ReliableChange,
    ResponseOption,
    Scoring,
    SeverityBands,
    normalise_code,
    normalise_descriptor,
)
from stepcare.measures.outcomes import (
    CourseOutcome,
    CourseSummary,
    choose_anxiety_measure,
    classify_course,
    classify_pair,
)
from stepcare.measures.scoring import ScoreResult, parse_answers, score
from stepcare.measures.wording import apply_wording, load_wording

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_REGISTRY",
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "Band",
    "CasenessBasis",
    "Comparator",
    "ConfigError",
    "CourseError",
    "CourseOutcome",
    "CourseSummary",
    "Cutoff",
    "Item",
    "Licence",
    "Measure",
    "MeasuresError",
    "Registry",
    "ReliableChange",
    "ResponseOption",
    "RowProblem",
    "ScoreResult",
    "Scoring",
    "ScoringError",
    "SeverityBands",
    "UnknownMeasureError",
    "apply_overrides",
    "apply_wording",
    "choose_anxiety_measure",
    "classify_course",
    "classify_csv",
    "classify_pair",
    "load_config",
    "load_wording",
    "normalise_code",
    "normalise_descriptor",
    "parse_answers",
    "registry_from_environment",
    "score",
]
