"""The CPD and accreditation portfolio: one's own log, supervision hours from supervision
records plus entries, a trainee's supervised practice and training cases; PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse
from pypdf import PdfReader

from stepcare.accounts.permissions import Role
from stepcare.records import actions as record_actions
from stepcare.records.models import TreatmentPlan
from stepcare.supervision.models import CpdEntry, SupervisionSession
from tests.factories.outcomes import contact
from tests.factories.referrals import AllocatedReferralFactory

TRAINEE = Role.TRAINEE_HIGH_INTENSITY_THERAPIST
SUPERVISOR = Role.CLINICAL_SUPERVISOR
TODAY = dt.date.today()


def _supervision(service, minutes, days_ago=3):
    return SupervisionSession.objects.create(
        team=service.team,
        supervisor=service.staff[SUPERVISOR],
        supervisee=service.staff[TRAINEE],
        held_on=TODAY - dt.timedelta(days=days_ago),
        duration_minutes=minutes,
        recorded_by=service.staff[SUPERVISOR],
    )


def _plan(service, trainee, modality):
    referral = AllocatedReferralFactory(patient__team=service.team, allocated_to=trainee)
    plan = TreatmentPlan.objects.create(
        patient=referral.patient,
        referral=referral,
        author=trainee,
        modality=modality,
        planned_sessions=12,
        goals="x",
    )
    record_actions.sign_document(by=trainee, document=plan, expected_version=plan.version)
    return referral


def test_the_portfolio_counts_hours_and_training_cases_and_exports_pdf_and_csv(service, client_for) -> None:
    trainee = service.staff[TRAINEE]
    _supervision(service, 60)
    _supervision(service, 90)
    _supervision(service, 60, days_ago=800)  # outside the year shown
    client = client_for(TRAINEE)
    url = reverse("supervision:portfolio")
    added = client.post(
        url,
        {
            "kind": "cpd",
            "on": TODAY.strftime("%d/%m/%Y"),
            "activity": "IPT workshop",
            "hours": "6.5",
            "reflection": "Practised the interpersonal inventory.",
        },
    )
    assert added.status_code == 302
    client.post(
        url,
        {
            "kind": "supervision_received",
            "on": TODAY.strftime("%d/%m/%Y"),
            "activity": "Group supervision at the university",
            "hours": "2",
        },
    )
    bad = client.post(url, {"kind": "cpd", "on": TODAY.strftime("%d/%m/%Y"), "activity": "x", "hours": "0"})
    assert "at least a quarter of an hour" in bad.content.decode()
    assert CpdEntry.objects.filter(user=trainee).count() == 2
    referral = _plan(service, trainee, "cbt")
    _plan(service, trainee, "cbt")
    _plan(service, trainee, "ipt")
    contact(referral=referral, clinician=trainee, days_ago=5)  # 60 minutes attended
    contact(referral=referral, clinician=trainee, days_ago=12, attendance="3")  # DNA: not practice

    data = client.get(url).context["portfolio"]
    assert str(data.cpd_hours) == "6.50"
    assert str(data.supervision_received_recorded) == "2.50" and str(data.supervision_received) == "4.50"
    assert data.trainee and str(data.practice_hours_recorded) == "1.00"
    assert [(m.split(" (")[0], n) for m, n, _f in data.cases_by_modality] == [
        ("Cognitive behavioural therapy", 2),
        ("Interpersonal psychotherapy", 1),
    ]

    pdf = client.get(reverse("supervision:portfolio_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        "CPD and accreditation portfolio",
        "IPT workshop",
        "Supervision received",
        "4.50",
        "Interpersonal psychotherapy",
    ):
        assert expected in text, expected

    rows = list(csv.reader(io.StringIO(client.get(reverse("supervision:portfolio_csv")).content.decode())))
    assert rows[0] == ["section", "date", "kind", "activity", "hours", "reflection"]
    assert [
        "log",
        TODAY.isoformat(),
        "CPD activity",
        "IPT workshop",
        "6.50",
        "Practised the interpersonal inventory.",
    ] in rows
    assert ["total", "", "Supervision received (recorded in Stepcare)", "", "2.50", ""] in rows
    assert any(r[0] == "training cases" and r[3] == "2 cases, 0 finished" for r in rows)


def test_the_supervisor_sees_hours_given_and_no_trainee_sections(service, client_for) -> None:
    _supervision(service, 60)
    data = client_for(SUPERVISOR).get(reverse("supervision:portfolio")).context["portfolio"]
    assert str(data.supervision_given) == "1.00" and str(data.supervision_received) == "0.00"
    assert not data.trainee
    assert client_for(Role.SERVICE_MANAGER).get(reverse("supervision:portfolio")).status_code == 403
