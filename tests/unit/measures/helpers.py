"""Helpers shared by the measures tests."""

from __future__ import annotations

from stepcare.measures import DEFAULT_REGISTRY


def answers_summing_to(code: str, total: int) -> list[int | None]:
    """A complete set of answers for `code` whose item values add up to `total`."""
    measure = DEFAULT_REGISTRY.get(code)
    count = len(measure.items)
    remaining = total - measure.item_min * count
    span = measure.item_max - measure.item_min
    assert 0 <= remaining <= span * count, f"{code} cannot add up to {total}"
    answers: list[int | None] = []
    for _ in range(count):
        step = min(span, remaining)
        answers.append(measure.item_min + step)
        remaining -= step
    return answers


def course_row(**cells: str) -> dict[str, str]:
    """A CSV input row with every column blank except those given."""
    columns = (
        "pathway_id",
        "problem_descriptor",
        "phq9_first",
        "phq9_last",
        "gad7_first",
        "gad7_last",
        "adsm",
        "adsm_first",
        "adsm_last",
    )
    unknown = set(cells) - set(columns)
    assert not unknown, unknown
    return {column: cells.get(column, "") for column in columns}
