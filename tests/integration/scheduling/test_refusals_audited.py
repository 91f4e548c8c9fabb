"""Fetching another team's appointment or group through the one helper: every refusal is a
403 with no identifiers on the page and writes one access_denied audit event naming the
patients it is about."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.scheduling import actions
from tests.factories.scheduling import book, participant, start_group

pytestmark = pytest.mark.django_db
ADMIN = Role.ADMINISTRATOR


def _refusals(user):
    return AuditEvent.objects.filter(user=user, action=AuditEvent.Action.ACCESS_DENIED)


def test_every_refused_fetch_of_another_teams_appointment_or_group_is_audited(service, client_for):
    client = client_for(ADMIN)
    admin = service.staff[ADMIN]
    theirs = participant(team=service.other_team, family_name="Zebedee")
    appointment = book(participants=[theirs])
    group = start_group(team=service.other_team)
    member = participant(team=service.other_team, family_name="Quill")
    actions.add_group_member(by=group.facilitators.get(), group=group, participant=member)
    urls = [
        reverse("scheduling:appointment", args=[appointment.pk]),
        reverse("scheduling:move", args=[appointment.pk]),
        reverse("scheduling:cancel", args=[appointment.pk]),
        reverse("scheduling:rebook", args=[appointment.pk]),
        reverse("scheduling:group", args=[group.pk]),
        reverse("scheduling:group_add_member", args=[group.pk]),
    ]
    for n, url in enumerate(urls, start=1):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode().upper()
        assert "ZEBEDEE" not in body and "QUILL" not in body
        assert _refusals(admin).count() == n, url
    rows = list(_refusals(admin).order_by("pk"))
    assert [r.detail["permission"] for r in rows] == ["book_appointments"] * len(urls)
    assert {r.object_type for r in rows} == {"scheduling.Appointment", "scheduling.Group"}
    appointment_rows = [r for r in rows if r.object_type == "scheduling.Appointment"]
    group_rows = [r for r in rows if r.object_type == "scheduling.Group"]
    for row in appointment_rows:
        assert theirs.patient.pk in _named(row)
    for row in group_rows:
        assert member.patient.pk in _named(row)


def test_a_missing_appointment_is_a_404_and_no_refusal(service, client_for):
    response = client_for(ADMIN).get(reverse("scheduling:appointment", args=[999999]))
    assert response.status_code == 404
    assert not _refusals(service.staff[ADMIN]).exists()


def _named(event: AuditEvent) -> set[int]:
    """Every patient an event names: its own column and its shown-patient rows."""
    return {p for p in [event.patient_id, *event.shown.values_list("patient_id", flat=True)] if p is not None}
