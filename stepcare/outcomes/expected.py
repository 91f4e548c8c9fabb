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

# The anxiety measures (GAD-7 and the disorder-specific measures) use the same illustrative
# fractions until a service configures its own or has enough finished courses; the source says so.
ANXIETY_DEFAULT_SOURCE = (
    "Stepcare default for {measure}, UNVERIFIED and illustrative (the PHQ-9 default's fractions "
    "applied to {measure}); use the service's own finished courses or configure a checked curve"
)


def default_curve_for(measure: str, configured: dict[str, dict[str, object]] | None = None) -> ExpectedCurve:
    """The configured default curve for a measure (``configured`` maps a measure code to
    ``{"upper": {"1": 1.1, ...}, "source": "..."}``), otherwise Stepcare's illustrative one."""
    found = (configured or {}).get(measure)
    if found:
        raw = found.get("upper", {})
        upper = {int(k): float(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        if upper:
            return ExpectedCurve(
                upper, str(found.get("source") or f"the service's configured curve for {measure}")
            )
    if measure == "PHQ-9":
        return DEFAULT_CURVE
    return ExpectedCurve(dict(DEFAULT_UPPER), ANXIETY_DEFAULT_SOURCE.format(measure=measure))


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
    courses: Iterable[Sequence[float]],
    *,
    service_name: str = "the service",
    default: ExpectedCurve = DEFAULT_CURVE,
    measure: str = "PHQ-9",
) -> ExpectedCurve:
    """The service's own curve from finished courses (each a list of scores, intake first), or
    the default when there are fewer than `MIN_COURSES` usable courses. Points with fewer than
    `MIN_AT_POINT` courses keep the default's value."""
    usable = [list(c) for c in courses if len(c) >= 2 and c[0] > 0]
    if len(usable) < MIN_COURSES:
        return default
    upper = dict(default.upper)
    longest = max(len(c) for c in usable)
    for point in range(1, longest):
        ratios = [c[point] / c[0] for c in usable if len(c) > point]
        if len(ratios) >= MIN_AT_POINT:
            upper[point] = round(_percentile(ratios, PERCENTILE), 3)
    return ExpectedCurve(
        upper,
        f"{service_name}'s own finished courses ({len(usable)}), {int(PERCENTILE * 100)}th percentile "
        f"of {measure} score / intake at each session",
        courses=len(usable),
    )
