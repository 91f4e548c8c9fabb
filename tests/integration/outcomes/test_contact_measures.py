"""The measures page of a contact: what is due, quick entry, scoring by the core, corrections,
PHQ-9 item 9 and the paired-score guard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.measures import score
from stepcare.outcomes import actions
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import _build
from stepcare.outcomes.selectors import risk_check_required
from tests.factories.outcomes import OutcomeSettingsFactory, contact, phq9, scores
from tests.factories.referrals import AllocatedReferralFactory, ProblemDescriptorRecordFactory

HIT = Role.HIGH_INTENSITY_THERAPIST


@pytest.fixture
def referral(service):
    return AllocatedReferralFactory(patient__team=service.team, allocated_to=service.staff[HIT])


def _url(appointment) -> str:
    return reverse("outcomes:contact", args=[appointment.pk])


def _due(response) -> list[str]:
    return [row.due.measure.code for row in response.context["contact"].rows]


def test_without_a_descriptor_phq9_gad7_wsas_and_phobia_scales_are_due(service, client_for, referral) -> None:
    appointment = contact(referral=referral, clinician=service.staff[HIT], days_ago=1)
    response = client_for(HIT).get(_url(appointment))
    assert response.status_code == 200
    assert _due(response) == ["PHQ-9", "GAD-7", "WSAS", "PHOBIA"]
    assert response.context["contact"].session_number == 1


def test_the_service_can_ask_wsas_and_phobia_scales_only_at_assessment_and_end(
    service, client_for, referral
) -> None:
    OutcomeSettingsFactory(
        service=service.team.service, wsas_points="assessment_and_end", phobia_points="never"
    )
    clinician = service.staff[HIT]
    first = contact(referral=referral, clinician=clinician, days_ago=14)
    second = contact(referral=referral, clinician=clinician, days_ago=7)
    assert _due(client_for(HIT).get(_url(first))) == ["PHQ-9", "GAD-7", "WSAS"]
    assert _due(client_for(HIT).get(_url(second))) == ["PHQ-9", "GAD-7"]


@pytest.mark.parametrize(
    ("descriptor", "anxiety"),
    [
        ("F40.1", "SPIN"),
        ("F41.0", "PDSS"),
        ("F40.0", "MI"),
        ("F42", "OCI-R"),
        ("F43.1", "PCL-5"),
        ("F45.2", "HAI"),
        ("F41.1", "GAD-7"),
        ("F32", "GAD-7"),
    ],
)
def test_the_anxiety_measure_due_follows_the_problem_descriptor(
    service, client_for, referral, descriptor, anxiety
) -> None:
    ProblemDescriptorRecordFactory(referral=referral, primary=descriptor, recorded_on=dt.date(2020, 1, 1))
    appointment = contact(referral=referral, clinician=service.staff[HIT], days_ago=1)
    due = _due(client_for(HIT).get(_url(appointment)))
    assert due[:2] == ["PHQ-9", anxiety]
    if anxiety != "GAD-7":
        assert "GAD-7" in due  # the national back-up


def test_changing_the_descriptor_changes_the_measure_due_from_then_on_and_the_page_says_so(
    service, client_for, referral
) -> None:
    clinician = service.staff[HIT]
    today = dt.date.today()
    ProblemDescriptorRecordFactory(
        referral=referral, primary="F41.1", recorded_on=today - dt.timedelta(days=30)
    )
    early = contact(referral=referral, clinician=clinician, days_ago=21)
    scores(appointment=early, by=clinician, PHQ9=phq9(14), GAD7=[2, 2, 2, 2, 2, 2, 0])
    ProblemDescriptorRecordFactory(
        referral=referral, primary="F40.1", recorded_on=today - dt.timedelta(days=10)
    )
    later = contact(referral=referral, clinician=clinician, days_ago=7)

    assert _due(client_for(HIT).get(_url(early)))[:2] == ["PHQ-9", "GAD-7"]  # what was due then
    response = client_for(HIT).get(_url(later))
    assert _due(response)[:2] == ["PHQ-9", "SPIN"]
    body = response.content.decode()
    assert "SPIN is due from now on instead of GAD-7" in body


def test_answers_typed_as_digits_are_scored_by_the_core_and_stored_with_their_items(
    service, client_for, referral
) -> None:
    appointment = contact(referral=referral, clinician=service.staff[HIT], days_ago=1)
    response = client_for(HIT).post(
        _url(appointment),
        {
            "m_phq9": "012301231",
            "m_gad7": "1 1 1 1 1 1 1",
            "m_wsas": "n2345",
            "completed_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
            "timepoint": "treatment",
        },
    )
    assert response.status_code == 302
    stored = {r.measure: r for r in MeasureResponse.objects.filter(appointment=appointment)}
    assert set(stored) == {"PHQ-9", "GAD-7", "WSAS"}
    expected = score("PHQ-9", [0, 1, 2, 3, 0, 1, 2, 3, 1])
    phq = stored["PHQ-9"]
    assert (phq.answers, phq.total, phq.severity, phq.caseness, phq.item9) == (
        list(expected.answers),
        expected.total,
        expected.severity,
        expected.caseness,
        1,
    )
    assert stored["WSAS"].answers == [None, 2, 3, 4, 5]
    assert stored["WSAS"].total == score("WSAS", [None, 2, 3, 4, 5]).total
    assert phq.referral == referral and phq.session_number == 1 and phq.timepoint == "treatment"
    assert AuditEvent.objects.filter(action="create", object_type="outcomes.MeasureResponse").count() == 3


def test_wrong_answers_are_refused_on_the_page_with_what_was_typed_kept(
    service, client_for, referral
) -> None:
    appointment = contact(referral=referral, clinician=service.staff[HIT], days_ago=1)
    response = client_for(HIT).post(
        _url(appointment),
        {
            "m_phq9": "01230123",
            "m_gad7": "1111119",
            "completed_on": dt.date.today().isoformat(),
            "timepoint": "treatment",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "expected 9 answers (items 1 to 9), got 8" in body
    assert "GAD-7 item 7: expected a whole number from 0 to 3, got 9" in body
    assert 'value="01230123"' in body and 'value="1111119"' in body
    assert not MeasureResponse.objects.exists()
    assert AuditEvent.objects.filter(action="view", patient=referral.patient).exists()  # failed POST audited


def test_a_wrong_response_is_marked_entered_in_error_and_entered_again_never_edited(
    service, client_for, referral
) -> None:
    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    (wrong,) = scores(appointment=appointment, by=clinician, PHQ9=phq9(20))
    client = client_for(HIT)
    post = {
        "m_phq9": "111111110",
        "completed_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "timepoint": "treatment",
    }
    refused = client.post(_url(appointment), post)  # PHQ-9 is no longer asked until corrected
    assert refused.status_code == 200 and MeasureResponse.objects.count() == 1

    short = client.post(
        reverse("outcomes:entered_in_error", args=[appointment.pk]), {"response": wrong.pk, "reason": "typo"}
    )
    assert short.status_code == 200 and "at least 10 characters" in short.content.decode()
    done = client.post(
        reverse("outcomes:entered_in_error", args=[appointment.pk]),
        {"response": wrong.pk, "reason": "Answers typed for the wrong patient"},
    )
    assert done.status_code == 302
    assert client.post(_url(appointment), post).status_code == 302

    wrong.refresh_from_db()
    assert (
        wrong.status == "entered_in_error"
        and wrong.total == 20
        and wrong.error_marked_by == service.staff[HIT]
    )
    current = MeasureResponse.objects.current().get(appointment=appointment)
    assert current.total == 8
    assert AuditEvent.objects.filter(action="update", object_id=str(wrong.pk)).exists()


def test_the_database_refuses_two_current_responses_of_one_measure_at_one_contact(service, referral) -> None:
    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    scores(appointment=appointment, by=clinician, PHQ9=phq9(5))
    first = MeasureResponse.objects.get()
    first.pk = None
    with pytest.raises(IntegrityError):
        first.save()


def test_the_action_refuses_a_second_phq9_at_one_contact_with_a_message(service, referral) -> None:
    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    scores(appointment=appointment, by=clinician, PHQ9=phq9(5))
    with pytest.raises(actions.ResponseRefused, match="mark it entered in error"):
        scores(appointment=appointment, by=clinician, PHQ9=phq9(6))


def test_item9_above_zero_shows_on_the_banner_with_answer_and_date_and_needs_a_risk_check(
    service, client_for, referral
) -> None:
    clinician = service.staff[HIT]
    quiet = contact(referral=referral, clinician=clinician, days_ago=14)
    scores(appointment=quiet, by=clinician, PHQ9=phq9(12))
    assert risk_check_required(quiet) is False
    flagged = contact(referral=referral, clinician=clinician, days_ago=7)
    scores(appointment=flagged, by=clinician, PHQ9=phq9(12, item9=2))
    assert risk_check_required(flagged) is True

    page = client_for(HIT).get(reverse("patients:detail", args=[referral.patient.pk])).content.decode()
    assert 'data-testid="banner-item9"' in page
    assert "Answered 2" in page
    assert f"{(dt.date.today() - dt.timedelta(days=7)):%-d %b %Y}" in page
    measures = client_for(HIT).get(_url(flagged)).content.decode()
    assert 'data-testid="item9-prompt"' in measures and 'data-testid="banner-item9"' in measures


def test_item9_entered_in_error_no_longer_needs_a_risk_check(service, referral) -> None:
    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    (response,) = scores(appointment=appointment, by=clinician, PHQ9=phq9(12, item9=1))
    actions.mark_entered_in_error(by=clinician, response=response, reason="Entered for the wrong date")
    assert risk_check_required(appointment) is False


def test_an_attended_treatment_session_without_the_pair_says_what_is_missing(
    service, client_for, referral
) -> None:
    clinician = service.staff[HIT]
    ProblemDescriptorRecordFactory(referral=referral, primary="F41.0", recorded_on=dt.date(2020, 1, 1))
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    response = client_for(HIT).get(_url(appointment))
    assert response.context["contact"].missing_for_pair == ["PHQ-9", "PDSS"]
    assert 'data-testid="pair-missing"' in response.content.decode()
    scores(appointment=appointment, by=clinician, PHQ9=phq9(10), PDSS=[1, 1, 1, 1, 1, 1, 1])
    assert client_for(HIT).get(_url(appointment)).context["contact"].missing_for_pair == []
    not_yet = contact(referral=referral, clinician=clinician, days_ago=0, attendance=None, hour=23)
    assert client_for(HIT).get(_url(not_yet)).context["contact"].missing_for_pair == []


def test_licensed_wording_is_shown_only_when_the_service_loaded_it(
    service, client_for, referral, settings, tmp_path
) -> None:
    ProblemDescriptorRecordFactory(referral=referral, primary="F40.1", recorded_on=dt.date(2020, 1, 1))
    appointment = contact(referral=referral, clinician=service.staff[HIT], days_ago=1)
    body = client_for(HIT).get(_url(appointment)).content.decode()
    assert "wording of this questionnaire is licensed and has not been loaded" in body
    wording = tmp_path / "wording.json"
    items = ", ".join(f'"Licensed SPIN sentence {n}"' for n in range(1, 18))
    wording.write_text('{"source": "Licence 2025-017", "measures": {"SPIN": {"items": [' + items + "]}}}")
    settings.STEPCARE_MEASURES_WORDING = str(wording)
    try:
        body = client_for(HIT).get(_url(appointment)).content.decode()
    finally:
        _build.cache_clear()
    assert "Licensed SPIN sentence 17" in body and "Licence 2025-017" in body


def test_the_live_score_comes_from_the_core(service, client_for) -> None:
    client = client_for(HIT)
    done = client.post(
        reverse("outcomes:score"), {"measure": "PHQ-9", "m_phq9": "012301231"}
    ).content.decode()
    assert "PHQ-9 total 13" in done and "moderate" in done and "Item 9 answered 1" in done
    partial = client.post(reverse("outcomes:score"), {"measure": "GAD-7", "m_gad7": "0123"}).content.decode()
    assert "expected 7 answers" in partial


def test_the_page_is_refused_for_another_teams_appointment_and_the_refusal_is_audited(
    service, client_for
) -> None:
    other = AllocatedReferralFactory(patient__team=service.other_team, patient__family_name="Quillfeather")
    clinician = service.staff[HIT]
    from tests.factories.scheduling import clinician_in

    appointment = contact(referral=other, clinician=clinician_in(service.other_team), days_ago=1)
    response = client_for(HIT).get(_url(appointment))
    assert response.status_code == 403
    assert other.patient.family_name not in response.content.decode()
    assert AuditEvent.objects.filter(action="access_denied", patient=other.patient).exists()
    assert clinician


def test_the_measures_page_query_count_is_pinned(
    service, client_for, referral, django_assert_num_queries
) -> None:
    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    scores(appointment=appointment, by=clinician, PHQ9=phq9(12, item9=1))
    client = client_for(HIT)
    client.get(_url(appointment))
    with django_assert_num_queries(14):
        client.get(_url(appointment))


def test_the_appointment_page_and_the_diary_link_to_the_measures(service, client_for, referral) -> None:
    appointment = contact(referral=referral, clinician=service.staff[HIT], days_ago=1)
    page = client_for(HIT).get(reverse("scheduling:appointment", args=[appointment.pk])).content.decode()
    assert _url(appointment) in page
    day = appointment.starts_at.date().isoformat()
    diary = client_for(HIT).get(reverse("scheduling:my_week") + f"?date={day}").content.decode()
    assert _url(appointment) in diary


def test_the_appointment_page_says_which_pair_scores_are_missing_and_shows_item9_on_the_banner(
    service, client_for, referral
) -> None:
    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    url = reverse("scheduling:appointment", args=[appointment.pk])
    page = client_for(HIT).get(url).content.decode()
    assert 'data-testid="pair-missing"' in page and "PHQ-9 and GAD-7 are not recorded" in page
    scores(appointment=appointment, by=clinician, PHQ9=phq9(12, item9=1))
    page = client_for(HIT).get(url).content.decode()
    assert "GAD-7 is not recorded" in page and 'data-testid="banner-item9"' in page
    scores(appointment=appointment, by=clinician, GAD7=[1] * 7)
    assert 'data-testid="pair-missing"' not in client_for(HIT).get(url).content.decode()


def test_item9_above_zero_at_a_session_blocks_signing_its_note_until_the_risk_check_is_recorded(
    service, client_for, referral
) -> None:
    from stepcare.records import actions as record_actions
    from tests.factories.records import SessionNoteFactory

    clinician = service.staff[HIT]
    appointment = contact(referral=referral, clinician=clinician, days_ago=1)
    scores(appointment=appointment, by=clinician, PHQ9=phq9(14, item9=1))
    note = SessionNoteFactory(
        patient=referral.patient, referral=referral, author=clinician, appointment=appointment, risk_check=""
    )
    page = client_for(HIT).get(reverse("records:document", args=[note.KIND, note.pk])).content.decode()
    assert 'data-testid="item9-prompt"' in page
    with pytest.raises(record_actions.SigningRefused, match="item 9"):
        record_actions.sign_document(by=clinician, document=note, expected_version=note.version)
    response = client_for(HIT).post(
        reverse("records:sign", args=[note.KIND, note.pk]), {"version": note.version}
    )
    assert "PHQ-9 item 9 was answered above 0" in response.content.decode()
    note.refresh_from_db()
    assert not note.is_signed
    note = record_actions.save_draft(
        by=clinician,
        document=note,
        data={"risk_check": "Passive thoughts, no plan or intent; safety plan reviewed."},
        expected_version=note.version,
    )
    signed = record_actions.sign_document(by=clinician, document=note, expected_version=note.version)
    assert signed.is_signed
