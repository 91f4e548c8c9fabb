"""The subject access export reads every kind of document in one query, and shows each exactly
as reading it kind by kind does: its status, author, signer, dates and every content field
(choices shown by their labels, dates as dates, a formulation by its template's sections)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stepcare.records import actions, export
from stepcare.records.models import DOCUMENT_KINDS, Formulation, FormulationTemplate
from tests.factories.accounts import UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory

pytestmark = pytest.mark.django_db


def _value(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def _kind_by_kind(patient) -> list[dict[str, Any]]:
    """The documents as the export read them before: one query per kind, whole models."""
    found = []
    for model in DOCUMENT_KINDS.values():
        for d in (
            model.objects.filter(patient=patient).select_related("author", "signed_by").order_by("created_at")
        ):
            found.append(
                {
                    "kind": model.LABEL,
                    "status": d.get_status_display(),
                    "written_by": str(d.author),
                    "created_at": _value(d.created_at),
                    "signed_at": _value(d.signed_at),
                    "signed_by": str(d.signed_by) if d.signed_by else "",
                    "content": {label: _value(value) for label, value in d.content()},
                }
            )
    return sorted(found, key=lambda d: d["created_at"])


def test_every_kind_of_document_is_shown_as_read_kind_by_kind(service) -> None:
    patient = PatientFactory(team=service.team)
    someone_else = PatientFactory(team=service.team)
    author = UserFactory(first_name="Ada", last_name="Marsh")
    signer = UserFactory(first_name="", last_name="", username="signer.only")
    template = FormulationTemplate.objects.filter(active=True).first()
    for model in DOCUMENT_KINDS.values():
        links = {"template": template} if model is Formulation else {}
        data: dict[str, Any] = {}
        if model is Formulation:
            data = {"sections": {s["key"]: f"Written in {s['label']}" for s in template.sections}}
        document = actions.create_document(by=author, kind=model, patient=patient, data=data, links=links)
        if model is not Formulation:
            model.objects.filter(pk=document.pk).update(
                status="signed", signed_at=timezone.now(), signed_by=signer
            )
    SessionNoteFactory(patient=patient, author=author)  # full content: choices, dates, numbers
    SessionNoteFactory(patient=someone_else, author=author, agenda="Someone else's agenda")

    with CaptureQueriesContext(connection) as captured:
        shown = export.subject_access_data(patient)["documents"]
    expected = _kind_by_kind(patient)
    assert len(shown) == len(DOCUMENT_KINDS) + 1
    assert [{k: d[k] for k in expected[0]} for d in shown] == expected
    assert "Someone else's agenda" not in str(shown)
    document_queries = [q for q in captured.captured_queries if "UNION" in q["sql"].upper()]
    assert len(document_queries) == 1
    formulation = next(d for d in shown if d["kind"] == Formulation.LABEL)
    assert all(v.startswith("Written in") for v in formulation["content"].values())
    assert {d["signed_by"] for d in shown if d["signed_at"]} == {"signer.only"}
