"""Select options drawn inline (templates/django/forms/widgets/select.html): the same markup as
Django's own template, which includes two templates for every option."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates

from stepcare.rendering import NHSFormRenderer


class _Choices(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "Anyone"), ("1", "Ann <O'Neil> & co"), ("2", "Bea")], required=False
    )
    grouped = forms.ChoiceField(
        choices=[("", "Any"), ("North", [("n1", "N one"), ("n2", "N two")]), ("South", [("s1", "S one")])]
    )
    many = forms.MultipleChoiceField(choices=[(str(n), f"Option {n}") for n in range(5)], required=False)
    disabled = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], disabled=True)


def _render(renderer: object, data: dict[str, object] | None) -> str:
    form = _Choices(data, renderer=renderer)
    form.fields["plain"].widget.attrs.update({"class": "nhsuk-select", "aria-describedby": "x-hint"})
    return "".join(str(form[name].as_widget()) for name in form.fields)


def test_the_options_are_drawn_as_djangos_own_template_draws_them() -> None:
    for data in (None, {"plain": "1", "grouped": "n2", "many": ["1", "3"], "disabled": "b"}):
        ours, django = _render(NHSFormRenderer(), data), _render(DjangoTemplates(), data)
        assert ours == django
        assert "<option" in ours and "&lt;O&#x27;Neil&gt; &amp; co" in ours
    assert 'value="n2" selected>' in _render(NHSFormRenderer(), {"grouped": "n2"})
