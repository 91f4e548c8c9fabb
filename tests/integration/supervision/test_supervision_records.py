"""Supervision records: written from the pack, each case's decision and actions in the
patient's record; the supervisee's caseload for their supervisor; access and audit."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.supervision.models import CaseAction, CaseDiscussion, SupervisionSession
from tests.factories.scheduling import clinician_in

HIT = Role.HIGH_INTENSITY_THERAPIST
SUPERVISOR = Role.CLINICAL_SUPERVISOR


def _stuck(service, make_course, hour=9):
    return make_course(service, service.staff[HIT], [(16, 12)] * 6 + [(17, 12)], hour=hour)


def test_supervision_is_recorded_from_the_pack_and_appears_in_the_patients_record(
    service, client_for, make_course
) -> None:
    stuck = _stuck(service, make_course)
    well = make_course(service, service.staff[HIT], [(18, 14), (12, 9), (8, 6)], hour=13)
    supervisor = client_for(SUPERVISOR)
    pack = supervisor.get(reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk])).content.decode()
    url = reverse("supervision:record_new", args=[service.staff[HIT].pk])
    assert url in pack  # one click from the pack

    page = supervisor.get(url)
    assert page.status_code == 200
    assert [c["key"] for c in page.context["cases"]] == [f"c{stuck.pk}"]  # prefilled with the pack's cases
    assert well.patient.display_name not in page.content.decode()
    shown = AuditEvent.objects.filter(detail__page="supervision:record_new").get()
    assert shown.patient == stuck.patient

    due = dt.date.today() + dt.timedelta(days=14)
    response = supervisor.post(
        url,
        {
            "held_on": dt.date.today().strftime("%d/%m/%Y"),
            "duration_minutes": "60",
            f"c{stuck.pk}_discussed": "on",
            f"c{stuck.pk}_decision": "Review the formulation; consider a step change to IPT.",
            f"c{stuck.pk}_action": "Book a plan review session",
            f"c{stuck.pk}_owner": "supervisee",
            f"c{stuck.pk}_due": due.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    session = SupervisionSession.objects.get()
    assert session.supervisor == service.staff[SUPERVISOR] and session.supervisee == service.staff[HIT]
    discussion = CaseDiscussion.objects.get(supervision=session)
    assert discussion.patient == stuck.patient and discussion.referral == stuck
    assert "Not on track (PHQ-9 above the expected range)" in discussion.reason
    action = CaseAction.objects.get(discussion=discussion)
    assert action.owner == service.staff[HIT] and action.due_on == due and not action.is_done
    assert AuditEvent.objects.filter(
        action="create", patient=stuck.patient, object_type="supervision.CaseDiscussion"
    )

    # In the patient's record: the timeline shows the decision.
    record = client_for(HIT).get(reverse("records:record", args=[stuck.patient.pk])).content.decode()
    assert "Decision: Review the formulation; consider a step change to IPT." in record
    assert reverse("supervision:record", args=[session.pk]) in record

    # The supervisee sees the record and their open action, and marks it done.
    hit = client_for(HIT)
    assert hit.get(reverse("supervision:record", args=[session.pk])).status_code == 200
    assert "Book a plan review session" in hit.get(reverse("supervision:list")).content.decode()
    assert hit.post(reverse("supervision:action_done", args=[action.pk])).status_code == 302
    action.refresh_from_db()
    assert action.is_done and action.done_by == service.staff[HIT]
    assert AuditEvent.objects.filter(
        action="update", patient=stuck.patient, object_type="supervision.CaseAction"
    )


def test_an_unticked_case_is_not_recorded_and_bad_input_is_a_message(
    service, client_for, make_course
) -> None:
    stuck = _stuck(service, make_course)
    url = reverse("supervision:record_new", args=[service.staff[HIT].pk])
    client = client_for(SUPERVISOR)
    future = (dt.date.today() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    refused = client.post(url, {"held_on": future, "duration_minutes": "2", f"c{stuck.pk}_action": "x"})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "The date cannot be in the future." in body and "at least 5 minutes" in body
    assert not SupervisionSession.objects.exists()
    # The re-displayed form shows the patient: audited.
    assert AuditEvent.objects.filter(detail__page="supervision:record_new", patient=stuck.patient).exists()
    ok = client.post(url, {"held_on": dt.date.today().strftime("%d/%m/%Y"), "duration_minutes": "45"})
    assert ok.status_code == 302
    assert SupervisionSession.objects.get().duration_minutes == 45 and not CaseDiscussion.objects.exists()


def test_only_a_supervisor_of_the_supervisees_team_records_or_sees_supervision(
    service, client_for, make_course
) -> None:
    elsewhere = clinician_in(service.other_team)
    client = client_for(SUPERVISOR)
    for name in ("supervision:record_new", "supervision:supervisee_caseload"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 403
        assert client_for(HIT).get(reverse(name, args=[service.staff[Role.PWP].pk])).status_code == 403
    assert AuditEvent.objects.filter(action="access_denied").count() == 4
    session = SupervisionSession.objects.create(
        team=service.team,
        supervisor=service.staff[SUPERVISOR],
        supervisee=service.staff[HIT],
        held_on=dt.date.today(),
        duration_minutes=60,
        recorded_by=service.staff[SUPERVISOR],
    )
    assert client_for(Role.PWP).get(reverse("supervision:record", args=[session.pk])).status_code == 403


def test_a_supervisor_sees_the_supervisees_caseload_with_a_flat_query_count(
    service, client_for, make_course, django_assert_num_queries
) -> None:
    first = _stuck(service, make_course)
    second = make_course(service, service.staff[HIT], [(14, 10), (12, 9)], hour=11)
    url = reverse("supervision:supervisee_caseload", args=[service.staff[HIT].pk])
    client = client_for(SUPERVISOR)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Caseload of {service.staff[HIT]}" in body
    assert {row.referral.pk for row in response.context["caseload"].rows} == {first.pk, second.pk}
    event = AuditEvent.objects.filter(detail__page="supervision:supervisee_caseload").get()
    assert event.shown.count() == 2
    with django_assert_num_queries(14):  # the expected curves from the cache (per service and day)
        client.get(url)
    for hour in (13, 15, 17):
        make_course(service, service.staff[HIT], [(14, 10), (12, 9)], hour=hour)
    with django_assert_num_queries(14):  # five patients: the same
        client.get(url)


def test_the_record_pages_run_a_fixed_number_of_queries(
    service, client_for, make_course, django_assert_num_queries
) -> None:
    _stuck(service, make_course, hour=8)
    _stuck(service, make_course, hour=10)
    client = client_for(SUPERVISOR)
    url = reverse("supervision:record_new", args=[service.staff[HIT].pk])
    client.get(url)
    with django_assert_num_queries(14):
        client.get(url)
    data = {"held_on": dt.date.today().strftime("%d/%m/%Y"), "duration_minutes": "60"}
    for key in [c["key"] for c in client.get(url).context["cases"]]:
        data[f"{key}_discussed"] = "on"
        data[f"{key}_decision"] = "Continue; review at session 10."
    client.post(url, data)
    detail = reverse("supervision:record", args=[SupervisionSession.objects.get().pk])
    with django_assert_num_queries(10):  # with the corrections beside each decision
        assert client.get(detail).status_code == 200
    for hour in (12, 14, 16):
        _stuck(service, make_course, hour=hour)
    with django_assert_num_queries(14):  # five cases in the pack: the same
        client.get(url)
