"""The NHS.UK table and summary list components (stepcare/templatetags/components.py)."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context: object) -> str:
    return Template("{% load components %}" + source).render(Context(context))


def test_a_table_has_its_caption_headers_and_rows() -> None:
    html = render(
        '{% table "Appointments" head="When|#Minutes|~Change" testid="t" %}'
        "{% for n in rows %}{% row %}{% cell %}{{ n }}{% endcell %}{% cell %}30{% endcell %}"
        "{% cell %}<a href='#'>Move</a>{% endcell %}{% endrow %}{% endfor %}{% endtable %}",
        rows=["Mon", "<b>Tue</b>"],
    )
    assert '<table class="nhsuk-table" data-testid="t">' in html
    assert '<caption class="nhsuk-table__caption">Appointments</caption>' in html
    assert '<th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">Minutes</th>' in html
    # An action column's header is never empty: its name is there for screen readers.
    assert '<span class="nhsuk-u-visually-hidden">Change</span></th>' in html
    assert html.count('<tr class="nhsuk-table__row">') == 3
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">30</td>' in html
    assert "&lt;b&gt;Tue&lt;/b&gt;" in html  # values are escaped as anywhere else


def test_a_responsive_table_labels_each_cell_with_its_heading() -> None:
    html = render(
        '{% table "People" head="Name|#Age" responsive=True caption_hidden=True %}'
        "{% row %}{% cell header=True %}Ann{% endcell %}{% cell %}40{% endcell %}{% endrow %}{% endtable %}"
    )
    assert 'class="nhsuk-table nhsuk-table--responsive" role="table"' in html
    assert 'class="nhsuk-table__caption nhsuk-u-visually-hidden"' in html
    assert '<th class="nhsuk-table__header" scope="row" role="rowheader">' in html
    assert '<span class="nhsuk-table__heading" aria-hidden="true">Age </span>40' in html


def test_a_table_without_a_caption_or_with_an_empty_column_name_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError):
        render('{% table "" head="A" %}{% endtable %}')
    with pytest.raises(TemplateSyntaxError):
        render('{% table "T" head="A|~" %}{% endtable %}')


def test_a_summary_row_action_is_named_by_its_visible_text_then_its_context() -> None:
    html = render(
        '{% summary_list testid="s" %}'
        '{% summary_row "Name" href="/edit" context="name" %}Ann{% endsummary_row %}'
        '{% summary_row "Age" %}40{% endsummary_row %}{% endsummary_list %}'
    )
    assert '<dl class="nhsuk-summary-list" data-testid="s">' in html
    assert '<dt class="nhsuk-summary-list__key">Name</dt>' in html
    assert '<dd class="nhsuk-summary-list__value">Ann</dd>' in html
    assert 'href="/edit">Change<span class="nhsuk-u-visually-hidden"> name</span></a>' in html
    assert html.count("nhsuk-summary-list__actions") == 1


def test_header_cells_worked_out_in_the_template_keep_their_markup() -> None:
    html = render(
        '{% table "Register" %}{% tablehead %}{% headcell %}Member{% endheadcell %}'
        '{% for n in sessions %}{% headcell numeric=True %}<a href="/s/{{ n }}">Session {{ n }}</a>'
        "{% endheadcell %}{% endfor %}{% endtablehead %}"
        "{% row %}{% cell header=True %}Ann{% endcell %}{% endrow %}{% endtable %}",
        sessions=[1, 2],
    )
    assert '<thead class="nhsuk-table__head">' in html
    assert '<th scope="col" class="nhsuk-table__header">Member</th>' in html
    numeric = '<th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">'
    assert numeric + '<a href="/s/2">Session 2</a></th>' in html
    with pytest.raises(TemplateSyntaxError):
        render(
            '{% table "T" %}{% tablehead %}{% headcell %} {% endheadcell %}{% endtablehead %}{% endtable %}'
        )


def test_a_caption_worked_out_in_the_template_is_escaped_once() -> None:
    html = render(
        '{% table "Fallback" %}{% caption %}By {{ label }}{% endcaption %}{% endtable %}', label="age & sex"
    )
    assert ">By age &amp; sex</caption>" in html


def test_a_summary_row_whose_key_comes_out_blank_still_renders() -> None:
    """A label from a service's configuration (a formulation template's section) left blank
    shows as a dash rather than failing the clinician's page."""
    html = Template(
        "{% load components %}{% summary_list %}"
        "{% summary_row label %}Value{% endsummary_row %}{% endsummary_list %}"
    ).render(Context({"label": ""}))
    assert '<dt class="nhsuk-summary-list__key">–</dt>' in html
    assert "Value" in html
