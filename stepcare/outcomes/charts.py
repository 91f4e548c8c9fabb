"""Progress charts as server-rendered SVG: one function, reused by pages, letters and
supervision packs. It draws stored scores only; caseness and reliable-change values come from
the core's measure definitions. Every point carries its value in `data-value` so that a test
(and a screen reader's table beside the chart) can check the chart against the record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from stepcare.measures import Measure
from stepcare.measures.model import Number

WIDTH = 640
PANEL_HEIGHT = 170
LEFT = 44
RIGHT = 16
TOP = 24
BOTTOM = 30


@dataclass(frozen=True)
class Point:
    contact: int  # position among the course's contacts, from 0
    total: Number


@dataclass(frozen=True)
class Series:
    measure: Measure
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Marker:
    contact: float  # may fall between contacts
    label: str


def _num(value: Number) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def progress_chart_svg(
    *, title: str, series: Sequence[Series], contact_dates: Sequence[dt.date], markers: Sequence[Marker] = ()
) -> str:
    """SVG markup: one panel per measure, scores by contact, the caseness line, the
    reliable-change band around the first score, contact dates and step-change markers."""
    n = max(len(contact_dates), 1)
    plot_w = WIDTH - LEFT - RIGHT
    height = PANEL_HEIGHT * max(len(series), 1)

    def x(contact: float) -> float:
        return LEFT + (plot_w / 2 if n == 1 else plot_w * contact / (n - 1))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title" class="stepcare-chart" data-testid="progress-chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        "<desc>Scores by contact; the same values are in the table beside the chart.</desc>",
    ]
    if not series:
        parts.append(f'<text x="{LEFT}" y="{TOP + 20}" font-size="14">No scores recorded yet.</text></svg>')
        return "".join(parts)
    for index, s in enumerate(series):
        m = s.measure
        top = index * PANEL_HEIGHT + TOP
        plot_h = PANEL_HEIGHT - TOP - BOTTOM
        low, high = float(m.total_min), float(m.total_max)

        def y(
            value: float, top: float = top, plot_h: float = plot_h, low: float = low, high: float = high
        ) -> float:
            value = min(max(value, low), high)
            return top + plot_h - plot_h * (value - low) / (high - low)

        code = escape(m.code)
        parts.append(f'<g data-measure="{code}">')
        parts.append(f'<text x="{LEFT}" y="{top - 8}" font-size="13" font-weight="bold">{code}</text>')
        parts.append(
            f'<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#aeb7bd"/>'
        )
        for value in (low, high):
            parts.append(
                f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end">'
                f"{_num(value)}</text>"
            )
        if s.points and m.reliable_change is not None:
            first = float(s.points[0].total)
            rci = float(m.reliable_change.value)
            band_top, band_bottom = y(first + rci), y(first - rci)
            parts.append(
                f'<rect class="rc-band" x="{LEFT}" y="{band_top:.1f}" width="{plot_w}" '
                f'height="{band_bottom - band_top:.1f}" fill="#005eb8" fill-opacity="0.08" '
                f'data-low="{_num(first - rci)}" data-high="{_num(first + rci)}"><title>No reliable change '
                f"from the first score ({_num(first)} ± {_num(rci)})</title></rect>"
            )
        if m.caseness is not None and m.caseness.applies_to.value == "total":
            cy = y(float(m.caseness.value))
            parts.append(
                f'<line class="caseness" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{cy:.1f}" y2="{cy:.1f}" '
                f'stroke="#d5281b" stroke-dasharray="6 4" data-value="{_num(m.caseness.value)}"/>'
                f'<text x="{LEFT + plot_w - 2}" y="{cy - 4:.1f}" font-size="11" '
                f'text-anchor="end" fill="#d5281b">'
                f"caseness {escape(m.caseness.describe())}</text>"
            )
        for marker in markers:
            mx = x(marker.contact)
            parts.append(
                f'<line class="step-marker" x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + plot_h}" '
                f'stroke="#330072" stroke-width="2"><title>{escape(marker.label)}</title></line>'
            )
            if index == 0:
                parts.append(
                    f'<text x="{mx + 3:.1f}" y="{top + 11}" font-size="10" fill="#330072">'
                    f"{escape(marker.label)}</text>"
                )
        if len(s.points) > 1:
            path = " ".join(f"{x(p.contact):.1f},{y(float(p.total)):.1f}" for p in s.points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#005eb8" stroke-width="2"/>')
        for p in s.points:
            date = contact_dates[p.contact] if p.contact < len(contact_dates) else None
            when = f"{date:%d %b %Y}" if date else ""
            parts.append(
                f'<circle class="score" cx="{x(p.contact):.1f}" cy="{y(float(p.total)):.1f}" r="4" '
                f'fill="#005eb8" '
                f'data-value="{_num(p.total)}" data-date="{date.isoformat() if date else ""}">'
                f"<title>{code} {_num(p.total)} on {when}</title></circle>"
            )
        for i, date in enumerate(contact_dates):
            if index == len(series) - 1 or len(contact_dates) <= 1:
                parts.append(
                    f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" font-size="10" text-anchor="middle">'
                    f"{date:%d %b}</text>"
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(values: Sequence[Number], *, low: Number, high: Number, label: str) -> str:
    """A small trend line for a list (e.g. PHQ-9 totals in order); values shown in `data-values`."""
    w, h, pad = 80, 20, 2
    if not values:
        return ""
    span = float(high) - float(low) or 1.0
    step = (w - 2 * pad) / max(len(values) - 1, 1)
    points = " ".join(
        f"{pad + i * step:.1f},{h - pad - (h - 2 * pad) * (float(v) - float(low)) / span:.1f}"
        for i, v in enumerate(values)
    )
    data = " ".join(_num(v) for v in values)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{escape(label)}: {data}" class="stepcare-sparkline" data-values="{data}">'
        f'<polyline points="{points}" fill="none" stroke="#005eb8" stroke-width="1.5"/></svg>'
    )
