"""Subject access: everything Stepcare holds about one patient, as JSON and as a PDF."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, JSONField, QuerySet, Value
from django.db.models.functions import JSONObject
from django.utils import timezone

from stepcare.patients.models import DEMOGRAPHIC_FIELDS, Patient, RiskFlag
from stepcare.records.models import (
    DOCUMENT_KINDS,
    Addendum,
    ClinicalDocument,
    Consent,
    Formulation,
    FormulationTemplate,
    Letter,
    LetterDispatch,
    RelatedPerson,
)


def _value(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def subject_access_data(patient: Patient) -> dict[str, Any]:
    """One patient's record (never another's): demographics, referrals, appointments, documents
    with their addenda, consent decisions, named people and risk concerns."""
    from stepcare.referrals.models import Referral
    from stepcare.scheduling.models import Attendee

    addenda: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for a in Addendum.objects.filter(patient=patient).select_related("author"):
        addenda.setdefault((a.content_type_id, a.object_id), []).append(
            {"written_at": _value(a.created_at), "by": str(a.author), "text": a.text}
        )
    dispatches: dict[int, list[dict[str, Any]]] = {}
    for x in LetterDispatch.objects.filter(patient=patient).select_related("dispatched_by"):
        dispatches.setdefault(x.letter_id, []).append(
            {
                "sent_on": _value(x.dispatched_on),
                "how": x.get_route_display(),
                "to_email": x.email_address,
                "by": str(x.dispatched_by),
                "recorded_at": _value(x.recorded_at),
                "note": x.note,
            }
        )
    documents = []
    for d, written_by, signed_by in _documents_of(patient):
        model = type(d)
        extra = {"dispatches": dispatches.get(d.pk, [])} if model is Letter else {}
        documents.append(
            {
                "kind": model.LABEL,
                "status": d.get_status_display(),
                "written_by": written_by,
                "created_at": _value(d.created_at),
                "signed_at": _value(d.signed_at),
                "signed_by": signed_by,
                "content": {label: _value(value) for label, value in d.content()},
                "addenda": addenda.get((ContentType.objects.get_for_model(model).pk, d.pk), []),
                **extra,
            }
        )
    documents.sort(key=lambda d: d["created_at"])
    return {
        "produced_at": _value(timezone.now()),
        "patient": {f: _value(getattr(patient, f)) for f in DEMOGRAPHIC_FIELDS},
        "referrals": [
            {
                "reference": r.reference,
                "received_on": _value(r.received_on),
                "status": r.get_status_display(),
                "presenting_difficulties": r.presenting_difficulties,
                "discharge_date": _value(r.discharge_date),
            }
            for r in Referral.objects.filter(patient=patient).order_by("received_on")
        ],
        "appointments": [
            {
                "starts_at": _value(a.appointment.starts_at),
                "type": a.appointment.get_app_type_display(),
                "mode": a.appointment.get_delivery_mode_display(),
                "attendance": a.get_attendance_display(),
                "cancelled": a.appointment.is_cancelled,
            }
            for a in Attendee.objects.filter(patient=patient)
            .select_related("appointment")
            .order_by("starts_at")
        ],
        "documents": documents,
        "messages": messages_sent_to(patient),
        "consent": [
            {
                "purpose": c.get_scope_display(),
                "about": c.target,
                "given": c.given,
                "decided_on": _value(c.decided_on),
                "may_be_told": c.may_be_told,
                "withdrawn_on": _value(c.withdrawn_on),
            }
            for c in Consent.objects.filter(patient=patient)
            .select_related("related_person")
            .order_by("decided_on")
        ],
        "people": [
            {
                "name": p.name,
                "relationship": p.get_relationship_display(),
                "emergency_contact": p.emergency_contact,
                "involvement": p.involvement,
            }
            for p in RelatedPerson.objects.filter(patient=patient)
        ],
        "risk_concerns": [
            {
                "summary": f.summary,
                "raised_at": _value(f.raised_at),
                "cleared_at": _value(f.cleared_at),
                "cleared_reason": f.cleared_reason,
            }
            for f in RiskFlag.objects.filter(patient=patient).order_by("raised_at")
        ],
    }


_PEOPLE = ("first_name", "last_name", "username")


def _documents_of(patient: Patient) -> list[tuple[ClinicalDocument, str, str]]:
    """Every document of the patient's record, of every kind, in one query: each kind's common
    columns, its author's and signer's names, and its content fields as one JSON object; rebuilt
    as (unsaved) documents so that each shows its content as its own page does, each with the
    names of its author and signer."""
    rows: QuerySet[Any, dict[str, Any]] | None = None
    for slug, model in DOCUMENT_KINDS.items():
        content = {name: F(name) for name in model.CONTENT_FIELDS}
        if model is Formulation:
            content["template_sections"] = F("template__sections")
        kind_rows = (
            model.objects.filter(patient=patient)
            .order_by()
            .values(
                "pk",
                "status",
                "created_at",
                "signed_at",
                *(f"author__{f}" for f in _PEOPLE),
                *(f"signed_by__{f}" for f in _PEOPLE),
                kind=Value(slug, output_field=CharField()),
                content=JSONObject(**content),
            )
        )
        rows = kind_rows if rows is None else rows.union(kind_rows, all=True)
    assert rows is not None
    order = {slug: n for n, slug in enumerate(DOCUMENT_KINDS)}
    found = [_rebuilt(row) for row in rows]
    found.sort(key=lambda found: (found[0].created_at, order[found[0].KIND], found[0].pk))
    return found


def _rebuilt(row: dict[str, Any]) -> tuple[ClinicalDocument, str, str]:
    model = DOCUMENT_KINDS[row["kind"]]
    content = dict(row["content"])
    template_sections = content.pop("template_sections", None)
    fields: dict[str, Any] = {}
    for name, raw in content.items():
        field = model._meta.get_field(name)
        if isinstance(field, JSONField) and isinstance(raw, str):
            raw = json.loads(raw)  # SQLite nests a JSON column as its text
        fields[name] = field.to_python(raw)  # type: ignore[union-attr]
    document = model(status=row["status"], created_at=row["created_at"], signed_at=row["signed_at"], **fields)
    document.pk = row["pk"]
    if isinstance(document, Formulation):
        if isinstance(template_sections, str):
            template_sections = json.loads(template_sections)
        document.template = FormulationTemplate(sections=template_sections)
    signed_by = _name(row, "signed_by") if row["signed_by__username"] else ""
    return document, _name(row, "author"), signed_by


def _name(row: dict[str, Any], who: str) -> str:
    """As ``str(user)``: the full name, or the username when there is none."""
    full = f"{row[f'{who}__first_name']} {row[f'{who}__last_name']}".strip()
    return full or str(row[f"{who}__username"])


def messages_sent_to(patient: Patient) -> list[dict[str, Any]]:
    """Texts and emails sent (or tried) to this patient about appointments: reminders,
    confirmations, changes and cancellations, with their wording. Read-only; this patient's only."""
    from stepcare.scheduling.models import Message

    return [
        {
            "sent_at": _value(m.sent_at),
            "kind": m.get_kind_display(),
            "channel": m.get_channel_display(),
            "to": m.recipient,
            "status": m.get_status_display(),
            "text": m.body,
        }
        for m in Message.objects.filter(patient=patient).order_by("sent_at", "id")
    ]


def subject_access_pdf(data: dict[str, Any]) -> bytes:
    from stepcare.pdf import render_pdf

    return render_pdf("records/subject_access.html", {"data": data})
