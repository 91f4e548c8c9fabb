"""Who can reach what: every URL × every role × own team / other team.

The table is driven from the URL configuration: a new URL without an entry here fails
``test_every_url_has_an_access_rule``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import BreakGlassGrant
from stepcare.patients.models import Patient
from tests.conftest import sign_in
from tests.factories.accounts import MembershipFactory
from tests.factories.patients import PatientFactory, RiskFlagFactory

R = Role
ALL = frozenset(Role)
CLINICIANS = frozenset(
    {R.HIGH_INTENSITY_THERAPIST, R.TRAINEE_HIGH_INTENSITY_THERAPIST, R.PWP, R.CLINICAL_SUPERVISOR}
)
FINDERS = CLINICIANS | {R.SERVICE_MANAGER, R.ADMINISTRATOR, R.EMPLOYMENT_ADVISER, R.IG_OFFICER}
VIEWERS = CLINICIANS | {R.SERVICE_MANAGER, R.ADMINISTRATOR, R.EMPLOYMENT_ADVISER}
EDITORS = CLINICIANS | {R.ADMINISTRATOR}
NOTE_WRITERS = CLINICIANS | {R.EMPLOYMENT_ADVISER}
BREAK_GLASS = CLINICIANS | {R.SERVICE_MANAGER}
IG = frozenset({R.IG_OFFICER})
MANAGERS = frozenset({R.SERVICE_MANAGER})
REFERRERS = CLINICIANS | {R.SERVICE_MANAGER, R.ADMINISTRATOR}
DECIDERS = frozenset({R.HIGH_INTENSITY_THERAPIST, R.PWP, R.CLINICAL_SUPERVISOR})
ALLOCATORS = frozenset({R.CLINICAL_SUPERVISOR, R.SERVICE_MANAGER})
BOOKERS = CLINICIANS | {R.ADMINISTRATOR, R.EMPLOYMENT_ADVISER}
DIARY = BOOKERS | {R.SERVICE_MANAGER}
# Who may see and change a colleague's working pattern and leave (everyone may change their own).
OVERSEERS = frozenset({R.SERVICE_MANAGER, R.CLINICAL_SUPERVISOR})
# The legitimate relationship (docs/adr/0012): an employment adviser reaches a patient, and that
# patient's appointments, only when the patient was referred to them for employment support.
# The patient made here has no such referral, so advisers are refused; see
# test_an_employment_adviser_reaches_only_patients_referred_to_them for the other side.
EA = frozenset({R.EMPLOYMENT_ADVISER})
RELATED_VIEWERS = VIEWERS - EA
RELATED_NOTE_WRITERS = NOTE_WRITERS - EA
RELATED_BOOKERS = BOOKERS - EA
RISK_CLEARERS = CLINICIANS  # clearing a risk concern is a clinician's judgement


@dataclass(frozen=True)
class Rule:
    """Roles that may use the URL for an object in their own team, and in another team."""

    own: frozenset[Role]
    other: frozenset[Role] = frozenset()
    public: bool = False
    method: str = "get"
    kwargs: tuple[str, ...] = field(default=())
    # Refused with 404 rather than 403: the page would otherwise confirm that someone exists.
    hidden: bool = False


ACCESS: dict[str, Rule] = {
    "home": Rule(own=ALL),
    "health": Rule(own=ALL, public=True),
    "accounts:login": Rule(own=ALL, public=True),
    "accounts:logout": Rule(own=ALL, public=True),
    "accounts:mfa_verify": Rule(own=ALL),
    "accounts:mfa_enrol": Rule(own=ALL),
    "patients:search": Rule(own=FINDERS),
    "patients:create": Rule(own=EDITORS),
    "patients:detail": Rule(own=RELATED_VIEWERS, kwargs=("pk",)),
    "patients:edit": Rule(own=EDITORS, kwargs=("pk",)),
    "patients:raise_risk": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("pk",)),
    "patients:clear_risk": Rule(own=RISK_CLEARERS, kwargs=("pk", "flag_pk")),
    "patients:break_glass": Rule(own=BREAK_GLASS, other=BREAK_GLASS, kwargs=("pk",)),
    "patients:access_log": Rule(own=IG, other=IG, kwargs=("pk",)),
    "patients:employment_support": Rule(own=RISK_CLEARERS, method="post", kwargs=("pk",)),
    "patients:record_death": Rule(own=EDITORS, kwargs=("pk",)),
    "accounts:change_password": Rule(own=ALL),
    "accounts:staff_list": Rule(own=MANAGERS),
    "accounts:staff_new": Rule(own=MANAGERS),
    "accounts:staff_detail": Rule(own=MANAGERS, kwargs=("staff_pk",), hidden=True),
    "accounts:staff_end_membership": Rule(
        own=MANAGERS, method="post", kwargs=("staff_pk", "membership_pk"), hidden=True
    ),
    "accounts:staff_reset_mfa": Rule(own=MANAGERS, method="post", kwargs=("staff_pk",), hidden=True),
    "accounts:staff_set_active": Rule(own=MANAGERS, method="post", kwargs=("staff_pk",), hidden=True),
    "audit:break_glass_list": Rule(own=IG),
    "audit:search": Rule(own=IG),
    "audit:review_break_glass": Rule(own=IG, other=IG, method="post", kwargs=("grant_pk",)),
    # Referrals: public forms, then staff pages (about a referral in one's own team)
    "refer:self": Rule(own=ALL, public=True),
    "refer:professional": Rule(own=ALL, public=True),
    "refer:thanks": Rule(own=ALL, public=True),
    "referrals:inbox": Rule(own=REFERRERS),
    "referrals:new": Rule(own=REFERRERS),
    "referrals:import": Rule(own=REFERRERS),
    "referrals:waiting_list": Rule(own=REFERRERS),
    "referrals:directory": Rule(own=REFERRERS),
    "referrals:detail": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:identity": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:screen": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:assessment": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:decide": Rule(own=DECIDERS, kwargs=("referral_pk",)),
    "referrals:problem": Rule(own=DECIDERS, kwargs=("referral_pk",)),
    "referrals:pause": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:resume": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:allocate": Rule(own=ALLOCATORS, kwargs=("referral_pk",)),
    "referrals:step": Rule(own=DECIDERS, kwargs=("referral_pk",)),
    "referrals:signpost": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:letter": Rule(own=REFERRERS, kwargs=("referral_pk", "onward_pk")),
    "referrals:end": Rule(own=DECIDERS, kwargs=("referral_pk",)),
    "referrals:reopen": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    "referrals:entered_in_error": Rule(own=REFERRERS, kwargs=("referral_pk",)),
    # Diary and appointments
    "scheduling:my_week": Rule(own=DIARY),
    "scheduling:clinician_diary": Rule(own=DIARY, kwargs=("clinician_pk",)),
    "scheduling:team_diary": Rule(own=DIARY, kwargs=("team_pk",)),
    "scheduling:room_diary": Rule(own=DIARY, other=DIARY, kwargs=("room_pk",)),  # rooms are the service's
    "scheduling:patient_appointments": Rule(own=RELATED_VIEWERS, kwargs=("pk",)),
    "scheduling:book": Rule(own=RELATED_BOOKERS, kwargs=("pk",)),
    "scheduling:appointment": Rule(own=RELATED_BOOKERS, kwargs=("appointment_pk",)),
    "scheduling:move": Rule(own=RELATED_BOOKERS, kwargs=("appointment_pk",)),
    "scheduling:cancel": Rule(own=RELATED_BOOKERS, kwargs=("appointment_pk",)),
    "scheduling:attendance": Rule(own=RELATED_BOOKERS, method="post", kwargs=("appointment_pk",)),
    "scheduling:rebook": Rule(own=RELATED_BOOKERS, kwargs=("appointment_pk",)),
    "scheduling:follow_up": Rule(own=RELATED_BOOKERS, method="post", kwargs=("appointment_pk",)),
    "scheduling:calendar_settings": Rule(own=ALL),
    "scheduling:groups": Rule(own=BOOKERS),
    "scheduling:group_new": Rule(own=BOOKERS),
    "scheduling:group": Rule(own=RELATED_BOOKERS, kwargs=("group_pk",)),
    "scheduling:group_add_member": Rule(own=RELATED_BOOKERS, kwargs=("group_pk",)),
    "scheduling:group_remove_member": Rule(
        own=RELATED_BOOKERS, method="post", kwargs=("group_pk", "member_pk")
    ),
    "scheduling:group_attendance": Rule(own=RELATED_BOOKERS, kwargs=("group_pk", "appointment_pk")),
    "scheduling:my_availability": Rule(own=ALL),  # one's own pattern and leave
    "scheduling:availability": Rule(own=OVERSEERS, kwargs=("clinician_pk",)),
    "scheduling:add_leave": Rule(own=OVERSEERS, method="post", kwargs=("clinician_pk",)),
    "scheduling:withdraw_leave": Rule(own=OVERSEERS, method="post", kwargs=("clinician_pk", "away_pk")),
    "calendar:feed": Rule(own=ALL, public=True, kwargs=("token",)),  # the secret is the key
    "health_ready": Rule(own=ALL, public=True),
    "accounts:team_new": Rule(own=MANAGERS),
    "scheduling:my_day": Rule(own=DIARY),
    "referrals:patient_referrals": Rule(own=RELATED_VIEWERS, kwargs=("pk",)),
    # The clinical record
    "records:drafts": Rule(own=NOTE_WRITERS),
    # Advice given in general (no patient): one's own, and the team's for supervisors and managers;
    # an addendum by its author or a supervisor of its team (the entry here is a colleague's).
    "records:consultations": Rule(own=NOTE_WRITERS | MANAGERS),
    "records:consultation_addendum": Rule(
        own=frozenset({R.CLINICAL_SUPERVISOR}), method="post", kwargs=("consultation_pk",)
    ),
    "records:record": Rule(own=RELATED_NOTE_WRITERS, kwargs=("pk",)),
    "records:new": Rule(own=RELATED_NOTE_WRITERS, kwargs=("pk", "kind")),
    "records:consent": Rule(own=RELATED_NOTE_WRITERS, kwargs=("pk",)),
    "records:withdraw_consent": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("pk", "consent_pk")),
    "records:add_person": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("pk",)),
    "records:subject_access": Rule(own=IG, other=IG, kwargs=("pk",)),
    "records:goals": Rule(own=RELATED_NOTE_WRITERS, kwargs=("pk",)),
    "records:rate_goal": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("pk", "goal_pk")),
    "records:appointment_note": Rule(own=RELATED_NOTE_WRITERS, kwargs=("appointment_pk",)),
    "records:document": Rule(own=RELATED_NOTE_WRITERS, kwargs=("kind", "doc_pk")),
    "records:edit": Rule(own=RELATED_NOTE_WRITERS, kwargs=("kind", "doc_pk")),
    "records:sign": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("kind", "doc_pk")),
    "records:addendum": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("kind", "doc_pk")),
    "records:dispatch": Rule(own=RELATED_NOTE_WRITERS, method="post", kwargs=("kind", "doc_pk")),
    "records:pdf": Rule(own=RELATED_NOTE_WRITERS, kwargs=("kind", "doc_pk")),
    # Outcome monitoring: clinicians record and see scores; service managers see them
    "outcomes:caseload": Rule(own=CLINICIANS),
    "outcomes:contact": Rule(own=CLINICIANS, kwargs=("appointment_pk",)),
    "outcomes:entered_in_error": Rule(own=CLINICIANS, method="post", kwargs=("appointment_pk",)),
    "outcomes:score": Rule(own=CLINICIANS, method="post"),
    "outcomes:progress": Rule(own=CLINICIANS | MANAGERS, kwargs=("referral_pk",)),
    "outcomes:waiting": Rule(own=CLINICIANS),
    "outcomes:waiting_check": Rule(own=CLINICIANS, kwargs=("referral_pk",)),
    "outcomes:supervisees": Rule(own=frozenset({R.CLINICAL_SUPERVISOR})),
    "outcomes:supervision_pack": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("clinician_pk",)),
    "reporting:dashboard": Rule(own=MANAGERS),
    "reporting:referrals": Rule(own=MANAGERS),
    "reporting:equity": Rule(own=MANAGERS),
    # Export jobs: service managers of the job's team (and its requester); 404 for anyone else
    "exports:dataset": Rule(own=MANAGERS),
    "exports:job": Rule(own=MANAGERS, kwargs=("job_pk",), hidden=True),
    "exports:download": Rule(own=MANAGERS, kwargs=("job_pk",), hidden=True),
    "exports:run_again": Rule(own=MANAGERS, method="post", kwargs=("job_pk",), hidden=True),
    "reporting:service_report": Rule(own=MANAGERS, method="post"),
    "reporting:figures_csv": Rule(own=MANAGERS),
    "reporting:trend_csv": Rule(own=MANAGERS),
    "reporting:endings_csv": Rule(own=MANAGERS),
    "reporting:equity_csv": Rule(own=MANAGERS),
    "reporting:referrals_csv": Rule(own=MANAGERS),
    "reporting:attendance_csv": Rule(own=MANAGERS),
    "reporting:sessions_csv": Rule(own=MANAGERS),
    # Supervision records, MDT meetings, CPD portfolio, countersignature (docs/adr/0016)
    "supervision:list": Rule(own=CLINICIANS),
    "supervision:supervisee_caseload": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("clinician_pk",)),
    "supervision:record_new": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("clinician_pk",)),
    "supervision:record": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("supervision_pk",)),
    "supervision:action_done": Rule(
        own=frozenset({R.CLINICAL_SUPERVISOR}), method="post", kwargs=("action_pk",)
    ),
    "supervision:awaiting": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("clinician_pk",)),
    # Adding actions to / correcting a supervision discussion between two others of the team
    "supervision:discussion_actions": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("discussion_pk",)),
    "supervision:correct": Rule(own=frozenset({R.CLINICAL_SUPERVISOR}), kwargs=("discussion_pk",)),
    "supervision:countersign": Rule(
        own=frozenset({R.CLINICAL_SUPERVISOR}), method="post", kwargs=("kind", "doc_pk")
    ),
    "supervision:meetings": Rule(own=CLINICIANS),
    "supervision:meeting_new": Rule(own=CLINICIANS),
    "supervision:meeting": Rule(own=CLINICIANS, kwargs=("meeting_pk",)),
    "supervision:agenda": Rule(own=CLINICIANS, kwargs=("meeting_pk",)),
    "supervision:decision": Rule(own=CLINICIANS, method="post", kwargs=("meeting_pk", "discussion_pk")),
    "supervision:portfolio": Rule(own=CLINICIANS),
    "supervision:portfolio_pdf": Rule(own=CLINICIANS),
    "supervision:portfolio_csv": Rule(own=CLINICIANS),
    # One's own API tokens (the API itself is covered in tests/integration/api/)
    "tokens:list": Rule(own=ALL),
}


def _names(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # Django's admin: superusers only, tested separately
            if p.namespace == "api_v1":
                # The REST API answers bearer tokens with JSON (401/404 problem+json), never a
                # sign-in redirect or refusal page: tests/integration/api/test_api_access.py
                # covers every one of its routes across roles and teams.
                continue
            found += _names(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif p.name:
            found.append((f"{prefix}{p.name}", p))
    return found


URL_NAMES = sorted(name for name, _ in _names(get_resolver()))


def test_every_url_has_an_access_rule() -> None:
    missing = [name for name in URL_NAMES if name not in ACCESS]
    assert not missing, f"Add these URLs to ACCESS in {__file__}: {missing}"
    stale = [name for name in ACCESS if name not in URL_NAMES]
    assert not stale, f"ACCESS names URLs that no longer exist: {stale}"


def _url(name: str, rule: Rule, team, service) -> tuple[str, object]:
    patient = PatientFactory(team=team, family_name="Quillfeather", given_name="Oriel")
    values: dict[str, int] = {}
    if "pk" in rule.kwargs:
        values["pk"] = patient.pk
    if "flag_pk" in rule.kwargs:
        values["flag_pk"] = RiskFlagFactory(patient=patient, raised_by=service.staff[R.PWP]).pk
    if "staff_pk" in rule.kwargs:
        membership = MembershipFactory(team=team, role=R.PWP, user__username=f"colleague{team.pk}")
        values["pk"] = membership.user.pk
        if "membership_pk" in rule.kwargs:
            values["membership_pk"] = membership.pk
    if "grant_pk" in rule.kwargs:
        grant = BreakGlassGrant.objects.create(
            user=service.staff[R.PWP], patient=patient, reason="Emergency contact from the crisis team"
        )
        values["pk"] = grant.pk
    _scheduling_url_values(rule, team, service, patient, values)
    _referral_url_values(rule, team, service, patient, values)
    _records_url_values(rule, service, patient, values)
    _consultation_url_values(rule, team, values)
    _exports_url_values(rule, team, values)
    _supervision_url_values(rule, team, service, patient, values)
    return reverse(name, kwargs=values), patient


def _exports_url_values(rule: Rule, team, values: dict) -> None:
    from stepcare.exports.models import ExportJob

    if "job_pk" in rule.kwargs:
        requester = MembershipFactory(team=team, role=R.SERVICE_MANAGER).user
        job = ExportJob.objects.create(
            kind="dataset",
            team=team,
            requested_by=requester,
            params={"start": "2026-10-01", "end": "2026-10-31"},
        )
        values["job_pk"] = job.pk


def _scheduling_url_values(rule: Rule, team, service, patient, values: dict) -> None:
    from stepcare.scheduling import actions as scheduling_actions
    from tests.factories.accounts import RoomFactory, SiteFactory
    from tests.factories.scheduling import UnavailabilityFactory, book, participant, start_group

    if "group_pk" in rule.kwargs:
        group = start_group(team=team)
        values["group_pk"] = group.pk
        member = scheduling_actions.add_group_member(
            by=service.staff[R.PWP], group=group, participant=participant(patient)
        )
        if "member_pk" in rule.kwargs:
            values["member_pk"] = member.pk
        if "appointment_pk" in rule.kwargs:
            values["appointment_pk"] = group.sessions.order_by("starts_at").first().pk
    elif "appointment_pk" in rule.kwargs:
        values["appointment_pk"] = book(participants=[participant(patient)]).pk
    if "clinician_pk" in rule.kwargs:
        clinician = MembershipFactory(team=team, role=R.PWP).user
        values["clinician_pk"] = clinician.pk
        if "away_pk" in rule.kwargs:
            values["away_pk"] = UnavailabilityFactory(clinician=clinician).pk
    if "team_pk" in rule.kwargs:
        values["team_pk"] = team.pk
    if "room_pk" in rule.kwargs:
        values["room_pk"] = RoomFactory(site=SiteFactory(service=team.service)).pk
    if "token" in rule.kwargs:
        values["token"] = scheduling_actions.create_calendar_feed(by=service.staff[R.PWP])[1]


def _referral_url_values(rule: Rule, team, service, patient, values: dict) -> None:
    from tests.factories.referrals import OnwardReferralFactory, ReferralFactory

    if "referral_pk" in rule.kwargs:
        referral = ReferralFactory(team=team, patient=patient)
        values["referral_pk"] = referral.pk
        if "onward_pk" in rule.kwargs:
            values["onward_pk"] = OnwardReferralFactory(referral=referral, made_by=service.staff[R.PWP]).pk


def _records_url_values(rule: Rule, service, patient, values: dict) -> None:
    from tests.factories.records import ConsentFactory, GoalFactory, SessionNoteFactory

    if "kind" in rule.kwargs:
        values["kind"] = "session-note"
    if "doc_pk" in rule.kwargs:
        values["doc_pk"] = SessionNoteFactory(patient=patient, author=service.staff[R.PWP]).pk
    if "consent_pk" in rule.kwargs:
        values["consent_pk"] = ConsentFactory(patient=patient, recorded_by=service.staff[R.PWP]).pk
    if "goal_pk" in rule.kwargs:
        values["goal_pk"] = GoalFactory(patient=patient, set_by=service.staff[R.PWP]).pk


def _consultation_url_values(rule: Rule, team, values: dict) -> None:
    """Advice a colleague in the team gave in general (about no patient)."""
    import datetime as dt

    from stepcare.records.models import GeneralConsultation

    if "consultation_pk" in rule.kwargs:
        colleague = MembershipFactory(team=team, role=R.PWP).user
        values["consultation_pk"] = GeneralConsultation.objects.create(
            team=team,
            author=colleague,
            given_on=dt.date.today(),
            asked_by_name="Dr Ashdown",
            question="How should a GP refer someone with panic attacks?",
            advice="Self-referral online, or the GP referral form.",
        ).pk


def _supervision_url_values(rule: Rule, team, service, patient, values: dict) -> None:
    """A supervision session between two other members of the team (so only supervisors
    reach it), and an MDT meeting of the team, each discussing the patient."""
    import datetime as dt

    from stepcare.supervision.models import CaseAction, CaseDiscussion, MdtMeeting, SupervisionSession

    supervision_discussion = "discussion_pk" in rule.kwargs and "meeting_pk" not in rule.kwargs
    if "supervision_pk" in rule.kwargs or "action_pk" in rule.kwargs or supervision_discussion:
        supervisor = MembershipFactory(team=team, role=R.CLINICAL_SUPERVISOR).user
        supervisee = MembershipFactory(team=team, role=R.PWP).user
        session = SupervisionSession.objects.create(
            team=team,
            supervisor=supervisor,
            supervisee=supervisee,
            held_on=dt.date.today(),
            duration_minutes=60,
            recorded_by=supervisor,
        )
        discussion = CaseDiscussion.objects.create(supervision=session, patient=patient, added_by=supervisor)
        if "supervision_pk" in rule.kwargs:
            values["supervision_pk"] = session.pk
        if supervision_discussion:
            values["discussion_pk"] = discussion.pk
        if "action_pk" in rule.kwargs:
            action = CaseAction.objects.create(
                discussion=discussion,
                description="Review the plan",
                owner=supervisee,
                due_on=dt.date.today(),
                created_by=supervisor,
            )
            values["action_pk"] = action.pk
    if "meeting_pk" in rule.kwargs:
        meeting = MdtMeeting.objects.create(
            team=team, held_on=dt.date.today(), created_by=service.staff[R.PWP]
        )
        values["meeting_pk"] = meeting.pk
        if "discussion_pk" in rule.kwargs:
            values["discussion_pk"] = CaseDiscussion.objects.create(
                meeting=meeting, patient=patient, added_by=service.staff[R.PWP]
            ).pk


# Every URL for an object in one's own team; URLs about an object also for another team's.
CELLS = [(name, "own") for name in URL_NAMES] + [
    (name, "other") for name in URL_NAMES if ACCESS.get(name, Rule(own=ALL)).kwargs
]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(("name", "whose"), CELLS)
def test_role_reaches_exactly_what_it_should(service, name: str, role: Role, whose: str) -> None:
    rule = ACCESS[name]
    team = service.team if whose == "own" else service.other_team
    url, patient = _url(name, rule, team, service)
    client = sign_in(Client(), service.staff[role])
    response = getattr(client, rule.method)(url)
    allowed = role in (rule.own if whose == "own" else rule.other) or rule.public
    if allowed:
        assert response.status_code in {200, 302, 400}, (name, role, response.status_code)
        if response.status_code == 302:
            assert "/account/sign-in/" not in response["Location"]
    else:
        refused = {403, 404} if rule.hidden else {403}
        assert response.status_code in refused, (name, role, whose, response.status_code)
        body = response.content.decode()
        assert patient.family_name not in body and patient.family_name.upper() not in body
        assert patient.nhs_number not in body


@pytest.mark.parametrize("name", URL_NAMES)
def test_signed_out_visitors_are_sent_to_sign_in(service, name: str) -> None:
    rule = ACCESS[name]
    url, _patient = _url(name, rule, service.team, service)
    response = getattr(Client(), rule.method)(url)
    if rule.public:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_admin_site_is_refused_to_staff_who_are_not_superusers(client_for) -> None:
    response = client_for(R.HIGH_INTENSITY_THERAPIST).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_employment_adviser_reaches_only_patients_referred_to_them(service) -> None:
    from stepcare.patients.models import RiskFlag
    from tests.factories.scheduling import book, participant

    adviser = service.staff[R.EMPLOYMENT_ADVISER]
    referred = PatientFactory(team=service.team, family_name="Wetherby")
    not_referred = PatientFactory(team=service.team, family_name="Ravensworth")
    clinician = sign_in(Client(), service.staff[R.HIGH_INTENSITY_THERAPIST])
    page = clinician.get(reverse("patients:detail", args=[referred.pk])).content.decode()
    assert "Refer for employment support" in page
    response = clinician.post(
        reverse("patients:employment_support", args=[referred.pk]), {"adviser": adviser.pk}
    )
    assert response.status_code == 302
    client = sign_in(Client(), adviser)
    assert client.get(reverse("patients:detail", args=[referred.pk])).status_code == 200
    assert client.get(reverse("patients:detail", args=[not_referred.pk])).status_code == 403
    ours = book(participants=[participant(referred)])
    theirs = book(participants=[participant(not_referred)])
    assert client.get(reverse("scheduling:appointment", args=[ours.pk])).status_code == 200
    assert client.get(reverse("scheduling:appointment", args=[theirs.pk])).status_code == 403
    found = client.get(reverse("patients:search"), {"q": "wetherby"}).content.decode()
    assert referred.formatted_nhs_number in found
    hidden = client.get(reverse("patients:search"), {"q": "ravensworth"}).content.decode()
    assert not_referred.formatted_nhs_number not in hidden and "RAVENSWORTH," not in hidden
    # An adviser may raise a risk concern, but clearing one is a clinician's judgement.
    assert (
        client.post(
            reverse("patients:raise_risk", args=[referred.pk]), {"summary": "Said work feels hopeless."}
        ).status_code
        == 302
    )
    flag = RiskFlag.objects.get(patient=referred)
    assert client.get(reverse("patients:clear_risk", args=[referred.pk, flag.pk])).status_code == 403
    assert (
        "No longer current" not in client.get(reverse("patients:detail", args=[referred.pk])).content.decode()
    )
    clinician.post(
        reverse("patients:employment_support", args=[referred.pk]), {"adviser": adviser.pk, "end": "1"}
    )
    assert client.get(reverse("patients:detail", args=[referred.pk])).status_code == 403


# Forms posted with another team's ids ---------------------------------------------------------
# Every page a role may use in its own team is sent its form with each id field pointing at
# another team's object (patient, referral, clinician, room, site, team, appointment
# attendee). Nothing may be written about that object, and nothing of it may show.

ID_FIELDS = {
    "patient": "patient",
    "referral": "referral",
    "partner_referral": "referral",
    "clinician": "clinician",
    "therapist": "clinician",
    "facilitators": "clinician",
    "room": "room",
    "site": "site",
    "team": "team",
    "attendee": "attendee",
    "member": "attendee",
}
_FIELD_NAME = re.compile(r'\bname="([^"]+)"')


def _foreign_objects(service) -> dict[str, object]:
    from tests.factories.accounts import RoomFactory, ServiceFactory, SiteFactory
    from tests.factories.referrals import AllocatedReferralFactory
    from tests.factories.scheduling import book, participant

    patient = PatientFactory(
        team=service.other_team, family_name="Farthingale", given_name="Imogen", postcode="ZZ9 9ZZ"
    )
    referral = AllocatedReferralFactory(patient=patient)
    clinician = MembershipFactory(team=service.other_team, role=R.HIGH_INTENSITY_THERAPIST).user
    elsewhere = SiteFactory(service=ServiceFactory(name="Another provider's service"))
    appointment = book(clinician=clinician, participants=[participant(patient)])
    return {
        "patient": patient,
        "referral": referral,
        "clinician": clinician,
        "room": RoomFactory(site=elsewhere),
        "site": elsewhere,
        "team": service.other_team,
        "attendee": appointment.attendees.get(),
    }


def _writes_about(foreign: dict[str, object]) -> tuple[int, ...]:
    from stepcare.audit.models import AuditEvent
    from stepcare.referrals.models import Allocation, Referral
    from stepcare.scheduling.models import Appointment, AppointmentClinician, GroupMember

    patient, clinician = foreign["patient"], foreign["clinician"]
    return (
        AuditEvent.objects.filter(patient=patient, action__in=["create", "update"]).count(),
        Referral.objects.filter(patient=patient).count(),
        Referral.objects.filter(team=foreign["team"]).count(),
        AppointmentClinician.objects.filter(clinician=clinician).count(),
        Appointment.objects.filter(room=foreign["room"]).count(),
        Allocation.objects.filter(therapist=clinician).count(),
        GroupMember.objects.filter(patient=patient).count(),
        Patient.objects.filter(team=foreign["team"]).count(),
    )


POST_CELLS = [name for name in URL_NAMES if ACCESS[name].own and not ACCESS[name].public]


@pytest.mark.parametrize("name", POST_CELLS)
def test_forms_posted_with_another_teams_ids_write_and_show_nothing_of_them(service, name: str) -> None:
    rule = ACCESS[name]
    role = next(
        (r for r in (R.CLINICAL_SUPERVISOR, R.HIGH_INTENSITY_THERAPIST, R.ADMINISTRATOR) if r in rule.own),
        min(rule.own),
    )
    url, _patient = _url(name, rule, service.team, service)
    foreign = _foreign_objects(service)
    client = sign_in(Client(), service.staff[role])
    got = client.get(url)
    page = (b"".join(got.streaming_content) if got.streaming else got.content).decode(errors="replace")
    fields = set(_FIELD_NAME.findall(page)) | {"patient", "referral", "clinician", "room", "team", "attendee"}
    data = {f: str(foreign[ID_FIELDS[f]].pk) for f in fields if f in ID_FIELDS}  # type: ignore[attr-defined]
    before = _writes_about(foreign)
    response = client.post(url, data)
    assert response.status_code < 500
    assert _writes_about(foreign) == before, (name, data)
    body = response.content.decode(errors="replace")
    patient = foreign["patient"]
    for secret in ("FARTHINGALE", "Farthingale", patient.nhs_number, patient.formatted_nhs_number, "ZZ9 9ZZ"):
        assert secret not in body, (name, secret)
