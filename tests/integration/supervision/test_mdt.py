"""MDT meetings: set up for one's own team, an agenda found by search, a decision per patient
written into that patient's record and refused against the wrong patient."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.supervision.models import CaseAction, CaseDiscussion, MdtMeeting
from tests.factories.patients import PatientFactory

HIT = Role.HIGH_INTENSITY_THERAPIST
TODAY = dt.date.today().strftime("%d/%m/%Y")


def _meeting(service, client):
    response = client.post(
        reverse("supervision:meeting_new"),
        {
            "team": service.team.pk,
            "held_on": TODAY,
            "title": "Step 3 MDT",
            "attendees": [service.staff[HIT].pk, service.staff[Role.CLINICAL_SUPERVISOR].pk],
            "external_attendees": "Dr Example, consultant psychiatrist, CMHT",
        },
    )
    assert response.status_code == 302
    return MdtMeeting.objects.get()


def test_a_meeting_with_an_agenda_and_decisions_is_written_into_each_patients_record(
    service, client_for
) -> None:
    client = client_for(HIT)
    meeting = _meeting(service, client)
    assert {u.pk for u in meeting.attendees.all()} == {
        service.staff[HIT].pk,
        service.staff[Role.CLINICAL_SUPERVISOR].pk,
    }
    first = PatientFactory(team=service.team, family_name="Ashcombe", given_name="Rhian")
    second = PatientFactory(team=service.team, family_name="Ashdown", given_name="Tobias")
    theirs = PatientFactory(team=service.other_team, family_name="Ashford", given_name="Nell")
    agenda = reverse("supervision:agenda", args=[meeting.pk])

    empty = client.get(agenda)
    assert "Ashcombe" not in empty.content.decode().upper().title()  # no list of every patient
    found = client.get(agenda, {"q": "ash"})
    results = found.context["results"]
    assert set(results) == {first, second}  # the team's patients only
    assert AuditEvent.objects.filter(detail__page="supervision:agenda").latest("pk").shown.count() == 2

    for p in (first, second):
        assert (
            client.post(agenda, {"q": "ash", "patient": p.pk, "reason": "Not improving"}).status_code == 302
        )
    refused = client.post(agenda, {"q": "ash", "patient": theirs.pk})
    assert refused.status_code == 200 and "Choose a patient of this team" in refused.content.decode()
    assert not CaseDiscussion.objects.filter(patient=theirs).exists()

    page = client.get(reverse("supervision:meeting", args=[meeting.pk]))
    body = page.content.decode()
    assert "Dr Example, consultant psychiatrist, CMHT (external)" in body
    rows = {case.patient_id: case for case, _form in page.context["rows"]}
    shown = AuditEvent.objects.filter(detail__page="supervision:meeting").latest("pk")
    assert shown.shown.count() == 2

    # A decision posted against one row for the other patient is refused: nothing saved.
    wrong = client.post(
        reverse("supervision:decision", args=[meeting.pk, rows[first.pk].pk]),
        {f"d{rows[first.pk].pk}-confirm_patient": second.pk, f"d{rows[first.pk].pk}-decision": "Discharge"},
    )
    assert wrong.status_code == 302
    rows[first.pk].refresh_from_db()
    assert rows[first.pk].decision == ""

    prefix = f"d{rows[first.pk].pk}"
    due = (dt.date.today() + dt.timedelta(days=7)).strftime("%d/%m/%Y")
    client.post(
        reverse("supervision:decision", args=[meeting.pk, rows[first.pk].pk]),
        {
            f"{prefix}-confirm_patient": first.pk,
            f"{prefix}-decision": "Refer to the CMHT for a psychiatric review.",
            f"{prefix}-action": "Write the referral letter",
            f"{prefix}-owner": service.staff[HIT].pk,
            f"{prefix}-due_on": due,
        },
    )
    rows[first.pk].refresh_from_db()
    assert rows[first.pk].decision == "Refer to the CMHT for a psychiatric review."
    assert CaseAction.objects.get(discussion=rows[first.pk]).owner == service.staff[HIT]
    record = client.get(reverse("records:record", args=[first.pk])).content.decode()
    assert "Decision: Refer to the CMHT for a psychiatric review." in record
    other_record = client.get(reverse("records:record", args=[second.pk])).content.decode()
    assert "Refer to the CMHT" not in other_record
    # Recorded once: a second decision for the same row is refused.
    client.post(
        reverse("supervision:decision", args=[meeting.pk, rows[first.pk].pk]),
        {f"{prefix}-confirm_patient": first.pk, f"{prefix}-decision": "Something else"},
    )
    rows[first.pk].refresh_from_db()
    assert rows[first.pk].decision.startswith("Refer to the CMHT")
    assert (
        AuditEvent.objects.filter(
            action="update", patient=first, object_type="supervision.CaseDiscussion"
        ).count()
        == 1
    )


def test_a_meeting_cannot_be_set_up_for_another_team_nor_seen_from_it(service, client_for) -> None:
    client = client_for(HIT)
    response = client.post(
        reverse("supervision:meeting_new"), {"team": service.other_team.pk, "held_on": TODAY, "title": "MDT"}
    )
    assert response.status_code == 200 and not MdtMeeting.objects.exists()
    theirs = MdtMeeting.objects.create(
        team=service.other_team, held_on=dt.date.today(), created_by=service.staff[HIT]
    )
    assert client.get(reverse("supervision:meeting", args=[theirs.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="access_denied").exists()
    assert client_for(Role.EMPLOYMENT_ADVISER).get(reverse("supervision:meetings")).status_code == 403


def test_meeting_pages_run_a_fixed_number_of_queries(service, client_for, django_assert_num_queries) -> None:
    client = client_for(HIT)
    meeting = _meeting(service, client)
    for _n in range(2):
        CaseDiscussion.objects.create(
            meeting=meeting, patient=PatientFactory(team=service.team), added_by=service.staff[HIT]
        )
    for _n in range(3):
        MdtMeeting.objects.create(team=service.team, held_on=dt.date.today(), created_by=service.staff[HIT])
    url = reverse("supervision:meeting", args=[meeting.pk])
    client.get(url)
    with django_assert_num_queries(12):  # with the corrections beside each decision
        client.get(url)
    with django_assert_num_queries(6):
        client.get(reverse("supervision:meetings"))
    for _n in range(3):
        CaseDiscussion.objects.create(
            meeting=meeting, patient=PatientFactory(team=service.team), added_by=service.staff[HIT]
        )
    with django_assert_num_queries(12):  # five on the agenda: the same
        client.get(url)
