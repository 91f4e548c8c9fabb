"""Session notes through the pages: from the diary, prefilled, signed, corrected by addendum."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.records import actions
from stepcare.records.models import SessionNote
from stepcare.scheduling.models import Appointment, Attendee
from tests.factories.accounts import UserFactory
from tests.factories.records import ConsentFactory, RelatedPersonFactory, SessionNoteFactory
from tests.factories.scheduling import book

R = Role
TIMELINE_ROW = '<tr class="nhsuk-table__row" data-kind='  # one row of the record's timeline


@pytest.fixture
def hit(service):
    return service.staff[R.HIGH_INTENSITY_THERAPIST]


@pytest.fixture
def appointment(service, patient, hit):
    appt = book(clinician=hit, patient=patient, mode=Appointment.DeliveryMode.VIDEO)
    Attendee.objects.filter(appointment=appt).update(attendance="5")
    return appt


def _signed_previous_note(patient, hit, referral=None):
    note = SessionNoteFactory(
        patient=patient,
        author=hit,
        referral=referral,
        homework_set="Thought record twice a day",
        plan_next="Review thought records",
    )
    return actions.sign_document(by=hit, document=note, expected_version=note.version)


def test_from_the_appointment_one_click_opens_a_note_prefilled_from_the_appointment_and_the_last_note(
    client_for, patient, hit, appointment
) -> None:
    referral = appointment.attendees.get().referral
    _signed_previous_note(patient, hit, referral)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    page = client.get(reverse("scheduling:appointment", args=[appointment.pk])).content.decode()
    note_url = reverse("records:appointment_note", args=[appointment.pk])
    assert note_url in page

    opened = client.get(note_url)
    assert opened.status_code == 302
    form = client.get(opened["Location"])
    body = form.content.decode()
    assert form.status_code == 200
    assert 'value="11" selected' in body or re.search(r'<option value="11"\s+selected', body)  # video
    assert re.search(r'<option value="5"\s+selected', body)  # attended on time
    assert "Thought record twice a day" in body  # homework set last time, to review now
    assert "Review thought records" in body  # last plan becomes this agenda
    assert 'name="session_number"' in body and 'value="2"' in body

    created = client.post(
        opened["Location"],
        {
            "appointment": appointment.pk,
            "referral": referral.pk,
            "session_date": timezone.localdate().isoformat(),
            "attendance": "5",
            "delivery_mode": "11",
            "agenda": "Review thought records",
            "homework_reviewed": "Thought record twice a day: done on four days",
            "risk_check": "No thoughts of self-harm this week.",
        },
    )
    assert created.status_code == 302
    note = SessionNote.objects.get(appointment=appointment)
    assert note.referral == referral and note.status == "draft"
    # A second click from the diary opens the same note, never a second one.
    assert client.get(note_url)["Location"] == reverse("records:document", args=["session-note", note.pk])

    signed = client.post(reverse("records:sign", args=["session-note", note.pk]), {"version": note.version})
    assert signed.status_code == 302
    added = client.post(
        reverse("records:addendum", args=["session-note", note.pk]), {"text": "Session ran ten minutes over."}
    )
    assert added.status_code == 302
    shown = client.get(reverse("records:document", args=["session-note", note.pk])).content.decode()
    assert "Signed by" in shown and "Session ran ten minutes over." in shown
    assert "Edit draft" not in shown


def test_a_signed_note_cannot_be_changed_through_its_pages(client_for, patient, hit) -> None:
    note = _signed_previous_note(patient, hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    edit_url = reverse("records:edit", args=["session-note", note.pk])
    opened = client.get(edit_url, follow=True)
    assert "signed and cannot be changed" in opened.content.decode()
    posted = client.post(edit_url, {"agenda": "Rewritten", "version": note.version}, follow=True)
    assert "signed and cannot be changed" in posted.content.decode()
    resigned = client.post(reverse("records:sign", args=["session-note", note.pk]), {"version": note.version})
    assert resigned.status_code == 400
    assert SessionNote.objects.get(pk=note.pk).agenda == note.agenda


def test_a_second_person_saving_a_changed_draft_sees_the_other_changes_and_nothing_is_overwritten(
    service, client_for, patient, hit
) -> None:
    note = SessionNoteFactory(patient=patient, author=hit, agenda="First agenda")
    mine, theirs = client_for(R.HIGH_INTENSITY_THERAPIST), client_for(R.CLINICAL_SUPERVISOR)
    url = reverse("records:edit", args=["session-note", note.pk])
    data = {"agenda": "Supervisor's agenda", "risk_check": note.risk_check, "version": note.version}
    assert theirs.post(url, data).status_code == 302
    refused = mine.post(url, {**data, "agenda": "My agenda"})
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Supervisor&#x27;s agenda" in body and "My agenda" in body  # theirs shown, mine kept
    assert SessionNote.objects.get(pk=note.pk).agenda == "Supervisor's agenda"


def test_the_admin_shows_documents_read_only_and_cannot_change_a_signed_one(patient, hit) -> None:
    note = _signed_previous_note(patient, hit)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    model_admin = admin_site._registry[SessionNote]

    class Request:
        user = superuser

    assert not model_admin.has_change_permission(Request(), note)  # type: ignore[arg-type]
    assert not model_admin.has_delete_permission(Request(), note)  # type: ignore[arg-type]


def test_the_admin_change_form_refuses_to_save_a_signed_note(patient, hit) -> None:
    from tests.conftest import sign_in

    note = _signed_previous_note(patient, hit)
    client = sign_in(Client(), UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:records_sessionnote_change", args=[note.pk])
    response = client.post(url, {"agenda": "Altered in the admin"})
    assert response.status_code == 403
    assert SessionNote.objects.get(pk=note.pk).agenda == note.agenda


def test_reading_a_document_is_audited_and_another_teams_is_refused_without_identifiers(
    service, client_for, patient, other_patient, hit
) -> None:
    note = SessionNoteFactory(patient=patient, author=hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    client.get(reverse("records:document", args=["session-note", note.pk]))
    assert AuditEvent.objects.filter(
        action="view", patient=patient, object_type="records.SessionNote", object_id=str(note.pk)
    ).exists()
    theirs = SessionNoteFactory(patient=other_patient, author=hit)
    refused = client.get(reverse("records:document", args=["session-note", theirs.pk]))
    assert refused.status_code == 403
    assert other_patient.family_name not in refused.content.decode()
    assert AuditEvent.objects.filter(action="access_denied", patient=other_patient).exists()


def test_overdue_drafts_page_lists_the_authors_drafts(client_for, patient, hit) -> None:
    note = SessionNoteFactory(patient=patient, author=hit)
    SessionNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    page = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse("records:drafts")).content.decode()
    assert patient.display_name in page


def test_a_supervisor_sees_their_own_and_their_teams_overdue_drafts_in_a_fixed_number_of_queries(
    service, client_for, patient, hit, django_assert_num_queries
) -> None:
    """One query per kind of document for both lists (was two), whatever the drafts."""
    supervisor = service.staff[R.CLINICAL_SUPERVISOR]
    old = timezone.now() - dt.timedelta(days=10)
    theirs = SessionNoteFactory(patient=patient, author=hit)
    mine = SessionNoteFactory(patient=patient, author=supervisor)
    recent = SessionNoteFactory(patient=patient, author=hit)  # not overdue yet
    SessionNote.objects.filter(pk__in=[theirs.pk, mine.pk]).update(created_at=old)
    client = client_for(R.CLINICAL_SUPERVISOR)
    client.get(reverse("records:drafts"))
    # sign-in (4), a query per kind (8), the unsent letters, one audit event naming the patients
    with django_assert_num_queries(14):
        page = client.get(reverse("records:drafts")).content.decode()
    own = page[page.index('data-testid="own-drafts"') : page.index('data-testid="team-drafts"')]
    team = page[page.index('data-testid="team-drafts"') :]
    assert f"/session-note/{mine.pk}/" in own and f"/session-note/{theirs.pk}/" not in own
    assert f"/session-note/{theirs.pk}/" in team and f"/session-note/{mine.pk}/" not in team
    assert f"/session-note/{recent.pk}/" not in page
    for _ in range(5):
        SessionNoteFactory(patient=patient, author=hit)
    SessionNote.objects.filter(status="draft").update(created_at=old)
    with django_assert_num_queries(14):
        assert client.get(reverse("records:drafts")).content.decode().count("/session-note/") == 8
    assert AuditEvent.objects.filter(detail__page="records:drafts", patient=patient).exists()


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("record", 13),  # the documents of every kind in one union query, then their authors
        ("new", 15),  # with the scores recorded at the session; filed under the referral booked
        ("document", 9),
        ("edit", 9),
        ("drafts", 13),  # with the signed letters not yet sent
        ("consent", 10),
        ("goals", 11),
    ],
)
def test_each_record_page_runs_a_fixed_number_of_queries(
    client_for, patient, hit, appointment, django_assert_num_queries, name, queries
) -> None:
    for _ in range(3):
        _signed_previous_note(patient, hit)
    draft = SessionNoteFactory(patient=patient, author=hit)
    for n in range(3):  # rows on the consent and goals pages must not add queries
        person = RelatedPersonFactory(patient=patient, added_by=hit, name=f"Person {n}")
        ConsentFactory(patient=patient, recorded_by=hit, scope="involve_person", related_person=person)
        goal = actions.add_goal(
            by=hit, patient=patient, referral=None, description=f"Goal {n}", rating=n, on=timezone.localdate()
        )
        actions.rate_goal(by=hit, goal=goal, rating=n + 1, on=timezone.localdate())
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = {
        "record": reverse("records:record", args=[patient.pk]),
        "new": reverse("records:new", args=[patient.pk, "session-note"]) + f"?appointment={appointment.pk}",
        "document": reverse("records:document", args=["session-note", draft.pk]),
        "edit": reverse("records:edit", args=["session-note", draft.pk]),
        "drafts": reverse("records:drafts"),
        "consent": reverse("records:consent", args=[patient.pk]),
        "goals": reverse("records:goals", args=[patient.pk]),
    }[name]
    client.get(url)  # warm the session and content-type caches
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_signing_an_assessment_fills_the_referrals_assessment_and_problem_descriptor(
    client_for, service, patient
) -> None:
    from stepcare.referrals.models import Referral
    from tests.factories.referrals import ReferralFactory

    referral = ReferralFactory(team=service.team, patient=patient, status=Referral.Status.SCREENED)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    today = timezone.localdate()
    created = client.post(
        reverse("records:new", args=[patient.pk, "assessment"]),
        {
            "referral": referral.pk,
            "assessment_date": today.isoformat(),
            "presenting_problem": "'I can't stop worrying about everything.'",
            "risk": "No current thoughts of self-harm; see risk formulation.",
            "problem_descriptor": "F41.1",
            "plan": "Step 3 CBT for GAD, 12 sessions.",
        },
    )
    assert created.status_code == 302
    from stepcare.records.models import Assessment

    assessment = Assessment.objects.get(referral=referral)
    signed = client.post(
        reverse("records:sign", args=["assessment", assessment.pk]), {"version": assessment.version}
    )
    assert signed.status_code == 302
    referral.refresh_from_db()
    assert referral.assessment_date == today and referral.status == Referral.Status.ASSESSED
    assert referral.problem_descriptors.get().primary == "F41.1"


def test_the_record_timeline_is_filtered_by_kind_and_paged_in_the_database(
    client_for, service, patient, hit
) -> None:
    from tests.factories.records import LetterFactory
    from tests.factories.referrals import ReferralFactory

    ReferralFactory(team=service.team, patient=patient)
    for n in range(30):
        SessionNoteFactory(patient=patient, author=hit, session_number=n + 1)
    LetterFactory(patient=patient, author=hit, subject="Update for the GP")
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = reverse("records:record", args=[patient.pk])
    first = client.get(url).content.decode()
    assert first.count(TIMELINE_ROW) == 25 and 'data-testid="older"' in first
    second = client.get(url + "?page=2").content.decode()
    assert second.count(TIMELINE_ROW) == 7 and 'data-testid="older"' not in second
    letters = client.get(url + "?kind=letter").content.decode()
    assert letters.count(TIMELINE_ROW) == 1 and "Update for the GP" in letters
    referrals = client.get(url + "?kind=referral").content.decode()
    assert 'data-kind="referral"' in referrals and 'data-kind="document"' not in referrals
    event = AuditEvent.objects.filter(patient=patient, action="view").latest("id")
    assert event.detail["page"] == "records:record"


def test_a_refused_form_keeps_what_was_typed_and_is_audited_as_a_read(client_for, patient) -> None:
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    response = client.post(
        reverse("records:new", args=[patient.pk, "session-note"]),
        {"session_date": "not a date", "agenda": "Typed agenda stays"},
    )
    assert response.status_code == 400
    assert "Typed agenda stays" in response.content.decode()
    assert not SessionNote.objects.filter(patient=patient).exists()
    event = AuditEvent.objects.filter(patient=patient).latest("id")
    assert event.action == "view" and event.detail["redisplayed"] is True
