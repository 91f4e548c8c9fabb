"""A trainee's signed session notes and assessments need their supervisor's countersignature
(while the service requires it): shown in the supervisor's pack, given as an audited action, a
separate row; the signed document never changes."""

from __future__ import annotations

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.records import actions as record_actions
from stepcare.records.models import SessionNote
from stepcare.supervision.models import Countersignature
from tests.conftest import sign_in
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory
from tests.factories.referrals import TherapistProfileFactory
from tests.factories.scheduling import clinician_in

TRAINEE = Role.TRAINEE_HIGH_INTENSITY_THERAPIST
SUPERVISOR = Role.CLINICAL_SUPERVISOR


def _signed_note(service, author):
    note = SessionNoteFactory(patient=PatientFactory(team=service.team), author=author)
    return record_actions.sign_document(by=author, document=note, expected_version=note.version)


def test_a_trainees_signed_note_waits_in_the_pack_until_their_supervisor_countersigns(
    service, client_for
) -> None:
    trainee = service.staff[TRAINEE]
    TherapistProfileFactory(user=trainee, supervisor=service.staff[SUPERVISOR])
    note = _signed_note(service, trainee)
    signed = AuditEvent.objects.filter(object_type="records.SessionNote", detail__signed=True).get()
    assert signed.detail["countersignature_required"] is True
    before = SessionNote.objects.filter(pk=note.pk).values().get()

    client = client_for(SUPERVISOR)
    pack = client.get(reverse("outcomes:supervision_pack", args=[trainee.pk]))
    assert [d.pk for d in pack.context["pack"].awaiting_countersignature] == [note.pk]
    page = client.get(reverse("records:document", args=["session-note", note.pk])).content.decode()
    assert 'data-testid="countersignature-needed"' in page and "Countersign</button>" in page

    # Another supervisor of the team is not the trainee's named supervisor.
    other = sign_in(client_for(SUPERVISOR).__class__(), clinician_in(service.team, SUPERVISOR))
    other.post(reverse("supervision:countersign", args=["session-note", note.pk]))
    assert not Countersignature.objects.exists()

    response = client.post(
        reverse("supervision:countersign", args=["session-note", note.pk]),
        {"comment": "Discussed in supervision."},
    )
    assert response.status_code == 302
    signature = Countersignature.objects.get()
    assert signature.countersigned_by == service.staff[SUPERVISOR] and signature.author == trainee
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before  # the signed note is untouched
    event = AuditEvent.objects.get(object_type="supervision.Countersignature")
    assert event.action == "create" and event.patient_id == note.patient_id and event.detail["countersigned"]
    assert (
        client.get(reverse("outcomes:supervision_pack", args=[trainee.pk]))
        .context["pack"]
        .awaiting_countersignature
        == []
    )
    page = client.get(reverse("records:document", args=["session-note", note.pk])).content.decode()
    assert 'data-testid="countersignature"' in page and "Discussed in supervision." in page

    again = client.post(reverse("supervision:countersign", args=["session-note", note.pk]), follow=True)
    assert "already countersigned" in again.content.decode()
    assert Countersignature.objects.count() == 1


def test_without_a_named_supervisor_any_supervisor_of_the_team_countersigns(service, client_for) -> None:
    note = _signed_note(service, service.staff[TRAINEE])
    client_for(SUPERVISOR).post(reverse("supervision:countersign", args=["session-note", note.pk]))
    assert Countersignature.objects.get().countersigned_by == service.staff[SUPERVISOR]


def test_only_a_trainees_signed_work_needs_it_and_not_when_the_service_turns_it_off(
    service, client_for, settings
) -> None:
    hit_note = _signed_note(service, service.staff[Role.HIGH_INTENSITY_THERAPIST])
    draft = SessionNoteFactory(patient=PatientFactory(team=service.team), author=service.staff[TRAINEE])
    client = client_for(SUPERVISOR)
    for kind_pk in (hit_note.pk, draft.pk):
        response = client.post(
            reverse("supervision:countersign", args=["session-note", kind_pk]), follow=True
        )
        assert response.status_code == 200
    assert not Countersignature.objects.exists()

    settings.SUPERVISION_TRAINEE_COUNTERSIGNATURE = False
    note = _signed_note(service, service.staff[TRAINEE])
    pack = client.get(reverse("outcomes:supervision_pack", args=[service.staff[TRAINEE].pk]))
    assert pack.context["pack"].awaiting_countersignature == []
    client.post(reverse("supervision:countersign", args=["session-note", note.pk]))
    assert not Countersignature.objects.exists()


def test_a_supervisor_of_another_team_is_refused_and_the_refusal_audited(service, client_for) -> None:
    theirs = clinician_in(service.other_team, TRAINEE)
    note = SessionNoteFactory(patient=PatientFactory(team=service.other_team), author=theirs)
    note = record_actions.sign_document(by=theirs, document=note, expected_version=note.version)
    response = client_for(SUPERVISOR).post(reverse("supervision:countersign", args=["session-note", note.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access_denied", patient=note.patient).exists()
    assert not Countersignature.objects.exists()


def test_the_pack_audits_the_patients_of_the_documents_awaiting_countersignature(service, client_for) -> None:
    note = _signed_note(service, service.staff[TRAINEE])
    client_for(SUPERVISOR).get(reverse("outcomes:supervision_pack", args=[service.staff[TRAINEE].pk]))
    event = AuditEvent.objects.filter(detail__page="outcomes:supervision_pack").get()
    assert event.patient_id == note.patient_id or note.patient_id in event.shown.values_list(
        "patient_id", flat=True
    )
