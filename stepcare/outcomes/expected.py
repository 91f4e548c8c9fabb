"""Expected-response curves and the not-on-track flag (pure Python, no Django).

A course is *not on track* when, after enough sessions, its latest score is above the upper
edge of what was expected at that point for its starting score. The expected upper edge is a
fraction of the intake score by the number of scores since intake.

Two sources, always shown with the flag:

- the service's own finished courses, once there are at least `MIN_COURSES` of them: at each
  point, the `PERCENTILE` of (score / intake) among courses that reached it;
- otherwise Stepcare's configured default below. It is illustrative and UNVERIFIED: the IAPT
  Outcome Feedback trial (Delgadillo et al. 2018, ISRCTN12459454) used percentile bands by
  intake severity that are not reproduced here. A service should replace it with its own
  curve (which Stepcare builds automatically once it has enough finished courses).

The flag is a prompt for the therapist and supervisor to review the plan; it is not an outcome
and it changes no national figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_SCORES_SINCE_INTAKE = 3
MIN_COURSES = 50
MIN_AT_POINT = 20
PERCENTILE = 0.75

DEFAULT_SOURCE = (
    "Stepcare default, UNVERIFIED and illustrative: score above intake x factor by session; "
    "check against the IAPT Outcome Feedback norms (Delgadillo et al. 2018) or use the service's own"
)
# Scores since intake -> the highest expected score as a fraction of the intake score.
DEFAULT_UPPER = {1: 1.10, 2: 1.05, 3: 1.00, 4: 0.95, 5: 0.92, 6: 0.90, 7: 0.88, 8: 0.85, 10: 0.82, 12: 0.80}


@dataclass(frozen=True)
class ExpectedCurve:
    upper: dict[int, float]
    source: str
    courses: int = 0

    def upper_at(self, point: int) -> float:
        """The upper fraction at `point` scores since intake (the nearest point at or before it)."""
        known = [p for p in sorted(self.upper) if p <= point]
        return self.upper[known[-1]] if known else self.upper[min(self.upper)]


DEFAULT_CURVE = ExpectedCurve(dict(DEFAULT_UPPER), DEFAULT_SOURCE)


def not_on_track(scores: Sequence[float], curve: ExpectedCurve) -> bool:
    """Whether the latest score (scores[0] is intake) is above the expected upper edge."""
    point = len(scores) - 1
    if point < MIN_SCORES_SINCE_INTAKE or scores[0] <= 0:
        return False
    return scores[-1] > scores[0] * curve.upper_at(point)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = q * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def curve_from_courses(
    courses: Iterable[Sequence[float]], *, service_name: str = "the service"
) -> ExpectedCurve:
    """The service's own curve from finished courses (each a list of scores, intake first), or
    the default when there are fewer than `MIN_COURSES` usable courses. Points with fewer than
    `MIN_AT_POINT` courses keep the default's value."""
    usable = [list(c) for c in courses if len(c) >= 2 and c[0] > 0]
    if len(usable) < MIN_COURSES:
        return DEFAULT_CURVE
    upper = dict(DEFAULT_UPPER)
    longest = max(len(c) for c in usable)
    for point in range(1, longest):
        ratios = [c[point] / c[0] for c in usable if len(c) > point]
        if len(ratios) >= MIN_AT_POINT:
            upper[point] = round(_percentile(ratios, PERCENTILE), 3)
    return ExpectedCurve(
        upper,
        f"{service_name}'s own finished courses ({len(usable)}), {int(PERCENTILE * 100)}th percentile "
        "of score / intake at each session",
        courses=len(usable),
    )
