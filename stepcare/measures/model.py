"""What a questionnaire is, as data.

A `Measure` holds everything Stepcare needs to score one questionnaire and to use it in the
national outcome rules: its items and response options, the item and total ranges, severity
bands, the caseness cut-off, the reliable-change value, its SNOMED CT code and whether its item
wording may be shipped. Every threshold carries the `source` it came from and whether it is a
national rule (fixed) or a value a service may override with its own configuration.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from stepcare.measures.errors import UnknownMeasureError

Number = int | float
"""A questionnaire total: a whole number for summed measures, a float for mean scores."""

TOLERANCE = 1e-9
"""Slack for comparing mean scores (e.g. the Mobility Inventory) written as decimals."""


class Comparator(StrEnum):
    """How a score is compared with a caseness cut-off."""

    AT_LEAST = ">="
    ABOVE = ">"


class CasenessBasis(StrEnum):
    """What the cut-off is applied to: the total, or each item on its own (phobia scales)."""

    TOTAL = "total"
    ANY_ITEM = "any item"


class Scoring(StrEnum):
    """How the item answers make the total."""

    SUM = "sum"
    MEAN = "mean"


@dataclass(frozen=True, slots=True)
class ResponseOption:
    """One labelled point of an item's answer scale (e.g. 0 = "Not at all")."""

    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Item:
    """One question.

    `label` is a short neutral name that is never copyrighted ("Item 3", "Work"); `text` is the
    item wording, present only where it is free to ship or a service loaded its licensed text.
    `flag` names a prompt for the clinician raised when the item is answered above its lowest
    option (PHQ-9 item 9): it is a prompt to ask, never a risk score.
    """

    number: int
    key: str
    label: str
    text: str | None = None
    allows_not_applicable: bool = False
    flag: str | None = None


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band: totals from `low` to `high` inclusive have this `label`."""

    label: str
    low: Number
    high: Number


@dataclass(frozen=True, slots=True)
class SeverityBands:
    """The severity bands of a measure, in order, with where they came from."""

    bands: tuple[Band, ...]
    source: str
    national: bool

    def label_for(self, total: Number) -> str | None:
        """The band a total falls in, or None if it falls in none."""
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        return None


@dataclass(frozen=True, slots=True)
class Cutoff:
    """The caseness cut-off: a score meeting it is in the clinical range ("at caseness").

    `national` is True for a national NHS Talking Therapies rule, which a service cannot
    override; otherwise the value is configuration and `source` says where it came from.
    """

    value: Number
    comparator: Comparator
    applies_to: CasenessBasis
    source: str
    national: bool

    def met_by(self, score: Number) -> bool:
        """Whether a score is at caseness; "below caseness" is simply `not met_by(score)`."""
        if self.comparator is Comparator.AT_LEAST:
            return score >= self.value - TOLERANCE
        return score > self.value + TOLERANCE

    def describe(self) -> str:
        """The cut-off as people write it, e.g. ">= 10"."""
        return f"{self.comparator.value} {_number_text(self.value)}"


@dataclass(frozen=True, slots=True)
class ReliableChange:
    """The reliable-change value: a change at least this big is beyond measurement error."""

    value: Number
    source: str
    national: bool

    def is_reliable(self, change: Number) -> bool:
        """Whether a change (a fall or a rise, given as a positive amount) is reliable."""
        return change >= self.value - TOLERANCE


@dataclass(frozen=True, slots=True)
class Licence:
    """Whether the item wording may ship with Stepcare, who holds it and any notes."""

    wording_free: bool
    holder: str
    note: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A questionnaire definition. Pure data; scoring lives in `stepcare.measures.scoring`.

    `adsm_for` lists the ICD-10 problem descriptors (categories, matched by prefix) for which
    this measure is the anxiety-disorder-specific measure (ADSM) of the national outcome pair.
    """

    code: str
    name: str
    items: tuple[Item, ...]
    item_min: int
    item_max: int
    scoring: Scoring
    severity: SeverityBands | None
    caseness: Cutoff | None
    reliable_change: ReliableChange | None
    snomed_code: str | None
    licence: Licence
    aliases: tuple[str, ...] = ()
    response_options: tuple[ResponseOption, ...] = ()
    instructions: str | None = None
    wording_source: str | None = None
    adsm_for: tuple[str, ...] = ()
    notes: str = ""
    # The LOINC code of the total score where one exists, and where both codes came from
    # (the SNOMED CT concept is the dataset's ``CodedAssToolType`` in IDS606/IDS607).
    loinc_code: str | None = None
    codes_source: str = ""

    @property
    def total_min(self) -> Number:
        """The lowest possible total (for a mean score, the lowest item value)."""
        if self.scoring is Scoring.MEAN:
            return float(self.item_min)
        return self.item_min * len(self.items)

    @property
    def total_max(self) -> Number:
        """The highest possible total (for a mean score, the highest item value)."""
        if self.scoring is Scoring.MEAN:
            return float(self.item_max)
        return self.item_max * len(self.items)

    @property
    def whole_number_total(self) -> bool:
        """Summed measures have whole-number totals; mean scores do not."""
        return self.scoring is Scoring.SUM

    @property
    def is_adsm(self) -> bool:
        """Whether this is an anxiety-disorder-specific measure for some problem descriptor."""
        return bool(self.adsm_for)

    def severity_label(self, total: Number) -> str | None:
        """The severity band of a total, or None where the measure has no bands."""
        return None if self.severity is None else self.severity.label_for(total)

    def total_range_text(self) -> str:
        """The total range as a reader expects it, e.g. "0 to 27" or "1.0 to 5.0"."""
        return f"{_number_text(self.total_min)} to {_number_text(self.total_max)}"


