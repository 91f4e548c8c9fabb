"""A supervisee's pack: the courses that need discussing, why, and their charts."""

from __future__ import annotations

import re

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.referrals.models import Referral
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.patients import RiskFlagFactory
from tests.factories.referrals import AllocatedReferralFactory

HIT = Role.HIGH_INTENSITY_THERAPIST
SUPERVISOR = Role.CLINICAL_SUPERVISOR


def _course(service, pairs, *, hour, item9_last=0, last_days_ago=7):
    referral = AllocatedReferralFactory(
        patient__team=service.team, allocated_to=service.staff[HIT], status=Referral.Status.IN_TREATMENT
    )
    clinician = service.staff[HIT]
    for n, (p, g) in enumerate(pairs):
        appointment = contact(
            referral=referral,
            clinician=clinician,
            days_ago=last_days_ago + 7 * (len(pairs) - 1 - n),
            hour=hour,
        )
        item9 = item9_last if n == len(pairs) - 1 else 0
        scores(appointment=appointment, by=clinician, PHQ9=phq9(p, item9=item9), GAD7=gad7(g))
    return referral


def test_the_pack_lists_courses_needing_discussion_with_reasons_and_charts(
    service, client_for, django_assert_num_queries
) -> None:
    stuck = _course(service, [(16, 12)] * 6 + [(17, 12)], hour=9)
    flagged = _course(service, [(14, 10), (9, 7)], hour=11, item9_last=1)
    well = _course(service, [(18, 14), (12, 9), (8, 6)], hour=13)
    lapsed = _course(service, [(14, 10), (12, 9)], hour=15, last_days_ago=40)
    RiskFlagFactory(patient=flagged.patient, raised_by=service.staff[HIT])
    url = reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk])

    client = client_for(SUPERVISOR)
    response = client.get(url)
    assert response.status_code == 200
    items = {item.row.referral.pk: item for item in response.context["pack"].items}
    assert set(items) == {stuck.pk, flagged.pk, lapsed.pk}
    assert well.pk not in items
    assert "Not on track (PHQ-9 above the expected range)" in items[stuck.pk].reasons
    assert "No reliable improvement after 7 sessions" in items[stuck.pk].reasons
    assert "Current risk concerns recorded" in items[flagged.pk].reasons
    assert "PHQ-9 item 9 answered above 0 in this course" in items[flagged.pk].reasons
    assert "No contact for 40 days" in items[lapsed.pk].reasons
    body = response.content.decode()
    assert body.count('data-testid="progress-chart"') == 3
    drawn = re.findall(r'data-value="([0-9.]+)" data-date', body.split(f'data-referral="{stuck.pk}"')[1])
    assert drawn[:7] == ["16", "16", "16", "16", "16", "16", "17"]
    event = AuditEvent.objects.filter(detail__page="outcomes:supervision_pack").get()
    assert event.shown.count() == 4

    # the audit event and the patients it names; the expected curves from the cache (per day)
    with django_assert_num_queries(14):
        client.get(url)


def test_only_a_supervisor_in_the_supervisees_team_sees_the_pack(service, client_for) -> None:
    from tests.factories.scheduling import clinician_in

    elsewhere = clinician_in(service.other_team)
    assert (
        client_for(SUPERVISOR).get(reverse("outcomes:supervision_pack", args=[elsewhere.pk])).status_code
        == 403
    )
    assert (
        client_for(HIT).get(reverse("outcomes:supervision_pack", args=[service.staff[HIT].pk])).status_code
        == 403
    )
    people = client_for(SUPERVISOR).get(reverse("outcomes:supervisees")).context["people"]
    assert service.staff[HIT] in people and elsewhere not in people
