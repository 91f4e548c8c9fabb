"""The synthetic demo service: one provider, one service, three teams, staff, patients.

Everything here is invented. NHS numbers come from the range that is never issued to real
people (999 000 0000 – 999 999 9999), phone numbers from Ofcom's drama ranges and email
addresses from example domains. The generator is deterministic for a given ``seed`` and grows
step by step: later capabilities (referrals, appointments, measures, notes) add steps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from nhs_number.validate import calculate_checksum

from stepcare.accounts.models import Membership, Organisation, Room, Service, Site, Team, User
from stepcare.accounts.permissions import Role
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.codes import (
    EmploymentStatus,
    GenderIdentity,
    Language,
    LongTermCondition,
    StatedSex,
)
from stepcare.patients.models import Patient, RiskFlag

DEMO_PASSWORD = "stepcare-demo-password"
DEMO_ODS_CODE = "X9D"

# Approximate mix for adults in England (2021 census), by NHS ethnic category code.
ETHNICITY_WEIGHTS = {
    "A": 73.5,
    "B": 0.9,
    "C": 6.3,
    "D": 0.9,
    "E": 0.5,
    "F": 0.8,
    "G": 0.9,
    "H": 3.1,
    "J": 2.7,
    "K": 1.1,
    "L": 1.6,
    "M": 1.1,
    "N": 2.5,
    "P": 0.5,
    "R": 0.8,
    "S": 1.6,
    "Z": 1.0,
}
EMPLOYMENT_WEIGHTS = {
    EmploymentStatus.EMPLOYED: 55,
    EmploymentStatus.UNEMPLOYED_SEEKING_WORK: 9,
    EmploymentStatus.STUDENT: 8,
    EmploymentStatus.LONG_TERM_SICK_OR_DISABLED: 9,
    EmploymentStatus.HOMEMAKER: 5,
    EmploymentStatus.NOT_WORKING_NOT_SEEKING: 3,
    EmploymentStatus.VOLUNTEER: 1,
    EmploymentStatus.RETIRED: 8,
    EmploymentStatus.NOT_STATED: 2,
}
LANGUAGE_WEIGHTS = {
    Language.ENGLISH: 92,
    Language.POLISH: 1.5,
    Language.URDU: 1.2,
    Language.PUNJABI: 0.8,
    Language.BENGALI: 0.6,
    Language.ARABIC: 0.8,
    Language.ROMANIAN: 0.8,
    Language.PORTUGUESE: 0.5,
    Language.SOMALI: 0.4,
    Language.BRITISH_SIGN_LANGUAGE: 0.3,
    Language.UKRAINIAN: 0.6,
}

TEAMS = ("North team", "Central team", "South team")

# (username, first name, last name, job title, [(team index, role), ...])
STAFF: tuple[tuple[str, str, str, str, list[tuple[int, Role]]], ...] = (
    (
        "amara.okafor",
        "Amara",
        "Okafor",
        "Clinical lead and supervisor",
        [(0, Role.CLINICAL_SUPERVISOR), (1, Role.CLINICAL_SUPERVISOR)],
    ),
    ("ben.hughes", "Ben", "Hughes", "High-intensity CBT therapist", [(0, Role.HIGH_INTENSITY_THERAPIST)]),
    ("chloe.evans", "Chloe", "Evans", "High-intensity CBT therapist", [(0, Role.HIGH_INTENSITY_THERAPIST)]),
    (
        "daniel.price",
        "Daniel",
        "Price",
        "Trainee high-intensity therapist",
        [(0, Role.TRAINEE_HIGH_INTENSITY_THERAPIST)],
    ),
    ("ella.ward", "Ella", "Ward", "Psychological wellbeing practitioner", [(0, Role.PWP)]),
    ("farah.iqbal", "Farah", "Iqbal", "High-intensity therapist (IPT)", [(1, Role.HIGH_INTENSITY_THERAPIST)]),
    ("george.lloyd", "George", "Lloyd", "High-intensity CBT therapist", [(1, Role.HIGH_INTENSITY_THERAPIST)]),
    ("hannah.byrne", "Hannah", "Byrne", "Psychological wellbeing practitioner", [(1, Role.PWP)]),
    (
        "isaac.mensah",
        "Isaac",
        "Mensah",
        "Clinical supervisor and CBT therapist",
        [(2, Role.CLINICAL_SUPERVISOR), (2, Role.HIGH_INTENSITY_THERAPIST)],
    ),
    ("jess.taylor", "Jess", "Taylor", "Counsellor for depression", [(2, Role.HIGH_INTENSITY_THERAPIST)]),
    ("kieran.shaw", "Kieran", "Shaw", "Psychological wellbeing practitioner", [(2, Role.PWP)]),
    (
        "laura.bennett",
        "Laura",
        "Bennett",
        "Service manager",
        [(0, Role.SERVICE_MANAGER), (1, Role.SERVICE_MANAGER), (2, Role.SERVICE_MANAGER)],
    ),
    ("mo.rahman", "Mo", "Rahman", "Administrator", [(0, Role.ADMINISTRATOR), (1, Role.ADMINISTRATOR)]),
    ("nadia.kowalska", "Nadia", "Kowalska", "Administrator", [(2, Role.ADMINISTRATOR)]),
    (
        "owen.clarke",
        "Owen",
        "Clarke",
        "Employment adviser",
        [(0, Role.EMPLOYMENT_ADVISER), (1, Role.EMPLOYMENT_ADVISER), (2, Role.EMPLOYMENT_ADVISER)],
    ),
    (
        "priya.nair",
        "Priya",
        "Nair",
        "Information-governance officer",
        [(0, Role.IG_OFFICER), (1, Role.IG_OFFICER), (2, Role.IG_OFFICER)],
    ),
)

CLINICAL_ROLES = {
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
}


def demo_totp_key(seed: int, username: str) -> str:
    """A fixed TOTP key (40 hex digits) for a demo account, so the demo is repeatable."""
    return hashlib.sha256(f"stepcare-demo-{seed}-{username}".encode()).hexdigest()[:40]


def synthetic_nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the range never issued to real people (999 …)."""
    while True:
        stem = f"999{rng.randrange(0, 1_000_000):06d}"
        check = calculate_checksum(stem)
        if check is not None and check < 10:
            return f"{stem}{check}"


