"""Referral pages through the test client: the pathway, refusals, rules shown, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral, SuitabilityDecision
from tests.artifacts import ARTIFACTS
from tests.factories.accounts import MembershipFactory
from tests.factories.referrals import (
    AgencyFactory,
    ProblemDescriptorRecordFactory,
    QualificationFactory,
    ReferralFactory,
    SuitabilityRuleFactory,
    TherapistProfileFactory,
    WaitingPauseFactory,
)
from tests.factories.scheduling import attend

pytestmark = pytest.mark.django_db
S = Referral.Status


def _d(days_ago: int = 0) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).strftime("%d/%m/%Y")


def test_the_pathway_through_the_pages(service, client_for) -> None:
    SuitabilityRuleFactory(
        name="Local rule: PTSD goes straight to step 3", codes=["F43.1"], source="NICE NG116"
    )
    SuitabilityRuleFactory(
        name="Local rule: depression starts at step 2", codes=["F32"], suggestion="accept_2"
    )
    SuitabilityRuleFactory(
        name="Local rule: secondary care", condition="secondary_care", suggestion="refer_elsewhere"
    )
    referral = ReferralFactory(team=service.team, received_on=timezone.localdate() - dt.timedelta(days=40))
    clinician = client_for(Role.CLINICAL_SUPERVISOR)
    url = lambda name: reverse(f"referrals:{name}", args=[referral.pk])  # noqa: E731

    assert clinician.post(url("screen"), {"notes": "Flashbacks."}).status_code == 302
    response = clinician.post(url("problem"), {"primary": "F43.1", "secondary": "F32", "recorded_on": _d()})
    assert response.status_code == 302
    page = clinician.get(url("decide")).content.decode()
    assert "Local rule: PTSD goes straight to step 3" in page
    assert "Problem descriptor: F43.1 – Post-traumatic stress disorder." in page
    assert "Local rule: depression starts at step 2" in page  # from the secondary descriptor, F32
    assert (
        "Local rule: secondary care" in page
        and "No current secondary mental health care is recorded." in page
    )
    assert clinician.post(url("decide"), {"outcome": "accept_3", "reason": "PTSD."}).status_code == 302
    decision = SuitabilityDecision.objects.get(referral=referral)
    shown = {r["name"]: r for r in decision.rules_shown}
    assert "Local rule: PTSD goes straight to step 3" in shown
    assert "Local rule: depression starts at step 2" in shown
    assert "Local rule: secondary care" not in shown  # only the rules that applied are kept
    assert shown["Local rule: PTSD goes straight to step 3"]["source"] == "NICE NG116"
    therapist = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    assert clinician.post(url("allocate"), {"therapist": therapist.pk}).status_code == 302
    referral.refresh_from_db()
    attend(referral, on=timezone.localdate() - dt.timedelta(days=1), clinician=therapist)
    page = clinician.get(url("end")).content.decode()
    assert "Mutually agreed completion of treatment (46)" in page and "Signposted (11)" not in page
    response = clinician.post(url("end"), {"end_code": "11", "discharge_date": _d(), "summary": "x"})
    assert response.status_code == 400  # a 'not taken on' reason is not offered once treatment began
    assert not Referral.objects.filter(pk=referral.pk, status=S.ENDED).exists()
    response = clinician.post(url("end"), {"end_code": "46", "discharge_date": _d(), "summary": "Completed."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.ENDED and referral.end_code == "46"


def test_a_move_not_allowed_now_says_why_instead_of_showing_the_form(service, client_for) -> None:
    referral = ReferralFactory(team=service.team)
    page = client_for(Role.SERVICE_MANAGER).get(reverse("referrals:allocate", args=[referral.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "You cannot allocate this referral: it is new and has not been screened yet." in body
    assert 'name="therapist"' not in body
    post = client_for(Role.SERVICE_MANAGER).post(reverse("referrals:allocate", args=[referral.pk]), {})
    assert post.status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == S.RECEIVED


def test_the_allocation_page_shows_caseload_capacity_and_qualifications(service, client_for) -> None:
    referral = ReferralFactory(team=service.team, status=S.WAITING, step="3")
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    TherapistProfileFactory(user=hit, caseload_capacity=2)
    QualificationFactory(user=hit, level="11")
    QualificationFactory(user=hit, level="17", awarded_on=None)
    for _ in range(2):
        ReferralFactory(
            team=service.team,
            status=S.IN_TREATMENT,
            step="3",
            allocated_to=hit,
            first_treatment_date=timezone.localdate(),
            last_treatment_date=timezone.localdate(),
            treatment_contact_count=1,
        )
    body = (
        client_for(Role.SERVICE_MANAGER)
        .get(reverse("referrals:allocate", args=[referral.pk]))
        .content.decode()
    )
    assert "CBT therapist" in body and "EMDR (in training)" in body and "Full" in body


def test_the_directory_is_searchable(service, client_for) -> None:
    AgencyFactory(name="Northbrook Citizens Advice", category="debt", description="Money and debt advice")
    AgencyFactory(name="Northbrook Housing Options", category="housing")
    body = client_for(Role.ADMINISTRATOR).get(reverse("referrals:directory"), {"q": "debt"}).content.decode()
    assert "Citizens Advice" in body and "Housing Options" not in body


def test_signposting_produces_a_printable_letter(service, client_for) -> None:
    referral = ReferralFactory(team=service.team)
    agency = AgencyFactory(name="Northbrook Housing Options", phone="0113 496 0101")
    client = client_for(Role.PWP)
    response = client.post(
        reverse("referrals:signpost", args=[referral.pk]),
        {"agency": agency.pk, "kind": "signpost", "reason": "Rent arrears."},
    )
    assert response.status_code == 302
    letter = client.get(response["Location"]).content.decode()
    assert "Northbrook Housing Options" in letter and "0113 496 0101" in letter and "Rent arrears." in letter
    assert f"Dear {referral.patient.given_name} {referral.patient.family_name}" in letter
    assert "@media print" not in letter  # print styles come from the stylesheet


def test_entered_in_error_referrals_leave_the_inbox(service, client_for) -> None:
    referral = ReferralFactory(team=service.team)
    client = client_for(Role.ADMINISTRATOR)
    client.post(
        reverse("referrals:entered_in_error", args=[referral.pk]),
        {"reason": "Duplicate of another referral."},
    )
    assert referral.reference not in client.get(reverse("referrals:inbox")).content.decode()


def _inbox(service, n: int) -> None:
    for i in range(n):
        ReferralFactory(team=service.team, received_on=timezone.localdate() - dt.timedelta(days=i))


def test_the_inbox_lists_oldest_first_with_days_waiting(service, client_for) -> None:
    old = ReferralFactory(team=service.team, received_on=timezone.localdate() - dt.timedelta(days=9))
    new = ReferralFactory(team=service.team, received_on=timezone.localdate() - dt.timedelta(days=2))
    ReferralFactory(team=service.other_team)  # another team's: not shown
    rows = client_for(Role.ADMINISTRATOR).get(reverse("referrals:inbox")).context["rows"]
    assert [(r.referral, r.days_waiting) for r in rows] == [(old, 9), (new, 2)]


@pytest.mark.parametrize("n", [3, 25])
def test_the_inbox_query_count_does_not_grow_with_referrals(
    service, client_for, django_assert_num_queries, n
) -> None:
    _inbox(service, n)
    client = client_for(Role.ADMINISTRATOR)
    client.get(reverse("referrals:inbox"))  # warm the session
    with django_assert_num_queries(
        11
    ):  # with the filters' teams and clinicians, the count, the audit event naming every patient listed
        assert client.get(reverse("referrals:inbox")).status_code == 200


def _waiting(service, n: int) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    for i in range(n):
        referral = ReferralFactory(
            team=service.team,
            status=S.ALLOCATED if i % 2 else S.WAITING,
            step="3" if i % 3 else "2",
            allocated_to=hit if i % 2 else None,
            received_on=timezone.localdate() - dt.timedelta(days=10 + i),
        )
        WaitingPauseFactory(referral=referral, end_date=referral.received_on + dt.timedelta(days=3))
        ProblemDescriptorRecordFactory(referral=referral)


@pytest.mark.parametrize("n", [3, 25])
def test_the_waiting_list_query_count_does_not_grow_with_referrals(
    service, client_for, django_assert_num_queries, n
) -> None:
    _waiting(service, n)
    client = client_for(Role.SERVICE_MANAGER)
    client.get(reverse("referrals:waiting_list"))
    with django_assert_num_queries(
        12
    ):  # with the filters' teams and clinicians, the count, the audit event naming every patient listed
        assert client.get(reverse("referrals:waiting_list")).status_code == 200


def test_the_waiting_list_shows_position_days_and_breach_dates_per_team_and_step(service, client_for) -> None:
    today = timezone.localdate()
    first = ReferralFactory(
        team=service.team, status=S.WAITING, step="3", received_on=today - dt.timedelta(days=50)
    )
    second = ReferralFactory(
        team=service.team, status=S.WAITING, step="3", received_on=today - dt.timedelta(days=10)
    )
    WaitingPauseFactory(
        referral=second, start_date=today - dt.timedelta(days=8), end_date=today - dt.timedelta(days=4)
    )
    ReferralFactory(team=service.team, status=S.WAITING, step="2", received_on=today - dt.timedelta(days=20))
    rows = (
        client_for(Role.SERVICE_MANAGER).get(reverse("referrals:waiting_list"), {"step": "3"}).context["rows"]
    )
    assert [(r.referral, r.position, r.days_waited) for r in rows] == [(first, 1, 50), (second, 2, 6)]
    assert rows[0].over_6_weeks and rows[0].treat_by_6_weeks == first.received_on + dt.timedelta(days=42)
    assert rows[1].treat_by_6_weeks == second.received_on + dt.timedelta(days=46)


def test_another_teams_referral_is_refused_and_audited(service, client_for) -> None:
    from stepcare.audit.models import AuditEvent

    referral = ReferralFactory(team=service.other_team)
    response = client_for(Role.HIGH_INTENSITY_THERAPIST).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access_denied", object_id=str(referral.pk)).exists()


def test_a_trainee_cannot_make_the_suitability_decision(service, client_for) -> None:
    referral = ReferralFactory(team=service.team, status=S.SCREENED)
    assert (
        client_for(Role.TRAINEE_HIGH_INTENSITY_THERAPIST)
        .get(reverse("referrals:decide", args=[referral.pk]))
        .status_code
        == 403
    )
    MembershipFactory(
        user=service.staff[Role.TRAINEE_HIGH_INTENSITY_THERAPIST], team=service.team, role=Role.PWP
    )
    assert (
        client_for(Role.TRAINEE_HIGH_INTENSITY_THERAPIST)
        .get(reverse("referrals:decide", args=[referral.pk]))
        .status_code
        == 200
    )


def test_the_letter_downloads_as_a_pdf_with_the_same_words_and_the_export_is_audited(
    service, client_for
) -> None:
    import io

    from pypdf import PdfReader

    from stepcare.audit.models import AuditEvent

    referral = ReferralFactory(team=service.team)
    agency = AgencyFactory(name="Northbrook Housing Options", phone="0113 496 0101")
    client = client_for(Role.PWP)
    letter_url = client.post(
        reverse("referrals:signpost", args=[referral.pk]),
        {"agency": agency.pk, "kind": "signpost", "reason": "Rent arrears."},
    )["Location"]
    response = client.get(letter_url, {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{referral.reference}-')
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "signposting-letter.pdf").write_bytes(response.content)  # for people to look at
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Northbrook Housing Options" in text and "Rent arrears." in text
    assert "Download as PDF" not in text and "Print this letter" not in text
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4
    assert AuditEvent.objects.filter(
        patient=referral.patient, action=AuditEvent.Action.EXPORT, detail__format="pdf"
    ).exists()


def test_an_open_referral_links_to_booking_an_appointment_for_its_patient(service, client_for) -> None:
    referral = ReferralFactory(team=service.team)
    page = client_for(Role.ADMINISTRATOR).get(reverse("referrals:detail", args=[referral.pk]))
    body = page.content.decode()
    assert reverse("scheduling:book", args=[referral.patient.pk]) in body
