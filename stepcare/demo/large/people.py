"""The large demo's people: its state (counts, the slot calendar, leave), and generated
patients, names and referral references."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from stepcare.demo.bulkload import BulkWriter
from stepcare.demo.generator import (
    EMPLOYMENT_WEIGHTS,
    ETHNICITY_WEIGHTS,
    LANGUAGE_WEIGHTS,
    DemoBuilder,
    synthetic_nhs_number,
)
from stepcare.demo.large.common import (
    FAMILY_NAMES,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LargeOptions,
    Progress,
    _Counts,
    _Slot,
)
from stepcare.measures import Registry
from stepcare.outcomes.registry import service_registry
from stepcare.patients.codes import EmploymentStatus, GenderIdentity, Language, StatedSex
from stepcare.patients.models import Patient
from stepcare.referrals.actions import REFERENCE_ALPHABET


class PeopleBuilder(DemoBuilder):
    """The state of a large build, and the people it generates."""

    def __init__(
        self, *, seed: int = 2026, options: LargeOptions | None = None, progress: Progress | None = None
    ):
        super().__init__(seed=seed, patients=0)
        self.options = options or LargeOptions()
        self.progress = progress or (lambda _line: None)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.counts = _Counts()
        self.writer: BulkWriter | None = None
        self.registry: Registry = service_registry()
        self._score_cache: dict[tuple[str, int, int], tuple[list[int | None], float, str, bool | None]] = {}
        self._references: set[str] = set()
        self._nhs_numbers: set[str] = set()
        self._slot_order = 0
        # (team id, step) -> heap of slots; clinician id -> set of Mondays on leave.
        self.slots: dict[tuple[int, str], list[_Slot]] = {}
        self.leave: dict[int, set[dt.date]] = {}
        self.late_shift: set[int] = set()

    def _next_order(self) -> int:
        self._slot_order += 1
        return self._slot_order

    def _build_names(self) -> None:
        fake = self.fake
        self.names_f = [fake.first_name_female() for _ in range(FIRST_NAMES_F)]
        self.names_m = [fake.first_name_male() for _ in range(FIRST_NAMES_M)]
        self.family = [fake.last_name() for _ in range(FAMILY_NAMES)]
        self.streets = [fake.street_name() for _ in range(300)]
        self.practices = [(f"Y9{n:04d}", f"{fake.last_name()} Medical Practice") for n in range(1, 41)]

    def _weighted_list(self, weights: dict[Any, float]) -> tuple[list[Any], list[float]]:
        return list(weights), list(weights.values())

    def _patient(self, team_id: int, received: dt.date) -> Patient:
        rng = self.rng
        sex = StatedSex.FEMALE if rng.random() < 0.64 else StatedSex.MALE
        given = rng.choice(self.names_f if sex == StatedSex.FEMALE else self.names_m)
        gender = GenderIdentity.FEMALE if sex == StatedSex.FEMALE else GenderIdentity.MALE
        if rng.random() < 0.02:
            gender = GenderIdentity.NON_BINARY
        age = min(90, max(18, int(rng.gauss(38, 14))))
        dob = received - dt.timedelta(days=age * 365 + rng.randrange(0, 365))
        nhs = None
        if rng.random() > 0.03:
            nhs = synthetic_nhs_number(rng)
            while nhs in self._nhs_numbers:
                nhs = synthetic_nhs_number(rng)
            self._nhs_numbers.add(nhs)
        language = self._pick(LANGUAGE_WEIGHTS)
        employment = self._pick(EMPLOYMENT_WEIGHTS)
        if age >= 67 and rng.random() < 0.8:
            employment = EmploymentStatus.RETIRED
        code, practice = rng.choice(self.practices)
        family = rng.choice(self.family)
        patient = Patient(
            nhs_number=nhs,
            given_name=given,
            family_name=family,
            date_of_birth=dob,
            stated_sex=sex,
            gender_identity=gender,
            ethnic_category=self._pick(ETHNICITY_WEIGHTS),
            preferred_language=language,
            interpreter_required=language != Language.ENGLISH and rng.random() < 0.6,
            employment_status=employment,
            address=f"{rng.randrange(1, 200)} {rng.choice(self.streets)}\nNorthbrook",
            postcode=self._postcode(),
            phone_mobile=f"07700 900{rng.randrange(0, 1000):03d}",
            email=f"{given.lower()}.{rng.randrange(10, 99)}@example.com" if rng.random() < 0.7 else "",
            may_phone=True,
            may_text=rng.random() < 0.85,
            may_post=True,
            gp_practice_code=code,
            gp_practice_name=practice,
            team_id=team_id,
        )
        patient.refresh_search_keys()
        return patient

    def _pick(self, weights: Mapping[Any, float]) -> Any:
        cached = getattr(self, "_cum", {})
        self._cum = cached
        key = id(weights)
        if key not in cached:
            total, cum = 0.0, []
            for w in weights.values():
                total += w
                cum.append(total)
            cached[key] = (list(weights), cum, total)
        keys, cum, total = cached[key]
        return self.rng.choices(keys, cum_weights=cum)[0]

    def _reference(self) -> str:
        rng = self.rng
        while True:
            chars = "".join(rng.choices(REFERENCE_ALPHABET, k=8))
            ref = f"SC-{chars[:4]}-{chars[4:]}"
            if ref not in self._references:
                self._references.add(ref)
                return ref
