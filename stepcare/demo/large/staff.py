"""The large demo's clinicians: named and generated, each in one team at one step, with a
working pattern, leave, a profile and a qualification; their weekly slots fill the calendar."""

from __future__ import annotations

import datetime as dt
import heapq

from django.contrib.auth.hashers import make_password

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Role
from stepcare.demo.generator import (
    CLINICAL_ROLES,
    DEMO_PASSWORD,
)
from stepcare.demo.large.common import (
    HIT_TIMES,
    LATE_TIMES,
    PWP_TIMES,
    _Slot,
)
from stepcare.demo.large.people import PeopleBuilder
from stepcare.referrals.models import (
    Qualification,
    TherapistProfile,
)
from stepcare.scheduling.models import (
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.timeslots import local


class StaffBuilder(PeopleBuilder):
    """Adds the clinicians, their working patterns, leave and weekly slots."""

    def build_clinicians(self) -> list[tuple[User, str, int]]:
        """The named clinicians and generated ones up to the wanted count, each in one team at
        one step, with a working pattern, leave, a profile and a qualification."""
        rng = self.rng
        named = list(
            Membership.objects.filter(role__in=[r.value for r in CLINICAL_ROLES])
            .select_related("user")
            .order_by("id")
        )
        team_of: dict[int, tuple[User, str, int]] = {}
        for m in named:
            if m.user_id not in team_of:
                team_of[m.user_id] = (m.user, "2" if m.role == Role.PWP else "3", m.team_id)
        wanted = max(0, self.options.clinician_count - len(team_of))
        password = make_password(DEMO_PASSWORD)
        new_users, plans = [], []
        for n in range(wanted):
            step = "2" if n % 20 < 12 else "3"  # about 60% PWPs
            trainee = step == "3" and n % 10 == 9
            first = self.fake.first_name()
            last = self.fake.last_name()
            username = f"{first}.{last}.{n + 1}".lower().replace(" ", "").replace("'", "")[:150]
            title = (
                "Psychological wellbeing practitioner"
                if step == "2"
                else "Trainee high-intensity therapist"
                if trainee
                else rng.choice(
                    ("High-intensity CBT therapist", "Counsellor for depression", "IPT therapist")
                )
            )
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                job_title=title,
                email=f"{username}@example.nhs.uk",
                password=password,
            )
            new_users.append(user)
            team = self.teams[n % len(self.teams)]
            role = (
                Role.PWP
                if step == "2"
                else Role.TRAINEE_HIGH_INTENSITY_THERAPIST
                if trainee
                else Role.HIGH_INTENSITY_THERAPIST
            )
            plans.append((user, step, team, role))
        User.objects.bulk_create(new_users, batch_size=500)
        Membership.objects.bulk_create(
            [Membership(user=u, team=t, role=r) for u, _s, t, r in plans], batch_size=500
        )
        for user, step, team, _role in plans:
            team_of[user.pk] = (user, step, team.pk)

        supervisor = self.staff.get("amara.okafor")
        profiles, qualifications, hours, away = [], [], [], []
        start = self.today - dt.timedelta(days=365 * self.options.years + 30)
        for user, step, team_id in team_of.values():
            trainee = "Trainee" in user.job_title
            profiles.append(
                TherapistProfile(
                    user=user,
                    caseload_capacity=rng.choice([25, 30, 35]) if step == "2" else rng.choice([18, 22, 25]),
                    supervisor=supervisor if trainee else None,
                )
            )
            level = {"2": "10"}.get(
                step, "12" if "Counsellor" in user.job_title else "15" if "IPT" in user.job_title else "11"
            )
            qualifications.append(
                Qualification(
                    user=user,
                    level=level,
                    awarded_on=None if trainee else dt.date(rng.randrange(2010, 2023), 7, 1),
                    planned_completion_on=self.today + dt.timedelta(days=200) if trainee else None,
                )
            )
            # Working pattern: most full time; some part time (three days); some HITs on a late
            # shift (12:00-20:00) on two days.
            days = list(range(5))
            if rng.random() < 0.2:
                days = sorted(rng.sample(range(5), 3))
            late = step == "3" and rng.random() < 0.15
            if late:
                self.late_shift.add(user.pk)
            late_days = set(rng.sample(days, min(2, len(days)))) if late else set()
            for d in days:
                if d in late_days:
                    hours.append(
                        WorkingHours(clinician=user, weekday=d, starts=dt.time(12), ends=dt.time(20))
                    )
                else:
                    hours.append(
                        WorkingHours(
                            clinician=user,
                            weekday=d,
                            starts=dt.time(9),
                            ends=dt.time(17 if step == "2" else 18),
                        )
                    )
                times = LATE_TIMES if d in late_days else PWP_TIMES if step == "2" else HIT_TIMES
                for t in times:
                    heapq.heappush(
                        self.slots.setdefault((team_id, step), []),
                        _Slot(start, self._next_order(), user.pk, d, t, 30 if step == "2" else 60),
                    )
            # Leave: about six weeks a year, in one- and two-week blocks.
            mondays: set[dt.date] = set()
            year = start
            while year < self.today + dt.timedelta(days=120):
                for weeks in (2, 1, 1, 1, 1):
                    monday = year + dt.timedelta(days=rng.randrange(0, 350))
                    monday -= dt.timedelta(days=monday.weekday())
                    for w in range(weeks):
                        mondays.add(monday + dt.timedelta(weeks=w))
                    away.append(
                        Unavailability(
                            clinician=user,
                            kind="leave",
                            starts_at=local(monday, dt.time(0)),
                            ends_at=local(monday + dt.timedelta(weeks=weeks, days=-2), dt.time(23, 59)),
                            created_by=user,
                        )
                    )
                year += dt.timedelta(days=365)
            self.leave[user.pk] = mondays
        TherapistProfile.objects.bulk_create(profiles, batch_size=500)
        Qualification.objects.bulk_create(qualifications, batch_size=500)
        WorkingHours.objects.bulk_create(hours, batch_size=1000)
        Unavailability.objects.bulk_create(away, batch_size=1000)
        self.users = {pk: u for pk, (u, _s, _t) in team_of.items()}
        for team in self.teams:  # every team can treat at both steps
            for step in ("2", "3"):
                if not self.slots.get((team.pk, step)):
                    other = "3" if step == "2" else "2"
                    self.slots[(team.pk, step)] = self.slots.setdefault((team.pk, other), [])
        return list(team_of.values())