def normalise_code(text: str) -> str:
    """A lookup key for a measure code: letters and digits only, upper case ("phq9" = PHQ-9)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


_DESCRIPTOR = re.compile(r"\s*([A-Za-z])\s*(\d{2})\.?(\w*)")


def normalise_descriptor(text: str | None) -> str:
    """An ICD-10 problem descriptor as a bare upper-case code: "f40.1" and "F401" give "F401".

    Text after the code is ignored ("F401 - Social phobias" gives "F401"). Anything that does
    not start with an ICD-10 code (blank, a SNOMED concept) gives "", which matches no ADSM.
    """
    if not text:
        return ""
    match = _DESCRIPTOR.match(text)
    if match is None:
        return ""
    letter, category, rest = match.groups()
    return f"{letter}{category}{rest}".upper()


@dataclass(frozen=True)
class Registry:
    """The set of measures in force: the built-in definitions plus any service overrides.

    Immutable: `replace` and the configuration functions return a new registry.
    """

    measures: tuple[Measure, ...]
    _by_key: dict[str, Measure] = field(init=False, repr=False, compare=False)
    _descriptor_cache: dict[str, tuple[Measure, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Measure] = {}
        for measure in self.measures:
            for name in (measure.code, *measure.aliases):
                key = normalise_code(name)
                if key in by_key and by_key[key] is not measure:
                    raise ValueError(f"measure code {name!r} is defined twice")
                by_key[key] = measure
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_descriptor_cache", {})

    def __iter__(self) -> Iterator[Measure]:
        return iter(self.measures)

    def __len__(self) -> int:
        return len(self.measures)

    @property
    def codes(self) -> tuple[str, ...]:
        """The canonical codes, in registry order."""
        return tuple(measure.code for measure in self.measures)

    def get(self, code: str) -> Measure:
        """The measure for a code in any letter case, with or without its hyphen."""
        measure = self._by_key.get(normalise_code(code))
        if measure is None:
            known = ", ".join(self.codes)
            raise UnknownMeasureError(f"unknown measure {code!r}: expected one of {known}")
        return measure

    def find(self, code: str) -> Measure | None:
        """Like `get`, but None for an unknown code."""
        return self._by_key.get(normalise_code(code))

    def replace(self, measure: Measure) -> Registry:
        """A new registry with `measure` in place of the one with the same code."""
        self.get(measure.code)
        return Registry(tuple(measure if m.code == measure.code else m for m in self.measures))

    def adsms_for_descriptor(self, descriptor: str | None) -> tuple[Measure, ...]:
        """The ADSMs that match a problem descriptor, in order of preference.

        Matching is by prefix on the normalised code, so F42.1 matches F42 (OCI-R) and F43.10
        matches F43.1 (PCL-5, then IES-R).
        """
        key = normalise_descriptor(descriptor)
        cached = self._descriptor_cache.get(key)
        if cached is not None:
            return cached
        found = tuple(
            measure
            for measure in self.measures
            if any(key.startswith(normalise_descriptor(d)) for d in measure.adsm_for) and key
        )
        if len(self._descriptor_cache) > 10_000:
            self._descriptor_cache.clear()
        self._descriptor_cache[key] = found
        return found


def _number_text(value: Number) -> str:
    """A number as people write it: 10 rather than 10.0, 2.3 rather than 2.300."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return f"{value:.1f}"
    return f"{value}"
