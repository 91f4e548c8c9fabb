"""The rows of "Find a patient" are written in Python (``patient_search_rows``): the same
markup as the table's ``row`` and ``cell`` tags wrote from the template, with every value
escaped, for each kind of row (one's own team's patient, another team's, seen by the IG officer)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template

from tests.factories.patients import PatientFactory

pytestmark = pytest.mark.django_db

HEAD = '{% load components stepcare %}{% table "Found" head="Name|NHS number|Date of birth|Team|~Action" %}'
FOR = '<span class="nhsuk-u-visually-hidden"> for {{ p.display_name }}</span>'
# The rows as the template wrote them before (the reference).
TEMPLATE_ROWS = (
    HEAD + "{% for p in results %}{% row %}"
    "{% cell %}{% if p.team_id in own_teams %}"
    '<a href="{{ p.pk|url_for_key:"patients:detail" }}">{{ p.display_name }}</a>'
    "{% else %}{{ p.display_name }}{% endif %}{% endcell %}"
    "{% cell %}{{ p.formatted_nhs_number }}{% endcell %}"
    '{% cell %}{{ p.date_of_birth|date:"d/m/Y" }}{% endcell %}'
    "{% cell %}{{ p.team.name }}{% endcell %}"
    '{% cell %}{% if can_audit %}<a href="{{ p.pk|url_for_key:"patients:access_log" }}">Access log'
    + FOR
    + "</a>"
    '{% elif p.team_id not in own_teams %}<a href="{{ p.pk|url_for_key:"patients:break_glass" }}">Break-glass'
    + FOR
    + "</a>{% endif %}{% endcell %}"
    "{% endrow %}{% endfor %}{% endtable %}"
)
TAG_ROWS = HEAD + "{% patient_search_rows results own_teams can_audit %}{% endtable %}"


def _markup(source: str, **context: object) -> str:
    return re.sub(r">\s+<", "><", Template(source).render(Context(context))).strip()


@pytest.mark.parametrize("can_audit", [False, True])
def test_the_rows_written_in_python_are_the_templates_rows(service, can_audit: bool) -> None:
    hostile = PatientFactory(
        team=service.team, given_name='<script>alert("x")</script>', family_name="O'Brien & <b>Sons</b>"
    )
    elsewhere = PatientFactory(team=service.other_team, date_of_birth=dt.date(1984, 3, 15))
    no_number = PatientFactory(team=service.team, nhs_number=None)
    context = {
        "results": [hostile, elsewhere, no_number],
        "own_teams": {service.team.pk},
        "can_audit": can_audit,
    }
    written = _markup(TAG_ROWS, **context)
    assert written == _markup(TEMPLATE_ROWS, **context)
    assert "<script>" not in written and "&lt;script&gt;" in written
