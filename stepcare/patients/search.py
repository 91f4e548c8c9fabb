"""Reading a free-text patient search (a name, an NHS number, a date of birth, a phone
number) into a condition on Patient. Pure: imports no policy, so audit and other apps'
selectors can use it without an import cycle through ``accounts.access``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q
from nhs_number.validate import is_valid as nhs_number_is_valid

from stepcare.patients.models import normalise_name, phone_digits


@dataclass(frozen=True)
class ParsedQuery:
    nhs_number: str | None = None
    date_of_birth: dt.date | None = None
    phone: str | None = None
    name_tokens: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.nhs_number or self.date_of_birth or self.phone or self.name_tokens)


_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_query(text: str) -> ParsedQuery:
    """Read a free-text search: a name, an NHS number, a date of birth, a phone number, or a
    name with a date of birth ("smith 01/02/1980")."""
    dob: dt.date | None = None
    names: list[str] = []
    compact = re.sub(r"[\s()-]", "", text)
    if compact.isdigit() and len(compact) == 10 and nhs_number_is_valid(compact):
        return ParsedQuery(nhs_number=compact)
    if re.fullmatch(r"(\+44|0)[0-9]{5,}", compact):
        return ParsedQuery(phone=phone_digits(compact))
    for token in text.split():
        m = _DATE.match(token)
        if m:
            day, month, year = (int(g) for g in m.groups())
            try:
                dob = dt.date(year, month, day)
            except ValueError:
                continue
        elif re.fullmatch(r"[^\d]+", token):
            names.append(normalise_name(token))
    return ParsedQuery(date_of_birth=dob, name_tokens=tuple(names))


def key_searches(parsed: ParsedQuery) -> list[tuple[Q, tuple[str, ...]]]:
    """The search by its keys, reading by reading (see ``name_searches``): a name; a phone
    number as a mobile, then as a home number; otherwise (an NHS number, a date of birth) one
    reading in order of name, among the few people those name."""
    if parsed.name_tokens:
        return name_searches(parsed.name_tokens)
    if parsed.phone:
        return [
            (Q(search_mobile__prefix=parsed.phone), ("search_mobile", "search_name", "id")),
            (Q(search_home__prefix=parsed.phone), ("search_home", "search_name", "id")),
        ]
    return [(Q(), ("search_name", "id"))]


def name_searches(tokens: tuple[str, ...]) -> list[tuple[Q, tuple[str, ...]]]:
    """A name search as its readings, each a condition with the order its matches are shown in,
    in turn: a surname (then a first name) for one word; surname first (then surname last) for
    more. Each condition is a prefix of one search key and its order starts with that key, so
    one index answers both, and the first page of a common name is read without the rest."""
    if len(tokens) == 1:
        (t,) = tokens
        return [
            (Q(search_name__prefix=t), ("search_name", "id")),
            (Q(search_given__prefix=t), ("search_given", "search_name", "id")),
        ]
    first, rest = tokens[0], " ".join(tokens[1:])
    last, before = tokens[-1], " ".join(tokens[:-1])
    return [
        (Q(search_name__prefix=f"{first} {rest}"), ("search_name", "id")),
        (Q(search_name__prefix=f"{last} {before}"), ("search_name", "id")),
    ]


def name_filter(tokens: tuple[str, ...]) -> Q:
    """Every reading of a name search as one condition (the lists that filter, not page by
    reading: the audit search, the API, group and agenda pickers)."""
    condition = Q()
    for reading, _order in name_searches(tokens):
        condition |= reading
    return condition


def patient_matches(query: str) -> Q | None:
    """The patients a short search names (a name, an NHS number or a date of birth), as a
    condition on Patient; None when the search names nobody."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return None
    condition = Q()
    if parsed.nhs_number:
        condition &= Q(nhs_number=parsed.nhs_number)
    if parsed.phone:
        condition &= Q(search_mobile__prefix=parsed.phone) | Q(search_home__prefix=parsed.phone)
    if parsed.date_of_birth:
        condition &= Q(date_of_birth=parsed.date_of_birth)
    if parsed.name_tokens:
        condition &= name_filter(parsed.name_tokens)
    return condition
