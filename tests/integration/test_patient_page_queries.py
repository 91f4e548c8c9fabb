"""Every page that shows a patient runs at most 15 queries, whatever the service's size.

One representative URL of each patient page kind is visited by a role that may see it (the
URLs and their objects are built by the access matrix's own helper), over a service where the
patient has a referral allocated to that clinician, appointments in the week shown and on the
day, a risk concern and a signed note; the second visit is counted (the first warms the session
and content-type caches). `test_every_page_is_either_counted_or_named_as_not_a_patient_page`
keeps the list complete: a new URL must be put in one list or the other.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from tests.conftest import sign_in
from tests.integration.test_access_matrix import ACCESS, URL_NAMES, _url

R = Role
MOST_QUERIES = 15

# The patient pages (GET), each with the role it is visited as.
PATIENT_PAGES: dict[str, Role] = {
    "patients:search": R.HIGH_INTENSITY_THERAPIST,
    "patients:detail": R.HIGH_INTENSITY_THERAPIST,
    "patients:edit": R.ADMINISTRATOR,
    "patients:clear_risk": R.HIGH_INTENSITY_THERAPIST,
    "patients:break_glass": R.HIGH_INTENSITY_THERAPIST,
    "patients:access_log": R.IG_OFFICER,
    "patients:record_death": R.ADMINISTRATOR,
    "referrals:inbox": R.CLINICAL_SUPERVISOR,
    "referrals:waiting_list": R.CLINICAL_SUPERVISOR,
    "referrals:detail": R.HIGH_INTENSITY_THERAPIST,
    "referrals:identity": R.HIGH_INTENSITY_THERAPIST,
    "referrals:screen": R.HIGH_INTENSITY_THERAPIST,
    "referrals:assessment": R.HIGH_INTENSITY_THERAPIST,
    "referrals:decide": R.HIGH_INTENSITY_THERAPIST,
    "referrals:problem": R.HIGH_INTENSITY_THERAPIST,
    "referrals:pause": R.HIGH_INTENSITY_THERAPIST,
    "referrals:allocate": R.CLINICAL_SUPERVISOR,
    "referrals:step": R.HIGH_INTENSITY_THERAPIST,
    "referrals:signpost": R.HIGH_INTENSITY_THERAPIST,
    "referrals:letter": R.HIGH_INTENSITY_THERAPIST,
    "referrals:end": R.HIGH_INTENSITY_THERAPIST,
    "referrals:resume": R.HIGH_INTENSITY_THERAPIST,
    "referrals:reopen": R.HIGH_INTENSITY_THERAPIST,
    "referrals:entered_in_error": R.HIGH_INTENSITY_THERAPIST,
    "referrals:patient_referrals": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:my_week": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:my_day": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:clinician_diary": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:team_diary": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:room_diary": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:patient_appointments": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:book": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:appointment": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:move": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:cancel": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:rebook": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:group": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:group_add_member": R.HIGH_INTENSITY_THERAPIST,
    "scheduling:group_attendance": R.HIGH_INTENSITY_THERAPIST,
    "records:drafts": R.HIGH_INTENSITY_THERAPIST,
    "records:record": R.HIGH_INTENSITY_THERAPIST,
    "records:new": R.HIGH_INTENSITY_THERAPIST,
    "records:consent": R.HIGH_INTENSITY_THERAPIST,
    "records:subject_access": R.IG_OFFICER,
    "records:goals": R.HIGH_INTENSITY_THERAPIST,
    "records:document": R.HIGH_INTENSITY_THERAPIST,
    "records:edit": R.HIGH_INTENSITY_THERAPIST,
    "records:pdf": R.HIGH_INTENSITY_THERAPIST,
    "outcomes:caseload": R.HIGH_INTENSITY_THERAPIST,
    "outcomes:contact": R.HIGH_INTENSITY_THERAPIST,
    "outcomes:progress": R.HIGH_INTENSITY_THERAPIST,
    "outcomes:waiting": R.HIGH_INTENSITY_THERAPIST,
    "outcomes:waiting_check": R.HIGH_INTENSITY_THERAPIST,
    "outcomes:supervision_pack": R.CLINICAL_SUPERVISOR,
    "supervision:supervisee_caseload": R.CLINICAL_SUPERVISOR,
    "supervision:record_new": R.CLINICAL_SUPERVISOR,
    "supervision:record": R.CLINICAL_SUPERVISOR,
    "supervision:awaiting": R.CLINICAL_SUPERVISOR,
    "supervision:correct": R.CLINICAL_SUPERVISOR,
    "supervision:discussion_actions": R.CLINICAL_SUPERVISOR,
    "supervision:meeting": R.HIGH_INTENSITY_THERAPIST,
    "supervision:agenda": R.HIGH_INTENSITY_THERAPIST,
}

# Visited for a patient of another team (break-glass is asked for outside one's own teams).
OTHER_TEAM = {"patients:break_glass"}

# Over the limit today, named here so that none is skipped silently.
KNOWN_OVER: dict[str, str] = {}


def _seed(service, role: Role) -> None:
    """The acting clinician's own work: a patient allocated to them with an appointment today
    and one in the week shown, a risk concern and a signed session note."""
    from stepcare.scheduling import actions as scheduling_actions
    from tests.factories.patients import PatientFactory, RiskFlagFactory
    from tests.factories.records import SessionNoteFactory
    from tests.factories.referrals import AllocatedReferralFactory
    from tests.factories.scheduling import book, local

    user = service.staff[role]
    patient = PatientFactory(team=service.team, family_name="Seedling")
    referral = AllocatedReferralFactory(patient=patient, allocated_to=user)
    RiskFlagFactory(patient=patient, raised_by=user)
    SessionNoteFactory(patient=patient, author=user)
    if role in (R.HIGH_INTENSITY_THERAPIST, R.CLINICAL_SUPERVISOR):
        today = timezone.localdate()
        for day in (today, today + dt.timedelta(days=1)):
            book(
                clinician=user,
                participants=[scheduling_actions.Participant(patient, referral)],
                starts_at=local(day, dt.time(16)),
            )


def _seed_colleague(service, clinician_pk: int) -> None:
    from stepcare.accounts.models import User
    from tests.factories.patients import PatientFactory, RiskFlagFactory
    from tests.factories.referrals import AllocatedReferralFactory

    colleague = User.objects.get(pk=clinician_pk)
    for n in range(3):
        patient = PatientFactory(team=service.team, family_name=f"Colleaguecase{n}")
        AllocatedReferralFactory(patient=patient, allocated_to=colleague)
        RiskFlagFactory(patient=patient, raised_by=colleague)


def _counted(client: Client, url: str) -> tuple[int, int, list[str]]:
    client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured), [q["sql"][:230] for q in captured.captured_queries]


def test_every_page_is_either_counted_or_named_as_not_a_patient_page() -> None:
    get_pages = {name for name in URL_NAMES if ACCESS[name].method == "get" and not ACCESS[name].public}
    unlisted = get_pages - set(PATIENT_PAGES) - set(NOT_PATIENT_PAGES)
    assert not unlisted, f"Put these pages in PATIENT_PAGES or NOT_PATIENT_PAGES: {sorted(unlisted)}"
    for name, role in PATIENT_PAGES.items():
        assert role in ACCESS[name].own, (name, role)


@pytest.mark.parametrize("name", sorted(PATIENT_PAGES))
def test_each_patient_page_runs_at_most_15_queries(service, name: str) -> None:
    if name in KNOWN_OVER:
        pytest.xfail(KNOWN_OVER[name])
    role = PATIENT_PAGES[name]
    _seed(service, role)
    team = service.other_team if name in OTHER_TEAM else service.team
    url, _patient = _url(name, ACCESS[name], team, service)
    if "clinician_pk" in ACCESS[name].kwargs:  # the colleague whose caseload is shown has one
        _seed_colleague(service, resolve(url).kwargs["clinician_pk"])
    client = sign_in(Client(), service.staff[role])
    status, queries, sql = _counted(client, url)
    assert status == 200, (name, url, status)
    if queries > MOST_QUERIES:
        pytest.fail(f"{name} ({url}) ran {queries} queries:\n" + "\n".join(sql), pytrace=False)


# GET pages that show no patient (or only counts), each with why.
NOT_PATIENT_PAGES: dict[str, str] = {
    "home": "links and counts only",
    "accounts:mfa_verify": "sign-in",
    "records:appointment_note": "redirects to records:new (counted) or to the note",
    "accounts:mfa_enrol": "sign-in",
    "accounts:change_password": "the user's own account",
    "accounts:staff_list": "staff, not patients",
    "accounts:staff_new": "staff, not patients",
    "accounts:staff_detail": "staff, not patients",
    "accounts:team_new": "teams",
    "audit:break_glass_list": "the IG officer's audit list (names patients; paged, pinned in its own tests)",
    "audit:search": "the IG officer's audit search (paged, pinned in its own tests)",
    "patients:create": "an empty form",
    "referrals:new": "an empty form",
    "referrals:import": "an upload form",
    "referrals:directory": "services to refer on to",
    "scheduling:calendar_settings": "the user's own feed",
    "scheduling:groups": "groups, not patients",
    "scheduling:group_new": "an empty form",
    "scheduling:my_availability": "the user's own working pattern",
    "scheduling:availability": "a colleague's working pattern",
    "outcomes:supervisees": "colleagues, not patients",
    "reporting:dashboard": "aggregate figures",
    "reporting:referrals": "aggregate figures",
    "reporting:equity": "aggregate figures",
    "exports:dataset": "an export form",
    "exports:job": "an export job",
    "exports:download": "a file download",
    "reporting:figures_csv": "aggregate figures",
    "reporting:trend_csv": "aggregate figures",
    "reporting:endings_csv": "aggregate figures",
    "reporting:equity_csv": "aggregate figures",
    "reporting:referrals_csv": "aggregate figures",
    "reporting:attendance_csv": "aggregate figures",
    "reporting:sessions_csv": "aggregate figures",
    "records:consultations": "advice given in general, about no patient",
    "supervision:list": "supervision sessions (names colleagues)",
    "supervision:meetings": "meetings, not patients",
    "supervision:meeting_new": "an empty form",
    "supervision:portfolio": "the clinician's own CPD",
    "supervision:portfolio_pdf": "the clinician's own CPD",
    "supervision:portfolio_csv": "the clinician's own CPD",
    "tokens:list": "the user's own API tokens",
}


# The pages a working day goes through, counted for every role that opens them (the list above
# counts each page once, for one role): an administrator's and a supervisor's appointment page
# read the banner's patient twice (16 queries) until it was read with the attendees.
EVERY_ROLE_PAGES = (
    "scheduling:appointment",
    "scheduling:my_week",
    "scheduling:team_diary",
    "scheduling:clinician_diary",
    "scheduling:patient_appointments",
    "patients:detail",
    "records:record",
    "referrals:detail",
)


@pytest.mark.parametrize(
    ("name", "role"), [(name, role) for name in EVERY_ROLE_PAGES for role in sorted(ACCESS[name].own)]
)
def test_the_working_days_pages_run_at_most_15_queries_for_every_role(service, name: str, role: Role) -> None:
    _seed(service, role)
    url, _patient = _url(name, ACCESS[name], service.team, service)
    client = sign_in(Client(), service.staff[role])
    status, queries, sql = _counted(client, url)
    assert status == 200, (name, role, url, status)  # each role named as opening the page opens it
    if queries > MOST_QUERIES:
        pytest.fail(f"{name} ({url}) as {role} ran {queries} queries:\n" + "\n".join(sql), pytrace=False)


@pytest.mark.parametrize("role", [R.CLINICAL_SUPERVISOR, R.ADMINISTRATOR, R.HIGH_INTENSITY_THERAPIST])
def test_an_attended_sessions_page_runs_at_most_15_queries_for_those_who_open_it(service, role: Role) -> None:
    """An attended treatment session with no scores shows the pair's gap and the patient's
    banner: the banner's patient is read with the attendees, not again (16 queries to 13)."""
    from tests.factories.patients import PatientFactory, RiskFlagFactory
    from tests.factories.referrals import AllocatedReferralFactory
    from tests.factories.scheduling import attend

    hit = service.staff[R.HIGH_INTENSITY_THERAPIST]
    patient = PatientFactory(team=service.team)
    RiskFlagFactory(patient=patient, raised_by=hit)
    referral = AllocatedReferralFactory(patient=patient, allocated_to=hit)
    attendee = attend(referral, clinician=hit)
    client = sign_in(Client(), service.staff[role])
    status, queries, sql = _counted(client, reverse("scheduling:appointment", args=[attendee.appointment_id]))
    assert status == 200
    assert queries <= 13, "\n".join(sql)


def test_a_move_page_reads_only_the_histories_it_shows(service) -> None:
    """A page making one move on a referral (allocating it) showed the referral's summary but
    read all six of its histories: 16 queries for a referral screened by someone (the people it
    names are read too). It reads none of them now."""
    from tests.factories.patients import PatientFactory
    from tests.factories.referrals import ReferralFactory

    supervisor = service.staff[R.CLINICAL_SUPERVISOR]
    referral = ReferralFactory(
        team=service.team,
        patient=PatientFactory(team=service.team),
        status="waiting",
        step="3",
        screened_by=supervisor,
    )
    client = sign_in(Client(), supervisor)
    status, queries, sql = _counted(client, reverse("referrals:allocate", args=[referral.pk]))
    assert status == 200
    assert queries <= 11, "\n".join(sql)
