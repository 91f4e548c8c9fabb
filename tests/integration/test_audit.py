"""The audit trail: every read and write of a patient's record, append-only; break-glass."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit import actions as audit_actions
from stepcare.audit.actions import record
from stepcare.audit.models import (
    AuditEvent,
    AuditEventPatient,
    AuditLogIsAppendOnly,
    BreakGlassGrant,
    BreakGlassReview,
)
from tests.conftest import sign_in
from tests.factories.patients import PatientFactory


def test_viewing_a_record_writes_one_audit_event_with_who_role_and_where(
    service, client_for, patient
) -> None:
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    client.get(reverse("patients:detail", args=[patient.pk]), REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(patient=patient, action=AuditEvent.Action.VIEW)
    assert event.user == service.staff[Role.HIGH_INTENSITY_THERAPIST]
    assert event.role == "High-intensity therapist"
    assert event.object_type == "patients.Patient" and event.object_id == str(patient.pk)
    assert event.ip_address == "10.1.2.3"
    assert event.path == reverse("patients:detail", args=[patient.pk])


@pytest.mark.parametrize("url_name", ["patients:detail", "patients:edit"])
def test_every_patient_page_view_is_audited(service, client_for, patient, url_name: str) -> None:
    before = AuditEvent.objects.filter(patient=patient).count()
    client_for(Role.ADMINISTRATOR).get(reverse(url_name, args=[patient.pk]))
    assert AuditEvent.objects.filter(patient=patient).count() == before + 1


def test_a_refused_view_is_audited_too(service, client_for, other_patient) -> None:
    client_for(Role.PWP).get(reverse("patients:detail", args=[other_patient.pk]))
    assert AuditEvent.objects.filter(patient=other_patient, action=AuditEvent.Action.ACCESS_DENIED).exists()


def test_audit_events_cannot_be_changed_or_deleted_through_the_application(service, patient) -> None:
    event = AuditEvent.objects.create(action=AuditEvent.Action.VIEW, patient=patient)
    event.action = AuditEvent.Action.UPDATE
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_trigger_refuses_to_change_or_delete_audit_rows(service, patient) -> None:
    event = AuditEvent.objects.create(action=AuditEvent.Action.VIEW, patient=patient)
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action=AuditEvent.Action.VIEW).exists()


def test_ig_officer_lists_who_looked_at_a_record(service, client_for, patient) -> None:
    client_for(Role.HIGH_INTENSITY_THERAPIST).get(reverse("patients:detail", args=[patient.pk]))
    client_for(Role.ADMINISTRATOR).get(reverse("patients:edit", args=[patient.pk]))
    body = client_for(Role.IG_OFFICER).get(reverse("patients:access_log", args=[patient.pk])).content.decode()
    assert str(service.staff[Role.HIGH_INTENSITY_THERAPIST]) in body
    assert str(service.staff[Role.ADMINISTRATOR]) in body
    assert "High-intensity therapist" in body and "Viewed" in body


def test_break_glass_needs_a_reason_lasts_until_sign_out_and_is_listed_for_ig(
    service, client_for, other_patient
) -> None:
    therapist = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    client = sign_in(Client(), therapist)
    detail = reverse("patients:detail", args=[other_patient.pk])
    refused = client.get(detail)
    assert refused.status_code == 403
    assert reverse("patients:break_glass", args=[other_patient.pk]) in refused.content.decode()

    short = client.post(reverse("patients:break_glass", args=[other_patient.pk]), {"reason": "need it"})
    assert "at least 15 characters" in short.content.decode()
    assert not BreakGlassGrant.objects.exists()

    client.post(
        reverse("patients:break_glass", args=[other_patient.pk]),
        {"reason": "Crisis team called about this patient out of hours"},
    )
    assert client.get(detail).status_code == 200
    assert AuditEvent.objects.filter(patient=other_patient, action=AuditEvent.Action.BREAK_GLASS).exists()

    ig_page = client_for(Role.IG_OFFICER).get(reverse("audit:break_glass_list")).content.decode()
    assert "Crisis team called about this patient out of hours" in ig_page

    client.post(reverse("accounts:logout"))
    client = sign_in(Client(), therapist)
    assert client.get(detail).status_code == 403
    assert BreakGlassGrant.objects.get().ended_at is not None


def test_the_database_refuses_to_change_or_delete_audit_rows_on_either_engine(service, patient) -> None:
    """SQLite triggers (audit.0004) and PostgreSQL triggers (audit.0002, 0004) alike, for the
    events, the patients they showed and the break-glass reviews."""
    other = PatientFactory(team=service.team)
    event = record(by=service.staff[Role.PWP], action=AuditEvent.Action.VIEW, patients=[patient, other])
    grant = BreakGlassGrant.objects.create(
        user=service.staff[Role.PWP], patient=patient, reason="Emergency contact from the crisis team"
    )
    review = audit_actions.review_break_glass(by=service.staff[Role.IG_OFFICER], grant=grant, note="Fine.")
    statements = [
        ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", event.pk),
        ("DELETE FROM audit_auditevent WHERE id = %s", event.pk),
        ("UPDATE audit_auditeventpatient SET patient_id = patient_id WHERE event_id = %s", event.pk),
        ("DELETE FROM audit_auditeventpatient WHERE event_id = %s", event.pk),
        ("UPDATE audit_breakglassreview SET note = 'changed' WHERE id = %s", review.pk),
        ("DELETE FROM audit_breakglassreview WHERE id = %s", review.pk),
    ]
    for sql, pk in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [pk])
    assert AuditEvent.objects.filter(pk=event.pk, action=AuditEvent.Action.VIEW).exists()
    assert AuditEventPatient.objects.filter(event=event).count() == 2
    assert BreakGlassReview.objects.get(pk=review.pk).note == "Fine."


def test_a_list_event_is_written_whole_with_every_patient_it_showed(service, patient) -> None:
    """One event for a list page: its fields as given, a row for each other patient shown (none
    twice, the event's own patient by its column), and the event read back equal to what
    ``record`` returned (on PostgreSQL one statement writes it all)."""
    others = PatientFactory.create_batch(3, team=service.team)
    by = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    event = record(
        by=by,
        action=AuditEvent.Action.VIEW,
        patient=patient,
        patients=[patient, *others, others[0], None],
        detail={"page": "scheduling:team-diary", "patients_shown": 4, "note": "Ünïcødé ' \" ;"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.user == by and stored.username == by.username and stored.role == event.role != ""
    assert stored.patient == patient and stored.action == AuditEvent.Action.VIEW
    assert stored.detail == {"page": "scheduling:team-diary", "patients_shown": 4, "note": "Ünïcødé ' \" ;"}
    assert stored.at == event.at and event.at is not None
    rows = AuditEventPatient.objects.filter(event=event).values_list("patient_id", flat=True)
    assert sorted(rows) == sorted(o.pk for o in others)
    assert event.pk is not None and not event._state.adding  # the returned event is the stored one


@pytest.mark.django_db(transaction=True)
def test_a_list_event_naming_a_patient_that_does_not_exist_writes_nothing(service, patient) -> None:
    """All or nothing: the event is never kept without the patients it showed. Committed for
    real (the foreign keys are checked at commit), outside any transaction of the caller's."""
    ghost = PatientFactory.build(pk=10**9)
    events, rows = AuditEvent.objects.count(), AuditEventPatient.objects.count()
    with pytest.raises(DatabaseError):
        record(by=service.staff[Role.PWP], action=AuditEvent.Action.VIEW, patients=[patient, ghost])
    assert (AuditEvent.objects.count(), AuditEventPatient.objects.count()) == (events, rows)


def test_a_second_break_glass_review_is_added_never_overwriting_the_first(
    service, client_for, other_patient
) -> None:
    grant = BreakGlassGrant.objects.create(
        user=service.staff[Role.PWP], patient=other_patient, reason="Emergency contact from the crisis team"
    )
    client = client_for(Role.IG_OFFICER)
    url = reverse("audit:review_break_glass", args=[grant.pk])
    client.post(url, {"note": "Appropriate."})
    client.post(url, {"note": "Re-checked after a complaint: still appropriate."})
    grant.refresh_from_db()
    assert grant.review_note == "Appropriate."
    assert list(grant.reviews.values_list("note", flat=True)) == [
        "Appropriate.",
        "Re-checked after a complaint: still appropriate.",
    ]
    page = client.get(reverse("audit:break_glass_list") + "?show=all").content.decode()
    assert "Appropriate." in page and "still appropriate" in page


@pytest.mark.parametrize(
    ("note", "message"),
    [("x" * 2001, "2000 characters or fewer"), ("fine\x00\x1b[2J", "control characters")],
)
def test_a_break_glass_review_note_too_long_or_with_control_characters_is_refused(
    service, client_for, other_patient, note: str, message: str
) -> None:
    grant = BreakGlassGrant.objects.create(
        user=service.staff[Role.PWP], patient=other_patient, reason="Emergency contact from the crisis team"
    )
    client = client_for(Role.IG_OFFICER)
    response = client.post(reverse("audit:review_break_glass", args=[grant.pk]), {"note": note}, follow=True)
    assert message in response.content.decode()
    assert not grant.reviews.exists()
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_ig_officer_marks_a_break_glass_grant_reviewed(service, client_for, other_patient) -> None:
    grant = BreakGlassGrant.objects.create(
        user=service.staff[Role.PWP], patient=other_patient, reason="Emergency contact from the crisis team"
    )
    client = client_for(Role.IG_OFFICER)
    client.post(reverse("audit:review_break_glass", args=[grant.pk]), {"note": "Appropriate."})
    grant.refresh_from_db()
    assert grant.reviewed_by == service.staff[Role.IG_OFFICER] and grant.review_note == "Appropriate."
    assert "Nothing to review" in client.get(reverse("audit:break_glass_list")).content.decode()


def test_ig_officer_finds_any_record_and_reaches_its_access_log_but_not_the_record(
    service, client_for, other_patient
):
    body = client_for(Role.IG_OFFICER).get(reverse("patients:search"), {"q": other_patient.nhs_number})
    html = body.content.decode()
    assert reverse("patients:access_log", args=[other_patient.pk]) in html
    assert f'href="{reverse("patients:detail", args=[other_patient.pk])}"' not in html


def test_access_log_and_break_glass_list_query_counts_do_not_grow(
    service, client_for, patient, django_assert_num_queries
):
    ig = client_for(Role.IG_OFFICER)
    clinician = client_for(Role.PWP)
    clinician.get(reverse("patients:detail", args=[patient.pk]))
    BreakGlassGrant.objects.create(
        user=service.staff[Role.PWP], patient=patient, reason="Crisis call out of hours"
    )
    ig.get(reverse("patients:access_log", args=[patient.pk]))
    ig.get(reverse("audit:break_glass_list"))
    with django_assert_num_queries(11):  # the log is paged: its count is one
        ig.get(reverse("patients:access_log", args=[patient.pk]))
    with django_assert_num_queries(7):  # with one audit event naming the patients listed
        ig.get(reverse("audit:break_glass_list"))
    for _ in range(10):
        clinician.get(reverse("patients:detail", args=[patient.pk]))
        BreakGlassGrant.objects.create(
            user=service.staff[Role.HIGH_INTENSITY_THERAPIST],
            patient=patient,
            reason="Crisis call out of hours",
        )
    with django_assert_num_queries(11):
        ig.get(reverse("patients:access_log", args=[patient.pk]))
    with django_assert_num_queries(7):  # with one audit event naming the patients listed
        ig.get(reverse("audit:break_glass_list"))
