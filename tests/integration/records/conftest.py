from __future__ import annotations

import pytest

from stepcare.records.defaults import ensure_defaults
from stepcare.records.models import FormulationTemplate, LetterTemplate


@pytest.fixture(autouse=True)
def shipped_templates(db: None) -> None:
    """The templates the migrations load; a transactional test elsewhere may have emptied them."""
    ensure_defaults(LetterTemplate, FormulationTemplate)
