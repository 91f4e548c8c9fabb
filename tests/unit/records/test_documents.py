"""Documents: drafts until signed, never changed after, corrected by addenda."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.records import actions, selectors
from stepcare.records.models import Addendum, SessionNote, SignedDocumentIsImmutable
from tests.factories.accounts import MembershipFactory
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def therapist():
    return MembershipFactory(role=Role.HIGH_INTENSITY_THERAPIST).user


@pytest.fixture
def note(therapist):
    patient = PatientFactory(team=therapist.memberships.first().team)
    return actions.create_document(
        by=therapist,
        kind=SessionNote,
        patient=patient,
        data={
            "session_date": timezone.localdate(),
            "attendance": "5",
            "agenda": "Review diary",
            "risk_check": "No thoughts of self-harm since last week.",
        },
    )


def _sign(note, by):
    return actions.sign_document(by=by, document=note, expected_version=note.version)


def test_a_signed_note_cannot_be_changed_through_the_action(note, therapist) -> None:
    signed = _sign(note, therapist)
    with pytest.raises(SignedDocumentIsImmutable):
        actions.save_draft(
            by=therapist, document=signed, data={"agenda": "Changed"}, expected_version=signed.version
        )
    assert SessionNote.objects.get(pk=note.pk).agenda == "Review diary"


def test_a_signed_note_cannot_be_changed_by_saving_the_model_or_a_queryset_update(note, therapist) -> None:
    signed = _sign(note, therapist)
    signed.agenda = "Rewritten history"
    with pytest.raises(SignedDocumentIsImmutable):
        signed.save()
    with pytest.raises(SignedDocumentIsImmutable):
        SessionNote.objects.filter(pk=note.pk).update(agenda="Rewritten history")
    assert SessionNote.objects.get(pk=note.pk).agenda == "Review diary"


def test_clinical_documents_and_addenda_are_never_deleted(note, therapist) -> None:
    signed = _sign(note, therapist)
    addendum = actions.add_addendum(by=therapist, document=signed, text="Correction: session was 50 minutes.")
    with pytest.raises(SignedDocumentIsImmutable):
        signed.delete()
    with pytest.raises(SignedDocumentIsImmutable):
        SessionNote.objects.filter(pk=note.pk).delete()
    with pytest.raises(SignedDocumentIsImmutable):
        addendum.delete()
    addendum.text = "changed"
    with pytest.raises(SignedDocumentIsImmutable):
        addendum.save()


def test_the_database_refuses_a_direct_update_of_a_signed_document(note, therapist) -> None:
    """The trigger holds on SQLite and on PostgreSQL, whatever program sends the UPDATE."""
    _sign(note, therapist)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_sessionnote SET agenda = 'altered' WHERE id = %s", [note.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_sessionnote SET status = 'draft' WHERE id = %s", [note.pk])
    assert SessionNote.objects.get(pk=note.pk).agenda == "Review diary"


def test_the_database_lets_a_draft_change_but_never_an_addendum(note, therapist) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_sessionnote SET agenda = 'still a draft' WHERE id = %s", [note.pk])
    assert SessionNote.objects.get(pk=note.pk).agenda == "still a draft"
    signed = _sign(SessionNote.objects.get(pk=note.pk), therapist)
    addendum = actions.add_addendum(by=therapist, document=signed, text="Added later.")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_addendum SET text = 'altered' WHERE id = %s", [addendum.pk])
    assert Addendum.objects.get(pk=addendum.pk).text == "Added later."


def test_a_signed_note_is_corrected_by_dated_addenda_shown_in_order(note, therapist) -> None:
    signed = _sign(note, therapist)
    actions.add_addendum(by=therapist, document=signed, text="First correction.")
    actions.add_addendum(by=therapist, document=signed, text="Second correction.")
    assert [a.text for a in selectors.addenda_for(signed)] == ["First correction.", "Second correction."]
    assert all(a.created_at for a in selectors.addenda_for(signed))


def test_an_addendum_is_refused_on_a_draft(note, therapist) -> None:
    with pytest.raises(actions.SigningRefused):
        actions.add_addendum(by=therapist, document=note, text="Too early.")


def test_a_concurrent_edit_is_refused_with_the_other_changes_and_nothing_is_overwritten(
    note, therapist
) -> None:
    colleague = MembershipFactory(team=note.patient.team, role=Role.HIGH_INTENSITY_THERAPIST).user
    opened_version = note.version
    actions.save_draft(
        by=colleague, document=note, data={"agenda": "Colleague's agenda"}, expected_version=opened_version
    )
    with pytest.raises(actions.ConcurrentEdit) as refused:
        actions.save_draft(
            by=therapist, document=note, data={"agenda": "My agenda"}, expected_version=opened_version
        )
    assert refused.value.theirs == [("Agenda", "Colleague's agenda", "My agenda")]
    assert SessionNote.objects.get(pk=note.pk).agenda == "Colleague's agenda"
    # Having seen their change, saving against the current version is deliberate and allowed.
    actions.save_draft(
        by=therapist,
        document=note,
        data={"agenda": "Merged agenda"},
        expected_version=refused.value.current.version,
    )
    assert SessionNote.objects.get(pk=note.pk).agenda == "Merged agenda"


def test_signing_a_draft_someone_else_changed_meanwhile_is_refused(note, therapist) -> None:
    stale_version = note.version
    actions.save_draft(by=therapist, document=note, data={"agenda": "New"}, expected_version=stale_version)
    with pytest.raises(actions.ConcurrentEdit):
        actions.sign_document(by=therapist, document=note, expected_version=stale_version)
    assert not SessionNote.objects.get(pk=note.pk).is_signed


def test_signing_is_refused_until_the_required_parts_are_written(therapist) -> None:
    patient = PatientFactory(team=therapist.memberships.first().team)
    empty = actions.create_document(by=therapist, kind=SessionNote, patient=patient, data={})
    with pytest.raises(actions.SigningRefused, match="risk check"):
        actions.sign_document(by=therapist, document=empty, expected_version=empty.version)


def test_every_write_is_audited_with_the_patient(note, therapist) -> None:
    actions.save_draft(by=therapist, document=note, data={"agenda": "Changed"}, expected_version=note.version)
    signed = _sign(SessionNote.objects.get(pk=note.pk), therapist)
    actions.add_addendum(by=therapist, document=signed, text="Addendum.")
    events = AuditEvent.objects.filter(patient=note.patient).order_by("id")
    assert [(e.action, e.object_type) for e in events] == [
        ("create", "records.SessionNote"),
        ("update", "records.SessionNote"),
        ("update", "records.SessionNote"),
        ("create", "records.Addendum"),
    ]
    assert events[2].detail["signed"] is True


def test_drafts_unsigned_too_long_are_listed_for_their_author_and_supervisor(note, therapist) -> None:
    team = note.patient.team
    supervisor = MembershipFactory(team=team, role=Role.CLINICAL_SUPERVISOR).user
    fresh = SessionNoteFactory(patient=note.patient, author=therapist)
    SessionNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - dt.timedelta(days=5))
    mine = selectors.overdue_drafts(user=therapist, days=3)
    assert [d.pk for d in mine["own"]] == [note.pk] and fresh.pk not in [d.pk for d in mine["own"]]
    assert mine["team"] == []
    theirs = selectors.overdue_drafts(user=supervisor, days=3)
    assert [d.pk for d in theirs["team"]] == [note.pk]
    _sign(SessionNote.objects.get(pk=note.pk), therapist)
    assert selectors.overdue_drafts(user=therapist, days=3)["own"] == []
