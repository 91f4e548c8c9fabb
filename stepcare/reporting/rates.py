"""The one rate function every KPI figure goes through: the command, the selector and the
dashboard all divide here, so a figure and its published national equivalent agree."""

from __future__ import annotations


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a fraction from 0 to 1, or None when the denominator is 0."""
    if denominator < 0 or numerator < 0:
        raise ValueError(f"a rate needs counts, got {numerator} / {denominator}")
    return None if denominator == 0 else numerator / denominator


def percent_text(value: float | None) -> str:
    """A rate for people: 50.5%, or "–" when there is nothing to divide by."""
    return "–" if value is None else f"{value * 100:.1f}%"
