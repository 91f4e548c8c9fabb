"""Several actions per case, added on the form and afterwards; corrections of a recorded
discussion by addendum or "entered in error", beside the original, in the patient's record;
record supervision from every page of the pack; the single Supervision entry; the paged
countersignature backlog."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.outcomes import selectors as outcome_selectors
from stepcare.records import actions as record_actions
from stepcare.supervision import selectors
from stepcare.supervision.models import CaseAction, CaseDiscussion, DiscussionCorrection, SupervisionSession
from stepcare.supervision.selectors import countersignature as countersignature_selectors
from stepcare.supervision.selectors import sessions as session_selectors
from stepcare.supervision.views import records as record_views
from tests.conftest import sign_in
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory
from tests.factories.referrals import TherapistProfileFactory

HIT = Role.HIGH_INTENSITY_THERAPIST
SUPERVISOR = Role.CLINICAL_SUPERVISOR
TRAINEE = Role.TRAINEE_HIGH_INTENSITY_THERAPIST
TODAY = dt.date.today().strftime("%d/%m/%Y")


def _due(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


def _stuck(service, make_course, hour=9):
    return make_course(service, service.staff[HIT], [(16, 12)] * 6 + [(17, 12)], hour=hour)


def _record(service, client, stuck, **extra):
    url = reverse("supervision:record_new", args=[service.staff[HIT].pk])
    data = {
        "held_on": TODAY,
        "duration_minutes": "60",
        f"c{stuck.pk}_discussed": "on",
        f"c{stuck.pk}_decision": "Continue CBT; review the formulation.",
        **extra,
    }
    assert client.post(url, data).status_code == 302
    return CaseDiscussion.objects.get(supervision=SupervisionSession.objects.latest("pk"))


def test_several_actions_per_case_on_the_form_and_afterwards_listed_for_owners_and_in_the_record(
    service, client_for, make_course, monkeypatch
) -> None:
    stuck = _stuck(service, make_course)
    supervisor = client_for(SUPERVISOR)
    key = f"c{stuck.pk}"
    discussion = _record(
        service,
        supervisor,
        stuck,
        **{
            f"{key}_action": "Book a plan review",
            f"{key}_owner": "supervisee",
            f"{key}_due": _due(7),
            f"{key}_action_2": "Send the supervisee the IPT protocol",
            f"{key}_owner_2": "supervisor",
            f"{key}_due_2": _due(3),
        },
    )
    made = {a.description: a for a in CaseAction.objects.filter(discussion=discussion)}
    assert made["Book a plan review"].owner == service.staff[HIT]
    assert made["Send the supervisee the IPT protocol"].owner == service.staff[SUPERVISOR]

    # More actions afterwards, on the case's own page (blank rows are skipped).
    url = reverse("supervision:discussion_actions", args=[discussion.pk])
    page = supervisor.get(url)
    assert page.status_code == 200
    assert AuditEvent.objects.filter(detail__page="supervision:discussion_actions", patient=stuck.patient)
    bad = supervisor.post(url, {"action": "Phone the GP", "owner": service.staff[HIT].pk})
    assert (
        bad.status_code == 200 and "Action 1 needs someone to do it and a due date." in bad.content.decode()
    )
    response = supervisor.post(
        url,
        {
            "action": "Phone the GP about medication",
            "owner": service.staff[HIT].pk,
            "due_on": _due(2),
            "action_3": "Re-score PHQ-9 next session",
            "owner_3": service.staff[HIT].pk,
            "due_on_3": _due(8),
        },
    )
    assert response.status_code == 302
    assert CaseAction.objects.filter(discussion=discussion).count() == 4
    assert AuditEvent.objects.filter(
        action="create",
        patient=stuck.patient,
        object_type="supervision.CaseDiscussion",
        detail__has_key="actions_added",
    ).exists()

    # Each owner sees their open actions on the supervision home.
    hit_home = client_for(HIT).get(reverse("supervision:list")).content.decode()
    assert "Book a plan review" in hit_home and "Phone the GP about medication" in hit_home
    assert "Send the supervisee the IPT protocol" not in hit_home
    assert (
        "Send the supervisee the IPT protocol" in supervisor.get(reverse("supervision:list")).content.decode()
    )

    # Paged in the database, soonest due first.
    monkeypatch.setattr(record_views, "OPEN_ACTIONS_SHOWN", 1)
    first = client_for(HIT).get(reverse("supervision:list"))
    assert [a.description for a in first.context["open_actions"]] == ["Phone the GP about medication"]
    assert "Open actions 1 to 1 of 3." in first.content.decode()
    second = client_for(HIT).get(reverse("supervision:list"), {"actions": 2})
    assert [a.description for a in second.context["open_actions"]] == ["Book a plan review"]

    # The patient's record entry shows every action with its owner, due date and state.
    CaseAction.objects.filter(description="Book a plan review").update(
        done_at=dt.datetime.now(dt.UTC), done_by=service.staff[HIT]
    )
    record = client_for(HIT).get(reverse("records:record", args=[stuck.patient.pk])).content.decode()
    assert f"Action for {service.staff[HIT]}, due {_due(7)} (done" in record
    assert f"due {_due(2)} (open): Phone the GP about medication" in record
    assert "Send the supervisee the IPT protocol" in record


def test_an_mdt_decision_records_several_actions(service, client_for) -> None:
    from stepcare.supervision.models import MdtMeeting

    client = client_for(HIT)
    meeting = MdtMeeting.objects.create(
        team=service.team, held_on=dt.date.today(), created_by=service.staff[HIT]
    )
    patient = PatientFactory(team=service.team)
    item = CaseDiscussion.objects.create(meeting=meeting, patient=patient, added_by=service.staff[HIT])
    p = f"d{item.pk}"
    client.post(
        reverse("supervision:decision", args=[meeting.pk, item.pk]),
        {
            f"{p}-confirm_patient": patient.pk,
            f"{p}-decision": "Step up to high intensity CBT.",
            f"{p}-action": "Tell the patient",
            f"{p}-owner": service.staff[Role.PWP].pk,
            f"{p}-due_on": _due(3),
            f"{p}-action_2": "Allocate a HIT",
            f"{p}-owner_2": service.staff[SUPERVISOR].pk,
            f"{p}-due_on_2": _due(5),
        },
    )
    assert sorted(CaseAction.objects.filter(discussion=item).values_list("description", flat=True)) == [
        "Allocate a HIT",
        "Tell the patient",
    ]
    # And more afterwards, from the meeting page's "Add actions", owned by anyone in the team.
    page = client.get(reverse("supervision:meeting", args=[meeting.pk])).content.decode()
    add = reverse("supervision:discussion_actions", args=[item.pk])
    assert add in page
    response = client.post(
        add, {"action": "Write to the GP", "owner": service.staff[HIT].pk, "due_on": _due(4)}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "supervision:meeting", args=[meeting.pk]
    )
    assert CaseAction.objects.filter(discussion=item).count() == 3
    outsider = _other_team_clinician(service)
    refused = client.post(add, {"action": "x", "owner": outsider.pk, "due_on": _due(4)})
    assert refused.status_code == 200 and CaseAction.objects.filter(discussion=item).count() == 3


def test_a_supervision_decision_is_corrected_by_addendum_beside_the_original(
    service, client_for, make_course
) -> None:
    stuck = _stuck(service, make_course)
    supervisor = client_for(SUPERVISOR)
    discussion = _record(service, supervisor, stuck)
    url = reverse("supervision:correct", args=[discussion.pk])
    assert supervisor.get(url).status_code == 200
    assert AuditEvent.objects.filter(detail__page="supervision:correct", patient=stuck.patient).exists()

    refused = supervisor.post(url, {"kind": "addendum", "reason": "Wrong step"})
    assert refused.status_code == 200 and "Write the addendum." in refused.content.decode()
    no_reason = supervisor.post(url, {"kind": "addendum", "text": "x"})
    assert "Give the reason for the correction." in no_reason.content.decode()
    assert not DiscussionCorrection.objects.exists()

    ok = supervisor.post(
        url,
        {"kind": "addendum", "text": "Consider IPT, not a step down.", "reason": "Misheard in the session"},
    )
    assert ok.status_code == 302
    discussion.refresh_from_db()
    assert discussion.decision == "Continue CBT; review the formulation."  # never edited in place
    correction = DiscussionCorrection.objects.get()
    assert correction.recorded_by == service.staff[SUPERVISOR] and correction.kind == "addendum"
    event = AuditEvent.objects.get(object_type="supervision.DiscussionCorrection")
    assert event.action == "create" and event.patient == stuck.patient

    detail = supervisor.get(reverse("supervision:record", args=[discussion.supervision_id])).content.decode()
    assert "Continue CBT; review the formulation." in detail and "Consider IPT, not a step down." in detail
    record = client_for(HIT).get(reverse("records:record", args=[stuck.patient.pk])).content.decode()
    assert "Decision: Continue CBT; review the formulation." in record
    assert f"Addendum on {dt.date.today():%d/%m/%Y} by {service.staff[SUPERVISOR]}: Consider IPT" in record
    assert ">Corrected<" in record

    # The supervisee may read the record but not correct it (refusal audited).
    hit = client_for(HIT)
    assert hit.get(url).status_code == 403
    assert hit.post(url, {"kind": "entered_in_error", "reason": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action="access_denied", patient=stuck.patient).count() == 2
    assert DiscussionCorrection.objects.count() == 1


def test_entered_in_error_keeps_the_original_and_stops_its_actions(service, client_for, make_course) -> None:
    stuck = _stuck(service, make_course)
    supervisor = client_for(SUPERVISOR)
    key = f"c{stuck.pk}"
    discussion = _record(
        service,
        supervisor,
        stuck,
        **{f"{key}_action": "Book a plan review", f"{key}_owner": "supervisee", f"{key}_due": _due(7)},
    )
    assert "Book a plan review" in client_for(HIT).get(reverse("supervision:list")).content.decode()
    url = reverse("supervision:correct", args=[discussion.pk])
    response = supervisor.post(
        url, {"kind": "entered_in_error", "text": "ignored", "reason": "Written against the wrong patient"}
    )
    assert response.status_code == 302
    correction = DiscussionCorrection.objects.get()
    assert correction.kind == "entered_in_error" and correction.text == ""
    discussion.refresh_from_db()
    assert discussion.decision == "Continue CBT; review the formulation."

    record = client_for(HIT).get(reverse("records:record", args=[stuck.patient.pk])).content.decode()
    assert "Decision: Continue CBT; review the formulation." in record  # the original stays
    assert "Entered in error on" in record and "Written against the wrong patient" in record
    assert ">Entered in error<" in record
    # Its actions leave the owner's list; nothing more is added to it.
    assert "Book a plan review" not in client_for(HIT).get(reverse("supervision:list")).content.decode()
    again = supervisor.post(url, {"kind": "entered_in_error", "reason": "twice"}, follow=True)
    assert "marked entered in error: nothing more can be added" in again.content.decode()
    more = supervisor.post(
        reverse("supervision:discussion_actions", args=[discussion.pk]),
        {"action": "x", "owner": service.staff[HIT].pk, "due_on": _due(1)},
        follow=True,
    )
    assert "marked entered in error" in more.content.decode()
    assert DiscussionCorrection.objects.count() == 1 and CaseAction.objects.count() == 1


def test_an_mdt_agenda_item_entered_in_error_gets_no_decision(service, client_for) -> None:
    from stepcare.supervision.models import MdtMeeting

    client = client_for(Role.PWP)
    meeting = MdtMeeting.objects.create(
        team=service.team, held_on=dt.date.today(), created_by=service.staff[HIT]
    )
    patient = PatientFactory(team=service.team)
    item = CaseDiscussion.objects.create(meeting=meeting, patient=patient, added_by=service.staff[HIT])
    addendum = client.post(
        reverse("supervision:correct", args=[item.pk]),
        {"kind": "addendum", "text": "x", "reason": "y"},
        follow=True,
    )
    assert "There is no decision to add to yet" in addendum.content.decode()
    client.post(
        reverse("supervision:correct", args=[item.pk]), {"kind": "entered_in_error", "reason": "Wrong person"}
    )
    page = client.get(reverse("supervision:meeting", args=[meeting.pk]))
    assert page.context["rows"][0][1] is None  # no decision form
    assert 'data-testid="entered-in-error"' in page.content.decode()
    client.post(
        reverse("supervision:decision", args=[meeting.pk, item.pk]),
        {f"d{item.pk}-confirm_patient": patient.pk, f"d{item.pk}-decision": "Discharge"},
    )
    item.refresh_from_db()
    assert item.decision == ""
    # Another team's clinician cannot correct it.
    other = sign_in(Client(), _other_team_clinician(service))
    assert other.post(reverse("supervision:correct", args=[item.pk]), {"kind": "addendum"}).status_code == 403


def _other_team_clinician(service):
    from tests.factories.scheduling import clinician_in

    return clinician_in(service.other_team)


def test_record_supervision_offers_every_course_of_the_pack_across_its_pages(
    service, client_for, make_course, monkeypatch
) -> None:
    courses = [_stuck(service, make_course, hour=h) for h in (8, 10, 12)]
    monkeypatch.setattr(outcome_selectors.supervision, "PACK_PAGE_SIZE", 1)  # where it is read
    client = client_for(SUPERVISOR)
    pack = client.get(reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk]))
    assert len(pack.context["pack"].items) == 1  # the pack itself is paged
    url = reverse("supervision:record_new", args=[service.staff[HIT].pk])
    page = client.get(url)
    assert {c["key"] for c in page.context["cases"]} == {f"c{c.pk}" for c in courses}
    assert 'data-testid="pack-cap"' not in page.content.decode()
    event = AuditEvent.objects.filter(detail__page="supervision:record_new").latest("pk")
    assert event.shown.count() == 3
    # Untick one: the other two, from every page of the pack, are recorded.
    data = {"held_on": TODAY, "duration_minutes": "50"}
    for c in courses[1:]:
        data[f"c{c.pk}_discussed"] = "on"
    assert client.post(url, data).status_code == 302
    assert set(CaseDiscussion.objects.values_list("referral_id", flat=True)) == {c.pk for c in courses[1:]}

    # Bounded: beyond the cap the form says how many were left out.
    monkeypatch.setattr(session_selectors, "PACK_RECORD_CAP", 2)
    capped = client.get(url)
    assert len(capped.context["cases"]) == 2
    assert "1 more open course" in capped.content.decode() and "?part=2" in capped.content.decode()
    rest = client.get(url, {"part": 2})
    assert len(rest.context["cases"]) == 1 and 'data-testid="pack-cap"' not in rest.content.decode()


@pytest.mark.parametrize("role", [HIT, SUPERVISOR, Role.PWP, TRAINEE])
def test_one_supervision_entry_leads_to_the_supervision_home(service, role) -> None:
    client = sign_in(Client(), service.staff[role])
    home = client.get(reverse("supervision:list"))
    body = home.content.decode()
    assert body.count(f'href="{reverse("supervision:list")}"') == 1  # the header's single entry
    assert "Supervision, MDT and CPD" not in body
    assert reverse("supervision:meetings") in body and reverse("supervision:portfolio") in body
    packs = reverse("outcomes:supervisees")
    if role == SUPERVISOR:
        assert packs in body and reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk]) in body
    else:
        assert packs not in body


def _signed_note(service, author):
    note = SessionNoteFactory(patient=PatientFactory(team=service.team), author=author)
    return record_actions.sign_document(by=author, document=note, expected_version=note.version)


def test_the_countersignature_backlog_says_how_many_more_and_pages_them_all(
    service, client_for, monkeypatch, django_assert_num_queries
) -> None:
    trainee = service.staff[TRAINEE]
    TherapistProfileFactory(user=trainee, supervisor=service.staff[SUPERVISOR])
    notes = [_signed_note(service, trainee) for _n in range(3)]
    # Read by the countersignature selectors and by the outcomes pack (through the package).
    monkeypatch.setattr(countersignature_selectors, "PENDING_LIMIT", 2)
    monkeypatch.setattr(selectors, "PENDING_LIMIT", 2)
    client = client_for(SUPERVISOR)
    pack = client.get(reverse("outcomes:supervision_pack", args=[trainee.pk]))
    assert len(pack.context["pack"].awaiting_countersignature) == 2
    assert pack.context["pack"].awaiting_more == 1
    link = reverse("supervision:awaiting", args=[trainee.pk])
    assert link in pack.content.decode() and "1 more awaiting your countersignature" in pack.content.decode()

    page = client.get(link)
    assert page.status_code == 200
    assert [d.pk for d in page.context["docs"]] == [n.pk for n in notes]
    assert page.context["totals"] == {"session-note": 3, "assessment": 0}
    event = AuditEvent.objects.filter(detail__page="supervision:awaiting").latest("pk")
    assert event.shown.count() == 3
    assert client_for(HIT).get(link).status_code == 403

    with django_assert_num_queries(AWAITING_QUERIES):
        client.get(link)
    for _n in range(4):
        _signed_note(service, trainee)
    with django_assert_num_queries(AWAITING_QUERIES):  # seven waiting: the same
        assert len(client.get(link).context["docs"]) == 7


AWAITING_QUERIES = 12
HOME_QUERIES = 11  # with the count of the supervisees, paged (25 a page)
CORRECT_QUERIES = 8
ACTIONS_QUERIES = 8


def test_new_supervision_pages_run_a_fixed_number_of_queries(
    service, client_for, make_course, django_assert_num_queries
) -> None:
    stuck = _stuck(service, make_course)
    supervisor = client_for(SUPERVISOR)
    key = f"c{stuck.pk}"
    mine = {f"{key}_action": "Read the notes", f"{key}_owner": "supervisor", f"{key}_due": _due(1)}
    discussion = _record(service, supervisor, stuck, **mine)
    home = reverse("supervision:list")
    correct = reverse("supervision:correct", args=[discussion.pk])
    add = reverse("supervision:discussion_actions", args=[discussion.pk])
    for url in (home, correct, add):
        supervisor.get(url)
    with django_assert_num_queries(HOME_QUERIES):
        supervisor.get(home)
    with django_assert_num_queries(CORRECT_QUERIES):
        supervisor.get(correct)
    with django_assert_num_queries(ACTIONS_QUERIES):
        supervisor.get(add)
    supervisor.post(add, {"action": "A", "owner": service.staff[SUPERVISOR].pk, "due_on": _due(1)})
    supervisor.post(add, {"action": "B", "owner": service.staff[SUPERVISOR].pk, "due_on": _due(2)})
    supervisor.post(correct, {"kind": "addendum", "text": "More", "reason": "Clarified"})
    with django_assert_num_queries(HOME_QUERIES):  # three open actions and an addendum: the same
        supervisor.get(home)
    with django_assert_num_queries(CORRECT_QUERIES):
        supervisor.get(correct)
    with django_assert_num_queries(ACTIONS_QUERIES):
        supervisor.get(add)
