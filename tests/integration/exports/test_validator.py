"""The dataset validator catches each kind of missing or invalid mandatory item, groups the
findings by problem and links each to the page where it is corrected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from stepcare.exports.dataset import Period
from stepcare.exports.validate import validate
from stepcare.outcomes.models import MeasureResponse
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory
from tests.factories.scheduling import attend, clinician_in

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
PERIOD = Period(START, END)


def _problems(report) -> dict[str, list[dict]]:
    return {g["problem"]: g["findings"] for g in report.as_dict()["problems"]}


def _referral(team, **kwargs):
    patient = kwargs.pop("patient", None) or PatientFactory(team=team, ethnic_category="A")
    return ReferralFactory(team=team, patient=patient, received_on=dt.date(2026, 9, 1), **kwargs)


def test_a_clean_period_has_no_errors(service) -> None:
    _referral(service.team)
    report = validate(PERIOD)
    assert report.errors == 0 and _problems(report) == {}


def test_missing_and_invalid_nhs_numbers_link_to_the_patient_edit_page(service) -> None:
    missing = _referral(
        service.team, patient=PatientFactory(team=service.team, nhs_number=None, ethnic_category="A")
    )
    wrong = _referral(
        service.team, patient=PatientFactory(team=service.team, nhs_number="9434765918", ethnic_category="A")
    )
    findings = _problems(validate(PERIOD))["nhs_number"]
    assert {f["link"] for f in findings} == {
        reverse("patients:edit", args=[missing.patient_id]),
        reverse("patients:edit", args=[wrong.patient_id]),
    }
    assert any("check digit" in f["message"] for f in findings)


def test_missing_ethnicity(service) -> None:
    referral = _referral(service.team, patient=PatientFactory(team=service.team, ethnic_category="99"))
    _referral(service.team, patient=PatientFactory(team=service.team, ethnic_category="Z"))  # declined: fine
    (finding,) = _problems(validate(PERIOD))["ethnicity"]
    assert finding["link"] == reverse("patients:edit", args=[referral.patient_id])


def _finished(team, **kwargs):
    return _referral(
        team, status="ended", end_code=kwargs.pop("end_code", "46"), discharge_date=dt.date(2026, 10, 20),
        first_treatment_date=dt.date(2026, 9, 10), second_treatment_date=dt.date(2026, 9, 17),
        last_treatment_date=dt.date(2026, 9, 24), treatment_contact_count=3, **kwargs,
    )  # fmt: skip


def test_a_finished_course_without_a_score_pair(service) -> None:
    unpaired = _finished(service.team)
    _finished(service.team, outcome_paired=True)
    (finding,) = _problems(validate(PERIOD))["no_score_pair"]
    assert finding["link"] == reverse("referrals:detail", args=[unpaired.pk])
    assert unpaired.reference in finding["record"]


def test_an_ending_code_inconsistent_with_the_contacts(service) -> None:
    # "10 – assessed only" with no assessment recorded, and "13 – referred elsewhere" with no
    # onward referral: the rules the ending form applies.
    assessed_only = _referral(
        service.team, status="ended", end_code="10", discharge_date=dt.date(2026, 10, 5)
    )
    elsewhere = _referral(service.team, status="ended", end_code="13", discharge_date=dt.date(2026, 10, 6))
    findings = _problems(validate(PERIOD))["end_code"]
    assert {f["link"] for f in findings} == {
        reverse("referrals:detail", args=[assessed_only.pk]),
        reverse("referrals:detail", args=[elsewhere.pk]),
    }
    assert any("no assessment is recorded" in f["message"] for f in findings)


def test_a_past_contact_without_attendance_links_to_the_appointment(service) -> None:
    referral = _referral(service.team, status="allocated", step="3")
    clinician = clinician_in(service.team)
    attendee = attend(referral, on=dt.date(2026, 10, 8), clinician=clinician)
    attendee.attendance = ""
    attendee.save(update_fields=["attendance"])
    (finding,) = _problems(validate(PERIOD))["no_attendance"]
    assert finding["link"] == reverse("scheduling:appointment", args=[attendee.appointment_id])


def test_scores_outside_their_range(service) -> None:
    referral = _referral(service.team)
    clinician = clinician_in(service.team)
    common = {"patient": referral.patient, "referral": referral, "timepoint": "assessment",
              "completed_on": dt.date(2026, 10, 3), "recorded_by": clinician, "answers": []}  # fmt: skip
    MeasureResponse.objects.create(measure="PHQ-9", total=31, **common)
    MeasureResponse.objects.create(measure="GAD-7", total=12, **common)
    MeasureResponse.objects.create(
        measure="PHQ-9", total=-1, **{**common, "completed_on": dt.date(2026, 9, 3)}
    )
    (finding,) = _problems(validate(PERIOD))["score_range"]
    assert "31" in finding["message"] and "(0 to 27)" in finding["message"]
    assert finding["link"] == reverse("outcomes:progress", args=[referral.pk])


def test_a_referral_not_linked_to_a_person(service) -> None:
    unlinked = ReferralFactory(team=service.team, patient=None, received_on=dt.date(2026, 10, 2))
    (finding,) = _problems(validate(PERIOD))["no_patient"]
    assert finding["link"] == reverse("referrals:identity", args=[unlinked.pk])


def test_a_measure_without_a_snomed_code_is_a_warning_not_an_error(service) -> None:
    referral = _referral(service.team)
    MeasureResponse.objects.create(
        patient=referral.patient, referral=referral, timepoint="assessment",
        completed_on=dt.date(2026, 10, 3), recorded_by=clinician_in(service.team), answers=[],
        measure="WSAS", total=12,
    )  # fmt: skip
    report = validate(PERIOD)
    assert report.errors == 0 and report.warnings == 1
    assert "no_snomed" in _problems(report)


def test_findings_are_only_of_the_teams_asked_for(service) -> None:
    _referral(service.other_team, patient=PatientFactory(team=service.other_team, nhs_number=None))
    assert validate(PERIOD, [service.team.pk]).errors == 0
    assert validate(PERIOD).errors == 2  # no NHS number, no ethnicity


@pytest.mark.parametrize("lines_end", ["0 errors, 0 warnings"])
def test_the_text_report_ends_with_the_totals(service, lines_end) -> None:
    assert list(validate(PERIOD).lines())[-1] == lines_end
