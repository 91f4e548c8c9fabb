"""Demo step: supervision records with decisions and actions, an MDT meeting, CPD entries and
the trainee's countersigned session notes (the latest few still waiting in the pack).

Written through the supervision actions (so each patient's record timeline shows the
decisions), except the trainee's older countersignatures, which are bulk history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from stepcare.records.models import Assessment, SessionNote
from stepcare.referrals.models import Referral
from stepcare.supervision import actions
from stepcare.supervision.models import Countersignature

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

WAITING_FOR_COUNTERSIGNATURE = 3


def build_supervision(builder: DemoBuilder) -> None:
    supervisor = builder.staff.get("amara.okafor")
    if supervisor is None:
        return
    today = timezone.localdate()
    team = builder.teams[0]
    for n, username in enumerate(("ben.hughes", "daniel.price")):
        supervisee = builder.staff.get(username)
        if supervisee is None:
            continue
        open_courses = list(
            Referral.objects.open()
            .filter(allocated_to=supervisee, patient__isnull=False, first_treatment_date__isnull=False)
            .select_related("patient")
            .order_by("pk")[:2]
        )
        cases = [
            actions.CaseInput(
                patient=r.patient,  # type: ignore[arg-type]  # filtered: patient__isnull=False
                referral=r,
                reason="Not on track; no reliable change yet.",
                decision=(
                    "Revisit the formulation together; consider behavioural experiments for safety "
                    "behaviours and review at the next session."
                    if i == 0
                    else "Continue as planned; bring back if PHQ-9 has not fallen by session 8."
                ),
                actions=[
                    actions.ActionInput(
                        "Review the treatment plan with the patient", supervisee, today + dt.timedelta(days=7)
                    )
                ]
                if i == 0
                else [],
            )
            for i, r in enumerate(open_courses)
        ]
        actions.record_supervision(
            by=supervisor,
            supervisee=supervisee,
            held_on=today - dt.timedelta(days=3 + n),
            duration_minutes=60,
            notes="Weekly case management supervision.",
            cases=cases,
        )
        actions.add_cpd_entry(
            by=supervisee,
            kind="cpd",
            on=today - dt.timedelta(days=20 + n),
            activity="Workshop: CBT for social anxiety (Clark and Wells model)",
            hours=Decimal("6"),
            reflection="Practised video feedback and attention-training; will use with two current cases.",
        )
    _mdt_meeting(builder, supervisor, team, today)
    _countersignatures(builder, supervisor)


def _mdt_meeting(builder: DemoBuilder, supervisor, team, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    attendees = [
        u for k, u in builder.staff.items() if k in ("amara.okafor", "ben.hughes", "chloe.evans", "ella.ward")
    ]
    meeting = actions.create_meeting(
        by=supervisor,
        team=team,
        held_on=today - dt.timedelta(days=2),
        title="Step 3 MDT",
        attendees=attendees,
        external_attendees="Dr R. Patel, consultant psychiatrist, community mental health team",
    )
    referrals = list(
        Referral.objects.open()
        .filter(team=team, patient__isnull=False)
        .select_related("patient")
        .order_by("pk")[:3]
    )
    for i, r in enumerate(referrals):
        assert r.patient is not None
        item = actions.add_to_agenda(
            by=supervisor, meeting=meeting, patient=r.patient, referral=r, reason="Complex presentation"
        )
        if i < 2:
            actions.record_decision(
                by=supervisor,
                discussion=item,
                confirm_patient=r.patient.pk,
                decision="Offer a psychiatric review through the CMHT; continue weekly sessions meanwhile."
                if i == 0
                else "Step up to high-intensity CBT when a therapist is free.",
                actions=[
                    actions.ActionInput(
                        "Write to the GP and the CMHT", supervisor, today + dt.timedelta(days=5)
                    )
                ]
                if i == 0
                else [],
            )


def _countersignatures(builder: DemoBuilder, supervisor) -> None:  # type: ignore[no-untyped-def]
    trainee = builder.staff.get("daniel.price")
    if trainee is None:
        return
    notes = list(SessionNote.objects.signed().filter(author=trainee).order_by("signed_at", "id"))
    if len(notes) <= WAITING_FOR_COUNTERSIGNATURE:
        return
    older = notes[:-WAITING_FOR_COUNTERSIGNATURE]
    assessments = list(Assessment.objects.signed().filter(author=trainee).order_by("signed_at", "id"))
    history = [(SessionNote, n) for n in older[:-1]] + [(Assessment, a) for a in assessments]
    Countersignature.objects.bulk_create(
        [
            Countersignature(
                content_type=ContentType.objects.get_for_model(model),
                object_id=d.pk,
                patient_id=d.patient_id,
                author=trainee,
                countersigned_by=supervisor,
            )
            for model, d in history
        ],
        batch_size=500,
    )
    actions.countersign(
        by=supervisor, document=older[-1], comment="Discussed in supervision; agree with the plan."
    )
