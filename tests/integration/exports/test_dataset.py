"""The national dataset tables against hand-built cases: the derived IDS101 fields from a course
recorded through the real actions, which records fall in a period, each other table's rows, and
the national KPIs recomputed from the exported IDS101 agreeing with ``stepcare kpis``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.exports.dataset import IDS101_COLUMNS, DatasetRefused, Period, write_dataset
from stepcare.referrals import actions as referral_actions
from stepcare.referrals.models import Referral
from stepcare.reporting.selectors import kpis
from tests.factories.outcomes import gad7, phq9, scores
from tests.factories.patients import PatientFactory
from tests.factories.referrals import (
    AllocatedReferralFactory,
    OnwardReferralFactory,
    ProblemDescriptorRecordFactory,
    QualificationFactory,
    ReferralFactory,
    WaitingPauseFactory,
)
from tests.factories.scheduling import attend, clinician_in
from tests.integration.exports.helpers import export, read

D = dt.timedelta


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def course(service):
    """A course recorded through the actions: assessment 40 days ago, treatment 30, 20 and 10
    days ago (PHQ-9 16 → 6, GAD-7 13 → 5: recovered and reliably improved), a DNA in between,
    then discharged with 46 five days ago."""
    today = _today()
    clinician = clinician_in(service.team)
    QualificationFactory(user=clinician, level="11", awarded_on=dt.date(2020, 7, 1))
    patient = PatientFactory(team=service.team, ethnic_category="A", postcode="LS1 4AP")
    referral = AllocatedReferralFactory(
        patient=patient, received_on=today - D(days=50), allocated_to=clinician, step="3"
    )
    attend(referral, on=today - D(days=40), app_type="01", clinician=clinician)
    first = attend(referral, on=today - D(days=30), clinician=clinician)
    scores(appointment=first.appointment, by=clinician, PHQ9=phq9(16), GAD7=gad7(13))
    attend(referral, on=today - D(days=25), clinician=clinician, code="3")
    attend(referral, on=today - D(days=20), clinician=clinician)
    last = attend(referral, on=today - D(days=10), clinician=clinician)
    scores(appointment=last.appointment, by=clinician, PHQ9=phq9(6), GAD7=gad7(5))
    referral_actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=Referral.objects.get(pk=referral.pk),
        end_code="46",
        discharge_date=today - D(days=5),
        summary="Finished CBT; relapse-prevention plan agreed.",
    )
    referral.refresh_from_db()
    return referral, clinician


def test_ids101_carries_the_derived_session_dates_count_and_flags(course) -> None:
    referral, _ = course
    today = _today()
    folder = export(today - D(days=60), today)
    rows = read(folder, "IDS101")
    assert list(rows[0].keys()) == list(IDS101_COLUMNS)
    (row,) = [r for r in rows if r["PathwayID"] == referral.reference]
    assert row["TherapySession_FirstDate"] == (today - D(days=30)).isoformat()
    assert row["TherapySession_SecondDate"] == (today - D(days=20)).isoformat()
    assert row["TherapySession_LastDate"] == (today - D(days=10)).isoformat()
    assert row["TreatmentCareContact_Count"] == "3"  # the assessment and the DNA are not treatment
    assert row["ServDischDate"] == (today - D(days=5)).isoformat() and row["ENDCODE"] == "46"
    assert row["CompletedTreatment_Flag"] == "1" and row["Caseness_Flag"] == "1"
    assert (row["Recovery_Flag"], row["ReliableImprovement_Flag"], row["ReliableDeterioration_Flag"]) == (
        "1",
        "1",
        "0",
    )
    assert (row["PHQ9_FirstScore"], row["PHQ9_LastScore"]) == ("16", "6")
    assert (row["GAD7_FirstScore"], row["GAD7_LastScore"]) == ("13", "5")
    assert row["ADSM"] == "" and row["LocalPatientId"] == str(referral.patient_id)


def test_contacts_activities_and_scored_assessments(course) -> None:
    referral, clinician = course
    today = _today()
    folder = export(today - D(days=60), today)
    contacts = read(folder, "IDS201")
    assert [c["AttendOrDNACode"] for c in contacts] == ["5", "5", "3", "5", "5"]
    assert [c["AppType"] for c in contacts] == ["01", "02", "02", "02", "02"]
    assert {c["ConsMechanism"] for c in contacts} == {"02"}
    assert contacts[1]["CareContDate"] == (today - D(days=30)).isoformat()
    assert {c["CareProfLocalId"] for c in contacts} == {str(clinician.pk)}
    assert len({c["CareContactId"] for c in contacts}) == 5
    activities = read(folder, "IDS202")
    assert len(activities) == 4  # each attended contact, not the DNA
    assessments = read(folder, "IDS607")
    assert {(a["AssToolLocalCode"], a["CodedAssToolType"], a["PersScore"]) for a in assessments} == {
        ("PHQ-9", "720433000", "16"),
        ("GAD-7", "445455005", "13"),
        ("PHQ-9", "720433000", "6"),
        ("GAD-7", "445455005", "5"),
    }
    first_contact = contacts[1]["CareContactId"]
    assert {a["CareContactId"] for a in assessments if a["PersScore"] in {"16", "13"}} == {first_contact}
    assert read(folder, "IDS606") == []
    (qualification,) = read(folder, "IDS902")
    assert qualification == {
        "CareProfLocalId": str(clinician.pk),
        "QualAttainLevelIAPT": "11",
        "QualAwardedDate": "2020-07-01",
        "QualPlannedCompDate": "",
    }
    (person,) = read(folder, "IDS001")
    assert person["PathwayID"] == referral.reference and person["EthnicCategory"] == "A"
    assert person["NHSNumber"] == referral.patient.nhs_number


def test_contacts_and_scores_outside_the_period_are_left_out(course) -> None:
    today = _today()
    folder = export(today - D(days=22), today)  # after the first treatment session
    assert len(read(folder, "IDS201")) == 2
    assert {a["PersScore"] for a in read(folder, "IDS607")} == {"6", "5"}
    # The referral itself is active in the period, with its whole-course derived fields.
    (row,) = read(folder, "IDS101")
    assert row["TherapySession_FirstDate"] == (today - D(days=30)).isoformat()


def test_which_referrals_are_in_a_period(service) -> None:
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    team = service.team
    active = ReferralFactory(team=team, received_on=dt.date(2026, 9, 1), reference="SC-IN-0001")
    received_last_day = ReferralFactory(team=team, received_on=end, reference="SC-IN-0002")
    ended_first_day = ReferralFactory(
        team=team, received_on=dt.date(2026, 8, 1), status="ended", end_code="50",
        discharge_date=start, reference="SC-IN-0003",
    )  # fmt: skip
    ReferralFactory(team=team, received_on=end + D(days=1), reference="SC-OUT-001")
    ReferralFactory(
        team=team, received_on=dt.date(2026, 8, 1), status="ended", end_code="50",
        discharge_date=start - D(days=1), reference="SC-OUT-002",
    )  # fmt: skip
    ReferralFactory(
        team=team, received_on=dt.date(2026, 9, 1), status="entered_in_error", error_reason="Duplicate.",
        reference="SC-OUT-003",
    )  # fmt: skip
    other = ReferralFactory(team=service.other_team, received_on=dt.date(2026, 9, 1), reference="SC-OTH-001")
    everyone = {r["PathwayID"] for r in read(export(start, end), "IDS101")}
    assert everyone == {
        active.reference,
        received_last_day.reference,
        ended_first_day.reference,
        other.reference,
    }
    ours = {r["PathwayID"] for r in read(export(start, end, [team.pk]), "IDS101")}
    assert ours == {active.reference, received_last_day.reference, ended_first_day.reference}


def test_pauses_onward_referrals_and_presenting_complaints(service) -> None:
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    referral = ReferralFactory(team=service.team, received_on=dt.date(2026, 9, 1))
    WaitingPauseFactory(referral=referral, start_date=dt.date(2026, 9, 20), end_date=dt.date(2026, 10, 3))
    WaitingPauseFactory(referral=referral, start_date=dt.date(2026, 9, 2), end_date=dt.date(2026, 9, 5))
    OnwardReferralFactory(referral=referral, made_on=dt.date(2026, 10, 12), kind="referral")
    OnwardReferralFactory(referral=referral, made_on=dt.date(2026, 9, 12))
    ProblemDescriptorRecordFactory(referral=referral, primary="F41.1", secondary="83482000",
                                   recorded_on=dt.date(2026, 10, 2))  # fmt: skip
    folder = export(start, end)
    (pause,) = read(folder, "IDS108")
    assert (pause["PauseStartDate"], pause["PauseEndDate"]) == ("2026-09-20", "2026-10-03")
    (onward,) = read(folder, "IDS105")
    assert (onward["OnwardReferDate"], onward["OnwardReferralType"]) == ("2026-10-12", "referral")
    complaints = read(folder, "IDS603")
    assert [(c["PresComp"], c["PresCompCodSig"], c["PresCompType"]) for c in complaints] == [
        ("F41.1", "ICD10", "P"),
        ("83482000", "SNOMED", "S"),
    ]
    (row,) = read(folder, "IDS101")
    assert row["PresentingComplaintHigherCategory"] == "F41.1"


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(DatasetRefused):
        Period(dt.date(2026, 10, 31), dt.date(2026, 10, 1))


def test_progress_is_reported_up_to_the_total(course, tmp_path) -> None:
    today = _today()
    seen: list[tuple[int, int]] = []
    rows = write_dataset(
        Period(today - D(days=60), today), tmp_path, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 0
    assert rows["IDS201"] == 5


# The national KPIs recomputed from IDS101 alone -----------------------------------------------
FROM, TO = dt.date(2026, 4, 1), dt.date(2026, 10, 31)


def _finished(team, *, wait: int, discharged=dt.date(2026, 10, 1), **outcome) -> Referral:
    first = FROM + D(days=wait)
    return ReferralFactory(
        team=team, received_on=FROM, status="ended", end_code="46", discharge_date=discharged,
        first_treatment_date=first, second_treatment_date=first + D(days=14),
        last_treatment_date=first + D(days=28), treatment_contact_count=3,
        **{f"outcome_{k}": v for k, v in outcome.items()},
    )  # fmt: skip


@pytest.fixture
def known_service(service):
    team = service.team
    paired = {"paired": True, "anxiety_measure": "GAD-7", "phq9_first": 15.0, "phq9_last": 5.0}
    _finished(team, wait=20, **paired, at_caseness=True, recovered=True, reliable_improvement=True,
              reliable_recovery=True)  # fmt: skip
    _finished(team, wait=30, **paired, at_caseness=False, no_reliable_change=True)
    _finished(team, wait=50)  # no score pair: in every denominator
    _finished(team, wait=60, **paired, at_caseness=True, reliable_deterioration=True)
    _finished(team, wait=70, **paired, at_caseness=True, recovered=True, reliable_improvement=True)
    # Ended before treatment; after one; after the period; open; entered in error; other team.
    ReferralFactory(
        team=team, received_on=FROM, status="ended", end_code="50", discharge_date=dt.date(2026, 5, 1)
    )
    ReferralFactory(
        team=team, received_on=FROM, status="ended", end_code="47", discharge_date=dt.date(2026, 6, 1),
        first_treatment_date=dt.date(2026, 5, 1), treatment_contact_count=1,
    )  # fmt: skip
    _finished(team, wait=10, discharged=TO + D(days=1), **paired, at_caseness=True, recovered=True)
    ReferralFactory(team=team, received_on=dt.date(2026, 3, 31))
    wrong = _finished(team, wait=10, **paired, at_caseness=True, recovered=True)
    Referral.objects.filter(pk=wrong.pk).update(status="entered_in_error", error_reason="Duplicate.")
    _finished(service.other_team, wait=10, **paired, at_caseness=True, recovered=True)
    return service


def _recompute(rows: list[dict[str, str]]) -> dict[str, object]:
    """What an independent checker does: the national definitions over IDS101 only."""

    def in_period(text: str) -> bool:
        return bool(text) and FROM <= dt.date.fromisoformat(text) <= TO

    finished = [r for r in rows if r["CompletedTreatment_Flag"] == "1" and in_period(r["ServDischDate"])]
    not_caseness = sum(r["NotCaseness_Flag"] == "1" for r in finished)
    recovered = sum(r["Recovery_Flag"] == "1" for r in finished)
    improved = sum(r["ReliableImprovement_Flag"] == "1" for r in finished)
    deteriorated = sum(r["ReliableDeterioration_Flag"] == "1" for r in finished)
    return {
        "referrals_received": sum(in_period(r["ReferralRequestReceivedDate"]) for r in rows),
        "entered_treatment": sum(in_period(r["TherapySession_FirstDate"]) for r in rows),
        "ended": sum(in_period(r["ServDischDate"]) for r in rows),
        "finished_course": len(finished),
        "not_at_caseness": not_caseness,
        "at_caseness": sum(r["Caseness_Flag"] == "1" for r in finished),
        "recovered": recovered,
        "reliably_improved": improved,
        "reliably_deteriorated": deteriorated,
        "recovery_rate": recovered / (len(finished) - not_caseness),
        "reliable_improvement_rate": improved / len(finished),
    }


@pytest.mark.parametrize("whole_service", [False, True], ids=["team", "service"])
def test_kpis_recomputed_from_the_exported_ids101_agree_with_the_kpis(known_service, whole_service) -> None:
    team = None if whole_service else known_service.team
    rows = read(export(FROM, TO, None if team is None else [team.pk]), "IDS101")
    expected = kpis(FROM, TO, team=team)
    recomputed = _recompute(rows)
    for key, value in recomputed.items():
        assert value == pytest.approx(expected[key]), key
    assert recomputed["finished_course"] == (6 if whole_service else 5)
    assert recomputed["recovered"] == (3 if whole_service else 2)


def test_the_export_costs_the_same_queries_for_more_records(known_service, tmp_path) -> None:
    """Each table is one streamed query (and one count): no query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with CaptureQueriesContext(connection) as few:
        write_dataset(Period(FROM, TO), tmp_path / "a")
    for wait in range(10, 30):
        _finished(known_service.team, wait=wait, paired=True, at_caseness=True, recovered=True)
    with CaptureQueriesContext(connection) as many:
        write_dataset(Period(FROM, TO), tmp_path / "b")
    assert len(few) == len(many) <= 2 * 10 + 2


def test_ids001_carries_the_lsoa_of_residence_from_the_deprivation_lookup(service) -> None:
    from stepcare.reporting.models import PostcodeDeprivation

    PostcodeDeprivation.objects.create(postcode="LS14AP", lsoa_code="E01033010", imd_decile=3)
    today = _today()
    found = ReferralFactory(
        team=service.team, received_on=today, patient=PatientFactory(team=service.team, postcode="ls1 4ap")
    )
    unknown = ReferralFactory(
        team=service.team, received_on=today, patient=PatientFactory(team=service.team, postcode="ZZ9 9ZZ")
    )
    none = ReferralFactory(
        team=service.team, received_on=today, patient=PatientFactory(team=service.team, postcode="")
    )
    folder = export(today, today)
    lsoa = {row["PathwayID"]: row["LSOA2011"] for row in read(folder, "IDS001")}
    assert lsoa == {found.reference: "E01033010", unknown.reference: "", none.reference: ""}