@dataclass
class DemoAccount:
    username: str
    name: str
    roles: str
    totp_key: str


@dataclass
class DemoResult:
    organisation: Organisation
    accounts: list[DemoAccount] = field(default_factory=list)
    patients: int = 0


class DemoBuilder:
    """Builds the demo service in steps; each step uses the same seeded random source."""

    def __init__(self, *, seed: int = 2026, patients: int = 600) -> None:
        self.seed = seed
        self.patient_count = patients
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.teams: list[Team] = []
        self.staff: dict[str, User] = {}

    @transaction.atomic
    def build(self) -> DemoResult:
        org = self.build_organisation()
        result = DemoResult(organisation=org)
        result.accounts = self.build_staff()
        result.patients = self.build_patients()
        for step in self.later_steps():
            step(self)
        record(
            by=None,
            action=AuditEvent.Action.CREATE,
            username="stepcare demo",
            detail={"demo": True, "seed": self.seed, "patients": result.patients},
        )
        return result

    def later_steps(self) -> list[Callable[[DemoBuilder], None]]:
        """Steps added by later capabilities (referrals, appointments, measures, notes).

        Each is a function of the builder, kept in the capability's own module under
        ``stepcare/demo/`` and listed here in the order they must run.
        """
        from stepcare.demo.deprivation import load_deprivation
        from stepcare.demo.employment import build_employment_support
        from stepcare.demo.outcomes import build_outcomes
        from stepcare.demo.records import build_records
        from stepcare.demo.referrals import build_referrals
        from stepcare.demo.scheduling import build_diary
        from stepcare.demo.story import tell_one_story
        from stepcare.demo.supervision import build_supervision

        # The diary comes after the referrals step: appointments belong to referrals.
        return [
            build_referrals,
            build_diary,
            tell_one_story,
            build_records,
            build_outcomes,
            build_employment_support,
            load_deprivation,
            build_supervision,
        ]

    def build_organisation(self) -> Organisation:
        org = Organisation.objects.create(
            name="Northbrook Health NHS Foundation Trust (demo)", ods_code=DEMO_ODS_CODE
        )
        service = Service.objects.create(organisation=org, name="Northbrook Talking Therapies")
        self.teams = [Team.objects.create(service=service, name=name) for name in TEAMS]
        for site_name, postcode in (
            ("Riverside Health Centre", "NB1 2AB"),
            ("Market Street Clinic", "NB3 4CD"),
            ("Southfield Wellbeing Hub", "NB7 8EF"),
        ):
            site = Site.objects.create(
                service=service, name=site_name, postcode=postcode, address=f"{site_name}\nNorthbrook"
            )
            for n in range(1, 4):
                Room.objects.create(site=site, name=f"Room {n}", capacity=2)
            Room.objects.create(site=site, name="Group room", capacity=12)
        return org

    def build_staff(self) -> list[DemoAccount]:
        accounts = []
        password_hash = make_password(DEMO_PASSWORD)  # one Argon2 hash shared by demo accounts
        for username, first, last, title, memberships in STAFF:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                job_title=title,
                email=f"{username}@example.nhs.uk",
            )
            user.password = password_hash
            user.save()
            if username == "laura.bennett":
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            for team_index, role in memberships:
                Membership.objects.create(user=user, team=self.teams[team_index], role=role)
            key = demo_totp_key(self.seed, username)
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
            self.staff[username] = user
            accounts.append(
                DemoAccount(
                    username=username,
                    name=f"{first} {last}",
                    roles=", ".join(sorted({r.label for _, r in memberships})),
                    totp_key=key,
                )
            )
        return accounts

    def _clinicians_by_team(self) -> dict[int, list[User]]:
        by_team: dict[int, list[User]] = {t.pk: [] for t in self.teams}
        memberships = Membership.objects.filter(role__in=[r.value for r in CLINICAL_ROLES]).select_related(
            "user"
        )
        for m in memberships.order_by("id"):
            by_team[m.team_id].append(m.user)
        return by_team

    def _weighted(self, weights: dict) -> str:  # type: ignore[type-arg]
        return str(self.rng.choices(list(weights), weights=list(weights.values()))[0])

    def build_patients(self) -> int:
        rng, fake = self.rng, self.fake
        today = timezone.localdate()
        clinicians = self._clinicians_by_team()
        used_numbers: set[str] = set()
        patients = []
        ltcs = list(LongTermCondition.values)
        practices = [(f"Y9{n:04d}", f"{fake.last_name()} Medical Practice") for n in range(1, 13)]
        for _ in range(self.patient_count):
            sex = rng.choices([StatedSex.FEMALE, StatedSex.MALE], weights=[64, 36])[0]
            given = fake.first_name_female() if sex == StatedSex.FEMALE else fake.first_name_male()
            gender = {StatedSex.FEMALE: GenderIdentity.FEMALE, StatedSex.MALE: GenderIdentity.MALE}[sex]
            if rng.random() < 0.02:
                gender = GenderIdentity.NON_BINARY
            age = min(90, max(18, int(rng.gauss(38, 14))))
            dob = today - dt.timedelta(days=age * 365 + rng.randrange(0, 365))
            nhs = None
            if rng.random() > 0.03:
                nhs = synthetic_nhs_number(rng)
                while nhs in used_numbers:
                    nhs = synthetic_nhs_number(rng)
                used_numbers.add(nhs)
            language = self._weighted(LANGUAGE_WEIGHTS)
            team = rng.choice(self.teams)
            employment = self._weighted(EMPLOYMENT_WEIGHTS)
            if age >= 67 and rng.random() < 0.8:
                employment = EmploymentStatus.RETIRED
            mobile = f"07700 900{rng.randrange(0, 1000):03d}"
            practice_code, practice_name = rng.choice(practices)
            patient = Patient(
                nhs_number=nhs,
                given_name=given,
                family_name=fake.last_name(),
                date_of_birth=dob,
                stated_sex=sex,
                gender_identity=gender,
                ethnic_category=self._weighted(ETHNICITY_WEIGHTS),
                preferred_language=language,
                interpreter_required=language not in {Language.ENGLISH} and rng.random() < 0.6,
                employment_status=employment,
                long_term_conditions=rng.sample(ltcs, k=rng.choice([1, 1, 2])) if rng.random() < 0.28 else [],
                address=f"{fake.building_number()} {fake.street_name()}\nNorthbrook",
                postcode=self._postcode(),
                phone_mobile=mobile,
                phone_home=f"0113 496 {rng.randrange(0, 1000):04d}" if rng.random() < 0.3 else "",
                email=f"{given.lower()}.{rng.randrange(10, 99)}@example.com" if rng.random() < 0.7 else "",
                may_phone=True,
                may_text=rng.random() < 0.85,
                may_email=False,
                may_post=rng.random() < 0.9,
                safe_to_leave_message=rng.random() < 0.6,
                gp_practice_code=practice_code,
                gp_practice_name=practice_name,
                team=team,
                allocated_clinician=rng.choice(clinicians[team.pk]) if rng.random() < 0.4 else None,
                sensitive=rng.random() < 0.01,
            )
            patient.may_email = bool(patient.email) and rng.random() < 0.5
            patient.refresh_search_keys()
            patients.append(patient)
        Patient.objects.bulk_create(patients, batch_size=500)
        self._build_risk_flags()
        return len(patients)

    def _postcode(self) -> str:
        """A postcode in the fictional NB (Northbrook) area."""
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        rng = self.rng
        return f"NB{rng.randrange(1, 10)} {rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"

    def _build_risk_flags(self) -> None:
        clinicians = self._clinicians_by_team()
        summaries = [
            "Passive thoughts of being better off dead most days; no plan or intent. Safety plan agreed.",
            "Recent self-harm (cutting) two weeks ago; seen by GP. Safety plan in place, reviewed weekly.",
            "Disclosed domestic abuse; safeguarding referral made. Do not leave voicemails.",
            "PHQ-9 item 9 scored 2 at assessment; discussed, protective factors are children and faith.",
        ]
        flags = []
        for patient in Patient.objects.filter(nhs_number__isnull=False).order_by("id"):
            if self.rng.random() < 0.06:
                flags.append(
                    RiskFlag(
                        patient=patient,
                        summary=self.rng.choice(summaries),
                        raised_by=self.rng.choice(clinicians[patient.team_id]),
                    )
                )
        RiskFlag.objects.bulk_create(flags)
