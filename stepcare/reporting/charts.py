"""The monthly trend as a server-rendered SVG: recovery and reliable improvement rates by month
of ending, with the recovery target as a dashed line. The same values are in the table beside it."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from stepcare.reporting.selectors import MonthRow

WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 240, 40, 10, 30


def _y(value: float) -> float:
    return TOP + (1 - value) * (HEIGHT - TOP - BOTTOM)


def trend_svg(rows: list[MonthRow], *, recovery_target: float | None) -> SafeString:
    """An SVG line chart; each point carries its value in ``data-value``."""
    if not rows:
        return mark_safe("")
    step = (WIDTH - LEFT - 10) / max(len(rows) - 1, 1)
    parts = [
        '<svg class="stepcare-trend" role="img" aria-labelledby="trend-title" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        '<title id="trend-title">Recovery and reliable improvement by month of ending '
        "(the table beside it has the same values)</title>"
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 10}" y1="{_y(tick):.1f}" y2="{_y(tick):.1f}" stroke="#d8dde0"/>'
            f'<text x="2" y="{_y(tick) + 4:.1f}" font-size="11">{int(tick * 100)}%</text>'
        )
    if recovery_target is not None:
        y = _y(recovery_target)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#425563" stroke-dasharray="6 4" data-testid="target-line"/>'
        )
    for name, colour, attr in (
        ("recovery", "#005eb8", "recovery_rate"),
        ("reliable-improvement", "#007f3b", "reliable_improvement_rate"),
    ):
        points = []
        for i, row in enumerate(rows):
            value = getattr(row, attr)
            if value is None:
                continue
            x, y = LEFT + i * step, _y(value)
            points.append((x, y, value, row))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v, _r in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for x, y, value, row in points:
            label = escape(f"{row.month:%b %Y}")
            parts.append(
                f'<circle class="trend-{name}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" '
                f'data-value="{value:.4f}"><title>{label}: {value * 100:.1f}%</title></circle>'
            )
    for i, row in enumerate(rows):
        parts.append(
            f'<text x="{LEFT + i * step:.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle">'
            f"{escape(f'{row.month:%b %y}')}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only
