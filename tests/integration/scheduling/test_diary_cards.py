"""The diaries' cards (``{% diary_entries %}``, written out in Python): what each kind of card
shows, escaped as the template engine escapes it, the same in the clinician's, the team's and
the room's diary, risk included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.records import actions as records_actions
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import RoomFactory, SiteFactory
from tests.factories.patients import RiskFlagFactory
from tests.factories.records import RiskAssessmentFactory
from tests.factories.scheduling import book, clinician_in, next_weekday, participant

pytestmark = pytest.mark.django_db
HIT = Role.HIGH_INTENSITY_THERAPIST


def _overdue_review(part, author) -> None:
    risk = RiskAssessmentFactory(
        patient=part.patient, author=author, review_date=timezone.localdate() - dt.timedelta(days=1)
    )
    records_actions.sign_document(by=author, document=risk, expected_version=risk.version)


def test_a_card_escapes_names_and_shows_risk_in_every_diary(service, client_for) -> None:
    hit = service.staff[HIT]
    room = RoomFactory(site=SiteFactory(service=service.team.service), name="Room <b>7</b>")
    week = next_weekday(0)
    part = participant(team=service.team, given_name="Siân <i>", family_name="O'Brien")
    RiskFlagFactory(patient=part.patient, raised_by=hit)
    _overdue_review(part, hit)
    book(clinician=hit, participants=[part], room=room, mode="01", starts_at=local(week, dt.time(10)))
    client = client_for(HIT)
    pages = {
        "my week": client.get(reverse("scheduling:my_week"), {"date": week.isoformat()}),
        "team week": client.get(
            reverse("scheduling:team_diary", args=[service.team.pk]), {"date": week.isoformat()}
        ),
        "room week": client.get(reverse("scheduling:room_diary", args=[room.pk]), {"date": week.isoformat()}),
    }
    for name, response in pages.items():
        body = response.content.decode()
        assert response.status_code == 200, name
        assert body.count('data-testid="diary-appointment"') == 1, name
        assert "O&#x27;BRIEN, Siân &lt;i&gt;" in body and "<i>" not in body, name
        assert "Room &lt;b&gt;7&lt;/b&gt;" in body, name
        assert body.count('data-testid="diary-risk"') == 1, name
        # The room's diary read the risk-review values with the attendees too.
        assert body.count('data-testid="diary-risk-review-overdue"') == 1, name
        assert 'data-testid="diary-note-link"' in body and 'data-testid="diary-measures"' in body, name


def test_a_couples_card_names_both_and_links_each_record(service, client_for) -> None:
    hit = service.staff[HIT]
    week = next_weekday(1)
    one = participant(team=service.team, given_name="Ada", family_name="Lovelace")
    two = participant(team=service.team, given_name="Alan", family_name="Turing")
    RiskFlagFactory(patient=two.patient, raised_by=hit)
    book(clinician=hit, participants=[one, two], starts_at=local(week, dt.time(9)))
    body = client_for(HIT).get(reverse("scheduling:my_week"), {"date": week.isoformat()}).content.decode()
    assert "LOVELACE, Ada &amp; TURING, Alan" in body
    assert "Ada&#x27;s record" not in body and "Ada's record" in body and "Alan's record" in body
    assert body.count('data-testid="diary-patient-record"') == 2
    assert "Risk concerns: Alan" in body
    assert 'data-testid="diary-note-link"' not in body  # notes are written per patient


def test_another_teams_card_names_nobody_and_links_nothing_clinical(service, client_for) -> None:
    clinician = clinician_in(service.team)
    clinician.memberships.create(team=service.other_team, role=Role.PWP)
    theirs = participant(team=service.other_team, family_name="Zebedee")
    RiskFlagFactory(patient=theirs.patient, raised_by=clinician)
    week = next_weekday(2)
    book(clinician=clinician, participants=[theirs], starts_at=local(week, dt.time(11)))
    viewer = client_for(HIT)  # a therapist of the first team only
    body = viewer.get(
        reverse("scheduling:clinician_diary", args=[clinician.pk]), {"date": week.isoformat()}
    ).content.decode()
    assert "Booked (another team)" in body and "ZEBEDEE" not in body
    for hidden in ("diary-patient-record", "diary-risk", "diary-note-link", "diary-measures"):
        assert f'data-testid="{hidden}"' not in body


def test_free_time_and_time_away_show_as_cards(service, client_for) -> None:
    from stepcare.scheduling.models import Unavailability

    hit = service.staff[HIT]
    week = next_weekday(3)
    Unavailability.objects.create(
        clinician=hit,
        kind=Unavailability.Kind.TRAINING,
        starts_at=local(week, dt.time(9)),
        ends_at=local(week, dt.time(11)),
        note="CBT <workshop>",
        created_by=hit,
    )
    body = client_for(HIT).get(reverse("scheduling:my_week"), {"date": week.isoformat()}).content.decode()
    assert "stepcare-entry--away" in body and "CBT &lt;workshop&gt;" in body
    assert '<span class="stepcare-entry__time">09:00–11:00</span>' in body
    assert 'data-testid="diary-free"' in body


def test_a_card_links_only_to_the_pages_that_open_for_the_user(service, client_for) -> None:
    """A service manager sees a team's names and risk on its diary but does not book, write notes
    or record measures: the card names the patient and links to their record, not to the
    appointment, note or measures pages (each of which refuses them). A therapist's card links
    to all three, and every link on either card opens."""
    hit = service.staff[HIT]
    week = next_weekday(0)
    part = participant(team=service.team, given_name="Ada", family_name="Lovell")
    appointment = book(clinician=hit, participants=[part], mode="02", starts_at=local(week, dt.time(10)))
    url = reverse("scheduling:team_diary", args=[service.team.pk])
    links = {
        "appointment": reverse("scheduling:appointment", args=[appointment.pk]),
        "note": reverse("records:appointment_note", args=[appointment.pk]),
        "measures": reverse("outcomes:contact", args=[appointment.pk]),
        "record": reverse("patients:detail", args=[part.patient.pk]),
    }
    for role, shown in ((Role.SERVICE_MANAGER, {"record"}), (HIT, set(links))):
        client = client_for(role)
        body = client.get(url, {"date": week.isoformat()}).content.decode()
        assert "LOVELL, Ada" in body, role
        assert {name for name, href in links.items() if f'href="{href}' in body} == shown, role
        for name in shown:
            assert client.get(links[name], follow=True).status_code == 200, (role, name)
