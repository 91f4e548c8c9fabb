"""Scoring one completed questionnaire.

A questionnaire is scored only when every item is answered (WSAS item 1 may instead be "not
applicable"): Stepcare does not prorate missing items, because prorating rules are not part of
the national dataset rules (DOMAIN.md §1a). The result carries the total, the severity band,
whether the score is at caseness, and prompts for the clinician (`flags`). It never carries a
risk score or risk label (NICE NG225).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.errors import ScoringError
from stepcare.measures.model import CasenessBasis, Item, Measure, Number, Registry, Scoring

Answer = int | None
"""One item's answer; None means "not applicable" and is allowed only where the item says so."""

NOT_APPLICABLE_WORDS = frozenset({"na", "n/a"})
"""What a person may type for a "not applicable" answer (any letter case)."""


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The score of one completed questionnaire.

    - `total`: the sum of the answers (a float mean for the Mobility Inventory).
    - `severity`: the band label, or None where the measure has no bands.
    - `caseness`: whether the score is in the clinical range, or None where the measure has no
      caseness cut-off (WSAS).
    - `flags`: prompts for the clinician, e.g. "item9" when PHQ-9 item 9 is above 0.
    - `total_excluding_item1` and `item1_not_applicable`: WSAS only; the total of items 2-5,
      and whether item 1 (work) was answered "not applicable".
    - `caseness_items`: for measures read item by item (phobia scales), the keys of the items
      at or above the cut-off.
    """

    measure: str
    total: Number
    severity: str | None
    caseness: bool | None
    flags: tuple[str, ...]
    answers: tuple[Answer, ...]
    total_excluding_item1: int | None = None
    item1_not_applicable: bool = False
    caseness_items: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The five public fields, in order, as the CLI prints them with `--json`."""
        return {
            "measure": self.measure,
            "total": self.total,
            "severity": self.severity,
            "caseness": self.caseness,
            "flags": list(self.flags),
        }


def score(code: str, answers: Sequence[Answer], *, registry: Registry = DEFAULT_REGISTRY) -> ScoreResult:
    """Score a completed questionnaire, e.g. `score("PHQ-9", [0, 1, 2, 3, 0, 1, 2, 3, 1])`.

    Raises `UnknownMeasureError` for an unknown code and `ScoringError` when the number of
    answers is wrong, an answer is missing, not a whole number or out of range.
    """
    measure = registry.get(code)
    checked = _checked_answers(measure, answers)
    answered = [value for value in checked if value is not None]
    total: Number = sum(answered)
    if measure.scoring is Scoring.MEAN:
        total = total / len(answered)
    return ScoreResult(
        measure=measure.code,
        total=total,
        severity=measure.severity_label(total),
        caseness=_caseness(measure, total, checked),
        flags=_flags(measure, checked),
        answers=checked,
        total_excluding_item1=_total_excluding_item1(measure, checked),
        item1_not_applicable=measure.items[0].allows_not_applicable and checked[0] is None,
        caseness_items=_caseness_items(measure, checked),
    )


def parse_answers(code: str, texts: Sequence[str], *, registry: Registry = DEFAULT_REGISTRY) -> list[Answer]:
    """Answers typed as text (the command line): whole numbers, or `na` where allowed."""
    measure = registry.get(code)
    _check_count(measure, len(texts))
    return [_parse_answer(measure, item, text) for item, text in zip(measure.items, texts, strict=True)]


_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


def _parse_answer(measure: Measure, item: Item, text: str) -> Answer:
    cleaned = text.strip()
    if cleaned.lower() in NOT_APPLICABLE_WORDS:
        if item.allows_not_applicable:
            return None
        raise ScoringError(
            f"{_where(measure, item)}: 'not applicable' is not allowed for this item; "
            f"expected {_expected(measure)}"
        )
    if not _WHOLE_NUMBER.fullmatch(cleaned):
        raise ScoringError(f"{_where(measure, item)}: expected {_expected(measure, item)}, got {text!r}")
    return int(cleaned)


def _check_count(measure: Measure, count: int) -> None:
    expected = len(measure.items)
    if count != expected:
        raise ScoringError(
            f"{measure.code}: expected {expected} answers (items 1 to {expected}), got {count}"
        )


def _checked_answers(measure: Measure, answers: Sequence[Answer]) -> tuple[Answer, ...]:
    _check_count(measure, len(answers))
    for item, value in zip(measure.items, answers, strict=True):
        _check_answer(measure, item, value)
    return tuple(answers)


def _check_answer(measure: Measure, item: Item, value: object) -> None:
    where = _where(measure, item)
    if value is None:
        if item.allows_not_applicable:
            return
        raise ScoringError(f"{where}: no answer; an incomplete questionnaire is not scored (no prorating)")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScoringError(f"{where}: expected {_expected(measure, item)}, got {value!r}")
    if not measure.item_min <= value <= measure.item_max:
        raise ScoringError(f"{where}: expected {_expected(measure, item)}, got {value}")


def _where(measure: Measure, item: Item) -> str:
    """How an item is named in messages, e.g. "WSAS item 1 (Work)"."""
    name = f"{measure.code} item {item.number}"
    return name if item.label == f"Item {item.number}" else f"{name} ({item.label})"


def _expected(measure: Measure, item: Item | None = None) -> str:
    text = f"a whole number from {measure.item_min} to {measure.item_max}"
    if item is not None and item.allows_not_applicable:
        text += " or 'na' (not applicable)"
    return text


def _caseness(measure: Measure, total: Number, answers: tuple[Answer, ...]) -> bool | None:
    cutoff = measure.caseness
    if cutoff is None:
        return None
    if cutoff.applies_to is CasenessBasis.ANY_ITEM:
        return any(cutoff.met_by(value) for value in answers if value is not None)
    return cutoff.met_by(total)


def _caseness_items(measure: Measure, answers: tuple[Answer, ...]) -> tuple[str, ...]:
    cutoff = measure.caseness
    if cutoff is None or cutoff.applies_to is not CasenessBasis.ANY_ITEM:
        return ()
    return tuple(
        item.key
        for item, value in zip(measure.items, answers, strict=True)
        if value is not None and cutoff.met_by(value)
    )


def _flags(measure: Measure, answers: tuple[Answer, ...]) -> tuple[str, ...]:
    """Prompts raised by items answered above their lowest option (PHQ-9 item 9)."""
    return tuple(
        item.flag
        for item, value in zip(measure.items, answers, strict=True)
        if item.flag is not None and value is not None and value > measure.item_min
    )


def _total_excluding_item1(measure: Measure, answers: tuple[Answer, ...]) -> int | None:
    if not measure.items[0].allows_not_applicable:
        return None
    return sum(value for value in answers[1:] if value is not None)
