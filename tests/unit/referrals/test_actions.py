"""Referral actions: each move, ENDCODE consistency, duplicate-patient linking, audit, and
the database refusing rows that break the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.referrals import actions
from stepcare.referrals.models import EndCode, Referral, SuitabilityDecision, WaitingPause
from stepcare.referrals.transitions import MoveRefused
from tests.factories.patients import PatientFactory, valid_nhs_number
from tests.factories.referrals import AgencyFactory, ReferralFactory
from tests.factories.scheduling import attend

pytestmark = pytest.mark.django_db
S = Referral.Status
Outcome = SuitabilityDecision.Outcome
TODAY = dt.date.today


def _person(**overrides):
    person = {
        "given_name": "Rosa",
        "family_name": "Pennington",
        "date_of_birth": dt.date(1990, 4, 2),
        "nhs_number": None,
        "phone_mobile": "07700 900456",
    }
    person.update(overrides)
    return person


def _submit(service, by=None, **person):
    return actions.submit_referral(
        by=by,
        team=service.team,
        channel="test",
        submission=actions.Submission(
            person=_person(**person), source="self", received_on=timezone.localdate()
        ),
    )


@pytest.fixture
def hit(service):
    return service.staff[Role.HIGH_INTENSITY_THERAPIST]


def _accepted(service, hit, step="accept_3", days_ago=20):
    referral = ReferralFactory(
        team=service.team, received_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    actions.decide(by=hit, referral=referral, outcome=step, reason="Meets criteria for CBT.", rules_shown=[])
    referral.refresh_from_db()
    return referral


# Duplicate-patient linking ------------------------------------------------------------------


def test_a_referral_for_a_new_person_creates_their_patient_record(service) -> None:
    referral = _submit(service)
    assert referral.patient is not None and referral.patient.family_name == "Pennington"
    assert referral.patient.team == service.team
    assert referral.reference.startswith("SC-") and len(referral.reference) == 12


def test_the_same_nhs_number_surname_and_birth_date_links_to_the_known_patient(service) -> None:
    known = PatientFactory(
        team=service.team,
        nhs_number=valid_nhs_number(501),
        given_name="Rosie",
        family_name="Penn",
        date_of_birth=dt.date(1990, 4, 2),
    )
    referral = _submit(service, nhs_number=known.nhs_number, given_name="rosie", family_name="PENN")
    assert referral.patient == known
    assert Patient.objects.filter(nhs_number=known.nhs_number).count() == 1
    assert "same NHS number, names and date of birth" in referral.identity_note


def test_a_twin_with_the_same_surname_and_birth_date_is_not_linked_automatically(service) -> None:
    twin = PatientFactory(
        team=service.team,
        nhs_number=valid_nhs_number(503),
        given_name="Rosalind",
        family_name="Penn",
        date_of_birth=dt.date(1990, 4, 2),
    )
    referral = _submit(service, nhs_number=twin.nhs_number, given_name="Rosie", family_name="Penn")
    assert referral.patient is None
    assert "a name or the date of birth differs" in referral.identity_note


@pytest.mark.parametrize("typed", ["O'Neill", "ONeill", "o’neill", "O‘Neill", "O-Neill", "O Neill"])
def test_names_match_whatever_the_apostrophes_hyphens_case_and_spaces(service, typed: str) -> None:
    known = PatientFactory(
        team=service.team,
        nhs_number=valid_nhs_number(504),
        given_name="Zoë",
        family_name="O’Neill",
        date_of_birth=dt.date(1990, 4, 2),
    )
    referral = _submit(service, nhs_number=known.nhs_number, given_name="Zoe", family_name=typed)
    assert referral.patient == known


def test_a_full_match_in_another_team_is_never_linked_without_a_person_checking(service) -> None:
    known = PatientFactory(
        team=service.other_team,
        nhs_number=valid_nhs_number(505),
        given_name="Rosie",
        family_name="Penn",
        date_of_birth=dt.date(1990, 4, 2),
    )
    referral = _submit(service, nhs_number=known.nhs_number, given_name="Rosie", family_name="Penn")
    assert referral.patient is None
    assert "exists in another team" in referral.identity_note


def test_a_typed_nhs_number_alone_never_attaches_a_referral_to_someone_elses_record(service) -> None:
    known = PatientFactory(
        team=service.other_team,
        nhs_number=valid_nhs_number(502),
        family_name="Okoro",
        date_of_birth=dt.date(1971, 1, 1),
    )
    before = Patient.objects.count()
    referral = _submit(service, nhs_number=known.nhs_number, given_name="Rosie", family_name="Penn")
    assert referral.patient is None
    assert Patient.objects.count() == before
    assert "a name or the date of birth differs" in referral.identity_note


def test_the_same_name_and_date_of_birth_waits_for_staff_to_confirm(service, hit) -> None:
    known = PatientFactory(
        team=service.team, given_name="Rosa", family_name="Pennington", date_of_birth=dt.date(1990, 4, 2)
    )
    before = Patient.objects.count()
    referral = _submit(service)
    assert referral.patient is None
    assert Patient.objects.count() == before
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    with pytest.raises(MoveRefused, match="first check who the person is"):
        actions.decide(by=hit, referral=referral, outcome="accept_3", reason="x", rules_shown=[])
    linked = actions.link_patient(by=hit, referral=referral, patient=known)
    assert linked.patient == known


def test_staff_can_confirm_a_possible_match_is_a_different_person(service, hit) -> None:
    PatientFactory(
        team=service.team, given_name="Rosa", family_name="Pennington", date_of_birth=dt.date(1990, 4, 2)
    )
    referral = _submit(service)
    created = actions.create_patient_for_referral(by=hit, referral=referral)
    assert created.patient is not None
    assert Patient.objects.filter(family_name="Pennington").count() == 2


def test_receiving_a_referral_is_audited_with_its_channel(service) -> None:
    referral = _submit(service)
    event = AuditEvent.objects.filter(object_id=str(referral.pk), object_type="referrals.Referral").get()
    assert event.action == AuditEvent.Action.CREATE and event.username == "test"
    assert event.detail["move"] == "create"


# Moves ------------------------------------------------------------------------------------------


def test_the_whole_pathway_from_screening_to_discharge(service, hit) -> None:
    manager = service.staff[Role.SERVICE_MANAGER]
    referral = ReferralFactory(team=service.team, received_on=timezone.localdate() - dt.timedelta(days=30))
    actions.screen(
        by=hit, referral=referral, notes="Nightmares since a crash.", acute_risk=False, secondary_care=False
    )
    actions.record_assessment(
        by=hit, referral=referral, assessment_date=timezone.localdate() - dt.timedelta(days=20)
    )
    actions.record_problem_descriptor(
        by=hit, referral=referral, primary="F43.1", recorded_on=timezone.localdate()
    )
    actions.decide(
        by=hit, referral=referral, outcome="accept_3", reason="PTSD: trauma-focused CBT.", rules_shown=[]
    )
    referral.refresh_from_db()
    assert (referral.status, referral.step) == (S.WAITING, "3")
    actions.allocate(by=manager, referral=referral, therapist=hit)
    referral.refresh_from_db()
    assert referral.status == S.ALLOCATED and referral.allocated_to == hit
    assert referral.patient.allocated_clinician == hit
    attend(referral, on=timezone.localdate() - dt.timedelta(days=5), clinician=hit)
    actions.end_referral(
        by=hit,
        referral=referral,
        end_code=EndCode.COMPLETED,
        discharge_date=timezone.localdate(),
        summary="Completed 12 sessions; PCL-5 below threshold.",
    )
    referral.refresh_from_db()
    assert referral.status == S.ENDED and referral.end_code == "46" and referral.ended_by == hit
    moves = [
        e.detail["move"]
        for e in AuditEvent.objects.filter(object_id=str(referral.pk)).order_by("id")
        if "move" in e.detail
    ]
    assert moves == [
        "screen",
        "record_assessment",
        "record_problem",
        "decide",
        "allocate",
        "treatment_contacts",
        "end",
    ]


@pytest.mark.parametrize(
    ("outcome", "assessed", "code"),
    [
        (Outcome.SIGNPOST, False, "11"),
        (Outcome.REFER_ELSEWHERE, True, "13"),
        (Outcome.DECLINED, False, "14"),
        (Outcome.NOT_SUITABLE, True, "10"),
        (Outcome.NOT_SUITABLE, False, "50"),
    ],
)
def test_a_decision_not_to_take_on_ends_the_referral_with_the_matching_code(
    service, hit, outcome, assessed, code
) -> None:
    referral = ReferralFactory(team=service.team)
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    if assessed:
        actions.record_assessment(by=hit, referral=referral, assessment_date=timezone.localdate())
    if code == "13":
        actions.record_onward_referral(
            by=hit, referral=referral, agency=AgencyFactory(), kind="referral", reason="Secondary care."
        )
    actions.decide(
        by=hit, referral=referral, outcome=outcome, reason="Housing is the main need.", rules_shown=[]
    )
    referral.refresh_from_db()
    assert (
        referral.status == S.ENDED
        and referral.end_code == code
        and referral.discharge_date == timezone.localdate()
    )


def test_a_decision_needs_a_reason(service, hit) -> None:
    referral = ReferralFactory(team=service.team, status=S.SCREENED)
    with pytest.raises(MoveRefused, match="reason"):
        actions.decide(by=hit, referral=referral, outcome="accept_2", reason="  ", rules_shown=[])


def test_a_new_referral_cannot_be_accepted_before_screening(service, hit) -> None:
    referral = ReferralFactory(team=service.team)
    with pytest.raises(
        MoveRefused, match="You cannot accept this referral: it is new and has not been screened yet"
    ):
        actions.decide(by=hit, referral=referral, outcome="accept_3", reason="PTSD.", rules_shown=[])
    referral.refresh_from_db()
    assert referral.status == S.RECEIVED


def test_the_move_is_checked_against_the_saved_state_not_a_stale_copy(service, hit) -> None:
    referral = ReferralFactory(team=service.team)
    stale = Referral.objects.get(pk=referral.pk)
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    with pytest.raises(MoveRefused, match="You cannot screen"):
        actions.screen(by=hit, referral=stale, notes="", acute_risk=False, secondary_care=False)


# ENDCODE consistency --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["46", "47", "48", "49", "96"])
def test_a_taken_on_ending_code_is_refused_when_treatment_never_began(service, hit, code) -> None:
    referral = _accepted(service, hit)
    with pytest.raises(MoveRefused, match="no treatment is recorded"):
        actions.end_referral(
            by=hit, referral=referral, end_code=code, discharge_date=timezone.localdate(), summary="x"
        )
    referral.refresh_from_db()
    assert referral.status == S.WAITING


@pytest.mark.parametrize("code", ["10", "11", "12", "13", "14", "16", "17", "50", "95"])
def test_a_not_taken_on_code_is_refused_once_treatment_began(service, hit, code) -> None:
    referral = _accepted(service, hit)
    attend(referral, clinician=hit)
    with pytest.raises(MoveRefused, match="must be one for people taken on"):
        actions.end_referral(
            by=hit, referral=referral, end_code=code, discharge_date=timezone.localdate(), summary="x"
        )


@pytest.mark.parametrize("code", ["10", "11", "12", "13", "14", "16", "17", "50", "95"])
def test_a_not_taken_on_code_ends_a_referral_without_treatment(service, hit, code) -> None:
    referral = _accepted(service, hit)
    if code in {"10", "17", "95"}:
        attend(referral, clinician=hit, app_type="01")
    if code == "13":
        actions.record_onward_referral(
            by=hit,
            referral=referral,
            organisation_name="Community mental health team",
            kind="referral",
            reason="x",
        )
    referral.refresh_from_db()
    actions.end_referral(
        by=hit,
        referral=referral,
        end_code=code,
        discharge_date=timezone.localdate(),
        summary="No reply to three letters.",
    )
    referral.refresh_from_db()
    assert referral.end_code == code


def test_ending_needs_a_summary_and_a_sensible_date(service, hit) -> None:
    referral = _accepted(service, hit, days_ago=20)
    with pytest.raises(MoveRefused, match="discharge summary"):
        actions.end_referral(
            by=hit, referral=referral, end_code="50", discharge_date=timezone.localdate(), summary=" "
        )
    with pytest.raises(MoveRefused, match="before the referral was received"):
        actions.end_referral(
            by=hit,
            referral=referral,
            end_code="50",
            discharge_date=timezone.localdate() - dt.timedelta(days=30),
            summary="x",
        )
    with pytest.raises(MoveRefused, match="future"):
        actions.end_referral(
            by=hit,
            referral=referral,
            end_code="50",
            discharge_date=timezone.localdate() + dt.timedelta(days=1),
            summary="x",
        )


def test_an_ended_referral_is_reopened_only_as_a_new_linked_referral(service, hit) -> None:
    referral = _accepted(service, hit)
    actions.end_referral(
        by=hit, referral=referral, end_code="14", discharge_date=timezone.localdate(), summary="Declined."
    )
    with pytest.raises(MoveRefused, match="re-open it as a new referral"):
        actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    new = actions.reopen(by=hit, referral=referral, reason="Asked to be seen again after a relapse.")
    referral.refresh_from_db()
    assert referral.status == S.ENDED and referral.end_code == "14"
    assert new.previous_referral == referral and new.patient == referral.patient
    assert new.status == S.RECEIVED and new.reference != referral.reference


# Waiting, stepping, signposting, error -------------------------------------------------------


def test_a_pause_is_recorded_and_ends_when_treatment_starts(service, hit) -> None:
    referral = _accepted(service, hit, days_ago=20)
    actions.pause_wait(
        by=hit,
        referral=referral,
        start_date=timezone.localdate() - dt.timedelta(days=5),
        reason="On holiday.",
    )
    with pytest.raises(MoveRefused, match="already paused"):
        actions.pause_wait(by=hit, referral=referral, start_date=timezone.localdate(), reason="Again.")
    attend(referral, clinician=hit)
    pause = WaitingPause.objects.get(referral=referral)
    assert pause.end_date == timezone.localdate()


def test_stepping_up_keeps_the_history_and_puts_the_person_back_on_the_waiting_list(service, hit) -> None:
    referral = _accepted(service, hit, step="accept_2")
    actions.allocate(
        by=service.staff[Role.SERVICE_MANAGER], referral=referral, therapist=service.staff[Role.PWP]
    )
    attend(referral, clinician=hit)
    with pytest.raises(MoveRefused, match="handover"):
        actions.change_step(by=hit, referral=referral, to_step="3", handover_summary="")
    change = actions.change_step(
        by=hit,
        referral=referral,
        to_step="3",
        handover_summary="Six sessions of guided self-help; PHQ-9 still 17.",
    )
    referral.refresh_from_db()
    assert change.direction == "Stepped up"
    assert (referral.status, referral.step, referral.allocated_to) == (S.WAITING, "3", None)
    assert referral.first_treatment_date == timezone.localdate()
    assert [c.to_step for c in referral.step_changes.all()] == ["2", "3"]
    with pytest.raises(MoveRefused, match="already at step 3"):
        actions.change_step(by=hit, referral=referral, to_step="3", handover_summary="x")


def test_a_signpost_records_to_whom_why_when_and_by_whom(service, hit) -> None:
    referral = ReferralFactory(team=service.team)
    agency = AgencyFactory()
    onward = actions.record_onward_referral(
        by=hit, referral=referral, agency=agency, kind="signpost", reason="Debt."
    )
    assert (onward.agency, onward.made_by, onward.made_on, onward.reason) == (
        agency,
        hit,
        timezone.localdate(),
        "Debt.",
    )


def test_entered_in_error_keeps_the_referral_and_drops_it_from_counts(service, hit) -> None:
    referral = ReferralFactory(team=service.team)
    with pytest.raises(MoveRefused, match="at least 10"):
        actions.mark_entered_in_error(by=hit, referral=referral, reason="dup")
    actions.mark_entered_in_error(by=hit, referral=referral, reason="Duplicate of SC-AAAA-2222.")
    referral.refresh_from_db()
    assert referral.status == S.ENTERED_IN_ERROR and referral.status_before_error == S.RECEIVED
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert not Referral.objects.counted().filter(pk=referral.pk).exists()


# The database refuses bad rows -------------------------------------------------------------------


def _refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(**fields)


def test_the_database_refuses_a_taken_on_code_without_treatment(service) -> None:
    _refused(team=service.team, status=S.ENDED, end_code="46", discharge_date=TODAY())


def test_the_database_refuses_a_not_taken_on_code_after_treatment(service) -> None:
    _refused(
        team=service.team, status=S.ENDED, end_code="11", discharge_date=TODAY(), first_treatment_date=TODAY()
    )


def test_the_database_refuses_an_ended_referral_without_a_code_or_date(service) -> None:
    _refused(team=service.team, status=S.ENDED)


def test_the_database_refuses_an_unknown_state_or_code(service) -> None:
    _refused(team=service.team, status="lost")
    _refused(team=service.team, end_code="99")


def test_the_database_refuses_an_accepted_referral_without_a_patient(service) -> None:
    _refused(team=service.team, status=S.WAITING, patient=None)


def test_the_database_refuses_entered_in_error_without_a_reason(service) -> None:
    _refused(team=service.team, status=S.ENTERED_IN_ERROR)


def test_the_database_refuses_two_open_pauses(service, hit) -> None:
    referral = ReferralFactory(team=service.team)
    WaitingPause.objects.create(referral=referral, start_date=TODAY(), reason="a", recorded_by=hit)
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingPause.objects.create(referral=referral, start_date=TODAY(), reason="b", recorded_by=hit)
