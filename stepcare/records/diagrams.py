"""A formulation's diagram, drawn from its filled sections as an SVG (no script, no images).

A template says how its sections connect (``FormulationTemplate.diagram``): a cycle (each box
leads to the next and the last back to the first: the five areas, the maintenance models) or a
flow from top to bottom (the longitudinal formulation). The words are the clinician's, cut to
fit; the full text is always in the document above the diagram.
"""

from __future__ import annotations

import math
import textwrap

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BOX_W, BOX_H = 220, 96
CHARS, LINES = 34, 4


def _box(x: float, y: float, label: str, text: str) -> str:
    lines = textwrap.wrap(text, CHARS)[:LINES] or ["–"]
    if len(textwrap.wrap(text, CHARS)) > LINES:
        lines[-1] = lines[-1][: CHARS - 1] + "…"
    tspans = "".join(f'<tspan x="{x + 8:.0f}" dy="14">{escape(line)}</tspan>' for line in lines)
    return (
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#fff" '
        'stroke="#005eb8" stroke-width="2"/>'
        f'<text x="{x + 8:.0f}" y="{y + 18:.0f}" font-weight="bold" font-size="12">'
        f"{escape(textwrap.shorten(label, CHARS + 4, placeholder='…'))}</text>"
        f'<text x="{x + 8:.0f}" y="{y + 22:.0f}" font-size="11">{tspans}</text>'
    )


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#425563" '
        'stroke-width="2" marker-end="url(#stepcare-arrow)"/>'
    )


def _edge(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float, float, float]:
    """From the edge of box ``a`` towards box ``b`` (centres), stopping short of ``b``'s edge."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length

    def out(cx: float, cy: float, sign: int) -> tuple[float, float]:
        scale = min(
            (BOX_W / 2 + 4) / abs(ux) if ux else math.inf, (BOX_H / 2 + 4) / abs(uy) if uy else math.inf
        )
        return cx + sign * ux * scale, cy + sign * uy * scale

    (x1, y1), (x2, y2) = out(ax, ay, 1), out(bx, by, -1)
    return x1, y1, x2, y2


def formulation_svg(layout: str, sections: list[tuple[str, str]]) -> SafeString:
    """The diagram for ``sections`` ((label, text) in template order), or "" for no diagram."""
    filled = [(label, str(text).strip()) for label, text in sections if str(text).strip()]
    if layout == "none" or len(filled) < 2:
        return mark_safe("")
    n = len(filled)
    if layout == "flow":
        width, height = float(BOX_W + 40), float(n * (BOX_H + 40))
        centres = [(width / 2, 20 + BOX_H / 2 + i * (BOX_H + 40)) for i in range(n)]
        links = [(i, i + 1) for i in range(n - 1)]
    else:
        radius = max(150.0, n * (BOX_W + 20) / (2 * math.pi))
        width = height = 2 * radius + BOX_W + 40
        cx, cy = width / 2, height / 2
        centres = [
            (cx + radius * math.sin(2 * math.pi * i / n), cy - radius * math.cos(2 * math.pi * i / n))
            for i in range(n)
        ]
        links = [(i, (i + 1) % n) for i in range(n)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        'width="100%" role="img" '
        'aria-label="Diagram of the formulation drawn from its sections; the full text is above" '
        'data-testid="formulation-diagram">',
        '<defs><marker id="stepcare-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#425563"/></marker></defs>',
    ]
    parts += [_arrow(*_edge(centres[a], centres[b])) for a, b in links]
    parts += [
        _box(x - BOX_W / 2, y - BOX_H / 2, label, text)
        for (x, y), (label, text) in zip(centres, filled, strict=True)
    ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only
