"""Reads of the clinical record, each with a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.outcomes.selectors import risk_check_required
from stepcare.patients.models import Patient
from stepcare.records.models import (
    DOCUMENT_KINDS,
    Addendum,
    ClinicalDocument,
    Consent,
    DocumentQuerySet,
    DocumentStatus,
    Letter,
    LetterDispatch,
    LiaisonEntry,
    RelatedPerson,
    RiskAssessment,
    SafetyPlan,
    SessionNote,
)


def documents(kind: type[ClinicalDocument]) -> DocumentQuerySet:
    qs: DocumentQuerySet = kind.objects.select_related(
        "patient__team", "patient__allocated_clinician", "referral", "author", "signed_by", "updated_by"
    )
    return qs


def addenda_for(document: ClinicalDocument) -> list[Addendum]:
    return list(
        Addendum.objects.filter(
            content_type=ContentType.objects.get_for_model(type(document)), object_id=document.pk
        ).select_related("author")
    )


def previous_risk_review(assessment: RiskAssessment) -> RiskAssessment | None:
    """The signed risk formulation before this one, to show what changed."""
    earlier = RiskAssessment.objects.signed().filter(patient_id=assessment.patient_id)
    if assessment.signed_at is not None:
        earlier = earlier.filter(signed_at__lt=assessment.signed_at)
    return earlier.order_by("-signed_at").first()


def latest_signed(kind: type[ClinicalDocument], patient: Patient) -> Any:
    return kind.objects.signed().filter(patient=patient).order_by("-signed_at", "-id").first()


def overdue_drafts(*, user: User, days: int | None = None, limit: int = 100) -> dict[str, list[Any]]:
    """Drafts left unsigned too long: one's own, and (for supervisors) their teams'. One query
    per kind of document for both lists, read by the partial index of drafts; at most ``limit``
    in each list, oldest first (one's own first when there are more than twice that)."""
    days = settings.RECORDS_DRAFT_OVERDUE_DAYS if days is None else days
    before = timezone.now() - dt.timedelta(days=days)
    whose = _own_or_supervised(user)
    found: list[Any] = []
    for kind in DOCUMENT_KINDS.values():
        drafts = (
            kind.objects.drafts()
            .filter(whose, created_at__lt=before)
            .select_related("patient__team", "author")
        )
        found += drafts.order_by("created_at", "id")[: 2 * limit]
    return _own_and_team(found, user, limit, key=lambda d: d.created_at)


def _own_or_supervised(user: User) -> Q:
    """Documents written by ``user``, or about a patient of a team they supervise."""
    supervised = team_ids_with_permission(user, Permission.SUPERVISE)
    return Q(author=user) | Q(patient__team_id__in=supervised) if supervised else Q(author=user)


def _own_and_team(found: list[Any], user: User, limit: int, *, key: Any) -> dict[str, list[Any]]:
    found.sort(key=key)
    return {
        "own": [d for d in found if d.author_id == user.pk][:limit],
        "team": [d for d in found if d.author_id != user.pk][:limit],
    }


# Consent ---------------------------------------------------------------------------------------


def consents_for(patient: Patient) -> list[Consent]:
    return list(
        Consent.objects.filter(patient=patient).select_related(
            "related_person", "recorded_by", "withdrawn_by"
        )[:500]
    )


def current_consents(consents: list[Consent]) -> list[Consent]:
    """The latest decision for each purpose and recipient, withdrawn or not."""
    seen: set[tuple[str, Any, str]] = set()
    current = []
    for c in sorted(consents, key=lambda c: (c.decided_on, c.pk), reverse=True):
        key = (c.scope, c.related_person_id, c.agency_name.lower())
        if key not in seen:
            seen.add(key)
            current.append(c)
    return current


def has_consent(
    patient: Patient, scope: str, *, related_person: RelatedPerson | None = None, agency_name: str = ""
) -> bool:
    """Is the patient's latest decision for this purpose a consent not withdrawn?"""
    decisions = Consent.objects.filter(patient=patient, scope=scope)
    if related_person is not None:
        decisions = decisions.filter(related_person=related_person)
    if agency_name:
        decisions = decisions.filter(agency_name__iexact=agency_name.strip())
    latest = decisions.order_by("-decided_on", "-id").first()
    return bool(latest and latest.given and latest.withdrawn_on is None)


def sharing_allowed(letter: Letter) -> bool:
    """May this letter go to its recipient on the patient's consent alone?"""
    R = Letter.Recipient
    if letter.recipient_kind == R.PATIENT:
        return True
    if letter.recipient_kind == R.GP:
        return has_consent(letter.patient, Consent.Scope.SHARE_GP)
    if letter.recipient_kind == R.RELATED_PERSON:
        return letter.related_person is not None and has_consent(
            letter.patient, Consent.Scope.INVOLVE_PERSON, related_person=letter.related_person
        )
    name = letter.agency.name if letter.agency_id and letter.agency else letter.recipient_name
    return bool(name) and has_consent(letter.patient, Consent.Scope.SHARE_AGENCY, agency_name=name)


# The timeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    label: str
    at: dt.datetime
    title: str
    detail: str
    url_name: str = ""
    url_args: tuple[Any, ...] = ()
    status: str = ""
    notes: tuple[str, ...] = ()  # lines shown beside the entry (corrections, actions)


TIMELINE_KINDS = {
    "referral": "Referrals",
    "appointment": "Appointments",
    "document": "Notes and documents",
    "letter": "Letters",
    "risk": "Risk reviews",
    "liaison": "Contacts and liaison",
    "consent": "Consent",
    "supervision": "Supervision and MDT",
}


def _at(day: dt.date | None, fallback: dt.datetime) -> dt.datetime:
    if day is None:
        return fallback
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def timeline(
    *, patient: Patient, kind: str = "", page: int = 1, per_page: int = 25
) -> tuple[list[TimelineEntry], bool]:
    """The newest ``per_page`` entries of one page, and whether there is another page.

    Each source is read newest first and cut at ``page * per_page + 1`` rows in the database,
    then the sources are merged: a page costs one query per source, whatever the record's size.
    """
    from stepcare.referrals.models import Referral
    from stepcare.scheduling.models import Attendee

    cut = page * per_page + 1
    entries: list[TimelineEntry] = []
    want = (lambda k: True) if not kind else (lambda k: k == kind)
    if want("referral"):
        for r in Referral.objects.filter(patient=patient).order_by("-received_on", "-id")[:cut]:
            entries.append(
                TimelineEntry(
                    "referral",
                    "Referral",
                    _at(r.received_on, r.received_at),
                    f"Referral {r.reference}",
                    r.get_status_display(),
                    "referrals:detail",
                    (r.pk,),
                )
            )
    if want("appointment"):
        rows = (
            Attendee.objects.filter(patient=patient)
            .select_related("appointment")
            .order_by("-starts_at", "-id")[:cut]
        )
        for a in rows:
            appt = a.appointment
            entries.append(
                TimelineEntry(
                    "appointment",
                    "Appointment",
                    appt.starts_at,
                    f"{appt.get_app_type_display()} – {appt.get_delivery_mode_display()}",
                    "Cancelled"
                    if appt.is_cancelled
                    else (a.get_attendance_display() or "Attendance not recorded"),
                    "scheduling:appointment",
                    (appt.pk,),
                )
            )
    entries += _document_entries(patient, want, cut)
    if want("consent"):
        for c in (
            Consent.objects.filter(patient=patient)
            .select_related("related_person")
            .order_by("-recorded_at")[:cut]
        ):
            entries.append(
                TimelineEntry(
                    "consent",
                    "Consent",
                    c.recorded_at,
                    f"{c.get_scope_display()}{': ' + c.target if c.target else ''}"
                    f" – {'agreed' if c.given else 'declined'}",
                    f"withdrawn {c.withdrawn_on:%d/%m/%Y}" if c.withdrawn_on else "",
                    "records:consent",
                    (patient.pk,),
                )
            )
    if want("supervision"):
        from stepcare.supervision.selectors import timeline_entries

        entries += timeline_entries(patient, cut)
    entries.sort(key=lambda e: e.at, reverse=True)
    start = (page - 1) * per_page
    return entries[start : start + per_page], len(entries) > start + per_page


# The columns each document kind gives the timeline: the fields of every document, then those its
# title needs (a kind without one gives NULL, typed so that the union reads it back correctly).
_TITLE_FIELDS: dict[str, models.Field[Any, Any]] = {
    "recipient_kind": models.CharField(),
    "recipient_name": models.CharField(),
    "subject": models.CharField(),
    "session_number": models.PositiveSmallIntegerField(),
    "session_date": models.DateField(),
    "plan_number": models.PositiveSmallIntegerField(),
    "review_date": models.DateField(),
}


def _entry_kind(model: Any) -> str:
    """The timeline filter a document kind falls under."""
    return {Letter: "letter", RiskAssessment: "risk", LiaisonEntry: "liaison"}.get(model, "document")


def _document_entries(patient: Patient, want: Any, cut: int) -> list[TimelineEntry]:
    """The newest `cut` documents of every kind wanted, in two queries whatever the number of
    kinds: one UNION ALL of the kinds (newest first, cut in the database), then their authors."""
    kinds = [(n, model) for n, model in enumerate(DOCUMENT_KINDS.values()) if want(_entry_kind(model))]
    if not kinds:
        return []
    queries = []
    for n, model in kinds:
        own = {f.name for f in model._meta.get_fields()}
        titles = {
            # A typed NULL (NULL::date on PostgreSQL), or the union cannot match the columns' types.
            f"t_{name}": F(name) if name in own else Cast(Value(None), output_field=field)
            for name, field in _TITLE_FIELDS.items()
        }
        # A letter's first sending (draft / signed, awaiting dispatch / sent), typed NULLs elsewhere.
        sent = LetterDispatch.objects.filter(letter=OuterRef("pk")).order_by("dispatched_on", "id")
        dispatch: dict[str, Any] = (
            {
                "t_sent_on": Subquery(sent.values("dispatched_on")[:1]),
                "t_sent_route": Subquery(sent.values("route")[:1]),
            }
            if model is Letter
            else {
                "t_sent_on": Cast(Value(None), output_field=models.DateField()),
                "t_sent_route": Cast(Value(None), output_field=models.CharField()),
            }
        )
        queries.append(
            model.objects.filter(patient=patient)
            .order_by()
            .annotate(**dispatch)
            .annotate(
                t_kind=Value(n),
                t_pk=F("pk"),
                t_status=F("status"),
                t_created=F("created_at"),
                t_signed=F("signed_at"),
                t_at=Coalesce("signed_at", "created_at"),
                t_author=F("author_id"),
                **titles,
            )
            .values_list(
                "t_kind",
                "t_pk",
                "t_status",
                "t_created",
                "t_signed",
                "t_at",
                "t_author",
                "t_sent_on",
                "t_sent_route",
                *titles,
            )
        )
    first, *others = queries
    rows = (
        list(first.union(*others, all=True).order_by("-t_at", "-t_pk")[:cut])
        if others
        else list(first.order_by("-t_at", "-t_pk")[:cut])
    )
    authors = User.objects.in_bulk({row[6] for row in rows})
    models_by_number: dict[int, Any] = dict(kinds)
    entries = []
    for kind_number, pk, status, created, signed, _at, author_id, sent_on, sent_route, *title_values in rows:
        model = models_by_number[kind_number]
        own = {f.name for f in model._meta.get_fields()}
        document = model(
            id=pk,
            status=status,
            created_at=created,
            signed_at=signed,
            **{name: value for name, value in zip(_TITLE_FIELDS, title_values, strict=True) if name in own},
        )
        if model is Letter:
            document.sent_on, document.sent_route = sent_on, sent_route or ""
        entries.append(
            TimelineEntry(
                _entry_kind(model),
                model.LABEL,
                signed or created,
                _document_title(document),
                f"{authors[author_id]}",
                "records:document",
                (model.KIND, pk),
                letter_state(document) if model is Letter else document.get_status_display(),
            )
        )
    return entries


def _document_title(d: ClinicalDocument) -> str:
    if isinstance(d, Letter):
        return f"Letter to {d.recipient_name or d.get_recipient_kind_display()}: {d.subject}"
    if isinstance(d, SessionNote):
        return f"Session note{f' {d.session_number}' if d.session_number else ''}" + (
            f", {d.session_date:%d/%m/%Y}" if d.session_date else ""
        )
    if isinstance(d, SafetyPlan):
        return f"Safety plan, version {d.plan_number}"
    if isinstance(d, RiskAssessment):
        return "Risk formulation" + (f", review by {d.review_date:%d/%m/%Y}" if d.review_date else "")
    return d.LABEL


def documents_on_page(patient: Patient, kinds: list[type[ClinicalDocument]]) -> dict[str, list[Any]]:
    return {
        k.KIND: list(k.objects.filter(patient=patient).select_related("author").order_by("-created_at")[:20])
        for k in kinds
    }


def signed_counts(patient: Patient) -> dict[str, int]:
    return {
        k: m.objects.filter(patient=patient, status=DocumentStatus.SIGNED).count()
        for k, m in DOCUMENT_KINDS.items()
    }


def goals_for(patient: Patient) -> list[Any]:
    from django.db.models import Prefetch

    from stepcare.records.models import Goal, GoalRating

    return list(
        Goal.objects.filter(patient=patient)
        .select_related("referral")
        .prefetch_related(Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_on", "id")))[:50]
    )


def item9_prompt(note: SessionNote) -> bool:
    """Whether PHQ-9 item 9 was answered above 0 at this note's session (a prompt to explore risk)."""
    return note.appointment is not None and risk_check_required(note.appointment)


# Letters: dispatch ------------------------------------------------------------------------------


def with_dispatch(letters: Any) -> Any:
    """Letters annotated with their first dispatch's date and route, in the same query."""
    first = LetterDispatch.objects.filter(letter=OuterRef("pk")).order_by("dispatched_on", "id")
    return letters.annotate(
        sent_on=Subquery(first.values("dispatched_on")[:1]),
        sent_route=Subquery(first.values("route")[:1]),
    )


def letter_state(letter: Letter) -> str:
    """Draft, signed (awaiting dispatch) or sent: the state the record lists a letter in.

    Reads ``sent_on`` and ``sent_route`` from ``with_dispatch`` when present (no query)."""
    if not letter.is_signed:
        return "Draft"
    if hasattr(letter, "sent_on"):
        sent_on, route = getattr(letter, "sent_on", None), getattr(letter, "sent_route", "")
    else:
        first = LetterDispatch.objects.filter(letter=letter).order_by("dispatched_on", "id").first()
        sent_on, route = (first.dispatched_on, first.route) if first else (None, "")
    if sent_on is None:
        return "Signed, awaiting dispatch"
    how = LetterDispatch.Route(route).label.lower() if route in LetterDispatch.Route.values else ""
    return f"Sent {sent_on:%d/%m/%Y}{', ' + how if how else ''}"


def dispatches_for(letter: Letter) -> list[LetterDispatch]:
    return list(LetterDispatch.objects.filter(letter=letter).select_related("dispatched_by")[:50])


def unsent_letters(*, user: User, days: int | None = None, limit: int = 100) -> dict[str, list[Any]]:
    """Letters signed more than ``days`` ago and not recorded as sent: one's own, and (for
    supervisors) their teams'. Like the unsigned drafts, so that no letter is left in a tray."""
    days = settings.RECORDS_UNSENT_LETTER_DAYS if days is None else days
    before = timezone.now() - dt.timedelta(days=days)
    unsent = (
        Letter.objects.signed()
        .filter(_own_or_supervised(user), signed_at__lt=before)
        .exclude(pk__in=LetterDispatch.objects.values("letter_id"))
        .select_related("patient__team", "author")
        .order_by("signed_at", "id")
    )
    return _own_and_team(list(unsent[: 2 * limit]), user, limit, key=lambda d: d.signed_at)


# Contact channels --------------------------------------------------------------------------------

CONTACT_CHANNELS = {"sms": Consent.Scope.CONTACT_TEXT, "email": Consent.Scope.CONTACT_EMAIL}


def refused_message_channels(patient_id: int) -> set[str]:
    """Message channels ("sms", "email") whose latest consent decision is a refusal or was
    withdrawn: checked again when a reminder is sent, whatever the contact flags say."""
    latest: dict[str, Consent] = {}
    for c in Consent.objects.filter(patient_id=patient_id, scope__in=CONTACT_CHANNELS.values()).order_by(
        "-decided_on", "-id"
    )[:50]:
        latest.setdefault(c.scope, c)
    return {
        channel
        for channel, scope in CONTACT_CHANNELS.items()
        if scope in latest and not (latest[scope].given and latest[scope].withdrawn_on is None)
    }
