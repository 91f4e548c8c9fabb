"""Every write to the clinical record, each in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients import actions as patient_actions
from stepcare.patients.models import Patient
from stepcare.records import selectors
from stepcare.records.models import (
    Addendum,
    Assessment,
    ClinicalDocument,
    Consent,
    DocumentStatus,
    Goal,
    GoalRating,
    GPPractice,
    Letter,
    LetterDispatch,
    RelatedPerson,
    RiskAssessment,
    SessionNote,
    SignedDocumentIsImmutable,
)
from stepcare.referrals import actions as referral_actions
from stepcare.referrals.models import Referral


class ConcurrentEdit(Exception):
    """Someone else saved the draft after this edit began; nothing was overwritten."""

    def __init__(self, current: ClinicalDocument, theirs: list[tuple[str, Any, Any]]) -> None:
        self.current = current
        self.theirs = theirs  # (label, their saved value, your typed value)
        who = current.updated_by or current.author
        super().__init__(
            f"{who} changed this draft at {timezone.localtime(current.updated_at):%H:%M on %d/%m/%Y} "
            "while you were editing it. Nothing has been overwritten: their changes are shown below. "
            "Check them, then save again to keep your version."
        )


class SigningRefused(Exception):
    """The document cannot be signed as it stands; the message says why."""


@dataclass(frozen=True)
class ConsentMissing(SigningRefused):
    recipient: str

    def __str__(self) -> str:
        return (
            f"The patient has not agreed to share information with {self.recipient}. Record their "
            "consent first, or record the legal basis for sharing without it (for example, safeguarding)."
        )


def _audit(by: User | None, action: str, patient: Patient | None, obj: Any, **detail: Any) -> None:
    record(by=by, action=action, patient=patient, obj=obj, detail=detail)


# Documents ------------------------------------------------------------------------------------


@transaction.atomic
def create_document(
    *,
    by: User,
    kind: type[ClinicalDocument],
    patient: Patient,
    referral: Referral | None = None,
    data: dict[str, Any],
    links: dict[str, Any] | None = None,
) -> ClinicalDocument:
    """Start a draft of ``kind`` for ``patient``."""
    if referral is not None and referral.patient_id != patient.pk:
        raise SigningRefused("That referral belongs to another patient.")
    fields = {k: v for k, v in data.items() if k in kind.CONTENT_FIELDS}
    document = kind(patient=patient, referral=referral, author=by, updated_by=by, **(links or {}), **fields)
    document.save()
    _audit(by, AuditEvent.Action.CREATE, patient, document, kind=kind.KIND)
    return document


def _locked(document: ClinicalDocument) -> ClinicalDocument:
    current: ClinicalDocument = (
        type(document)
        .objects.select_for_update(of=("self",))
        .select_related("updated_by", "author")
        .get(pk=document.pk)
    )
    if current.is_signed:
        raise SignedDocumentIsImmutable(f"This {current.LABEL.lower()} is signed: add an addendum instead.")
    return current


def _check_version(current: ClinicalDocument, expected_version: int, data: dict[str, Any]) -> None:
    if current.version == expected_version:
        return
    theirs = []
    for name in current.CONTENT_FIELDS:
        saved = getattr(current, name)
        typed = data.get(name, saved)
        if saved != typed:
            label = str(current._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]
            theirs.append((label, saved, typed))
    raise ConcurrentEdit(current, theirs)


@transaction.atomic
def save_draft(
    *, by: User, document: ClinicalDocument, data: dict[str, Any], expected_version: int
) -> ClinicalDocument:
    """Save changes to a draft, refusing if someone else saved it since the form was opened."""
    current = _locked(document)
    _check_version(current, expected_version, data)
    changed = {k: v for k, v in data.items() if k in current.CONTENT_FIELDS and getattr(current, k) != v}
    if not changed:
        return current
    for name, value in changed.items():
        setattr(current, name, value)
    current.version += 1
    current.updated_by = by
    current.save()
    _audit(by, AuditEvent.Action.UPDATE, current.patient, current, kind=current.KIND, fields=sorted(changed))
    return current


@transaction.atomic
def sign_document(
    *,
    by: User,
    document: ClinicalDocument,
    expected_version: int,
    legal_basis: str = "",
    raise_concern: bool = False,
) -> ClinicalDocument:
    """Sign a draft. From now on it never changes; corrections are addenda.

    A letter is sent when signed, and only with the patient's consent to share with its
    recipient or a recorded legal basis. Signing an assessment records the assessment (and
    the provisional problem descriptor) on its referral. Signing a risk formulation may raise
    a risk concern on the banner, as the clinician chooses.
    """
    current = _locked(document)
    _check_version(current, expected_version, {})
    if (
        isinstance(current, SessionNote)
        and selectors.item9_prompt(current)
        and not current.risk_check.strip()
    ):
        raise SigningRefused(
            "PHQ-9 item 9 was answered above 0 at this session: record the risk check "
            "(what was explored and what was agreed) before signing."
        )
    missing = current.missing_to_sign()
    if missing:
        raise SigningRefused("Fill in before signing: " + ", ".join(missing) + ".")
    detail: dict[str, Any] = {"kind": current.KIND, "signed": True}
    if isinstance(current, Letter):
        _check_sharing(current, legal_basis)
        if legal_basis.strip() and not selectors.sharing_allowed(current):
            current.legal_basis = legal_basis.strip()
            detail["shared_without_consent"] = True
        detail["sent_to"] = current.get_recipient_kind_display()
    if isinstance(current, Assessment):
        detail["referral_updated"] = _record_assessment_on_referral(by, current)
    if isinstance(current, RiskAssessment) and raise_concern:
        current.risk_flag = patient_actions.raise_risk_flag(
            by=by, patient=current.patient, summary=current.summary
        )
    if current.KIND in ("session-note", "assessment"):
        from stepcare.supervision.selectors import needs_countersignature

        # A trainee's note is signed as usual and stays immutable; the supervisor's
        # countersignature is a separate row (stepcare/supervision, docs/adr/0016).
        detail["countersignature_required"] = needs_countersignature(current)
    current.status = DocumentStatus.SIGNED
    current.signed_at = timezone.now()
    current.signed_by = by
    current.version += 1
    current.updated_by = by
    current.save()
    _audit(by, AuditEvent.Action.UPDATE, current.patient, current, **detail)
    return current


def _check_sharing(letter: Letter, legal_basis: str) -> None:
    if selectors.sharing_allowed(letter) or legal_basis.strip():
        return
    raise ConsentMissing(letter.recipient_name or letter.get_recipient_kind_display())


def _record_assessment_on_referral(by: User, assessment: Assessment) -> list[str]:
    """Fill the referral's assessment date and problem descriptor through the referral actions.

    Each is recorded only where the referral's pathway allows it (an ended referral keeps its
    history); what was recorded is returned for the audit event.
    """
    referral = assessment.referral
    done: list[str] = []
    if referral is None or assessment.assessment_date is None:
        return done
    if referral.assessment_date is None:
        try:
            referral = referral_actions.record_assessment(
                by=by, referral=referral, assessment_date=assessment.assessment_date
            )
            done.append("assessment_date")
        except referral_actions.MoveRefused as exc:
            raise SigningRefused(f"The referral could not take this assessment: {exc}") from exc
    if assessment.problem_descriptor:
        try:
            referral_actions.record_problem_descriptor(
                by=by,
                referral=referral,
                primary=assessment.problem_descriptor,
                recorded_on=assessment.assessment_date,
                note="From the signed assessment.",
            )
            done.append("problem_descriptor")
        except referral_actions.MoveRefused:
            pass  # the referral has moved on (ended): its descriptor history stays as it was
    return done


@transaction.atomic
def add_addendum(*, by: User, document: ClinicalDocument, text: str) -> Addendum:
    """Add a dated correction or addition beside a signed document."""
    if not document.is_signed:
        raise SigningRefused("A draft is changed by editing it; addenda are for signed documents.")
    if not text.strip():
        raise SigningRefused("Write the addendum.")
    addendum = Addendum(document=document, patient=document.patient, text=text.strip(), author=by)
    addendum.save()
    _audit(
        by, AuditEvent.Action.CREATE, document.patient, addendum, kind=document.KIND, document_id=document.pk
    )
    return addendum


# Consent and the people around the patient ----------------------------------------------------


@transaction.atomic
def add_related_person(*, by: User, patient: Patient, data: dict[str, Any]) -> RelatedPerson:
    fields = {"name", "relationship", "phone", "address", "emergency_contact", "involvement"}
    person = RelatedPerson.objects.create(
        patient=patient, added_by=by, **{k: v for k, v in data.items() if k in fields}
    )
    _audit(by, AuditEvent.Action.CREATE, patient, person)
    return person


@transaction.atomic
def record_consent(
    *,
    by: User,
    patient: Patient,
    scope: str,
    given: bool,
    decided_on: dt.date,
    related_person: RelatedPerson | None = None,
    agency_name: str = "",
    may_be_told: str = "",
) -> Consent:
    """Record the patient's decision; it replaces their earlier decision for the same purpose."""
    if decided_on > timezone.localdate():
        raise SigningRefused("The date of the decision cannot be in the future.")
    if scope == Consent.Scope.INVOLVE_PERSON and related_person is None:
        raise SigningRefused("Choose the person this consent is about.")
    if scope == Consent.Scope.SHARE_AGENCY and not agency_name.strip():
        raise SigningRefused("Name the agency or employer.")
    if related_person is not None and related_person.patient_id != patient.pk:
        raise SigningRefused("That person is not linked to this patient.")
    consent = Consent.objects.create(
        patient=patient,
        scope=scope,
        given=given,
        related_person=related_person if scope == Consent.Scope.INVOLVE_PERSON else None,
        agency_name=agency_name.strip() if scope == Consent.Scope.SHARE_AGENCY else "",
        may_be_told=may_be_told.strip(),
        decided_on=decided_on,
        recorded_by=by,
    )
    _audit(by, AuditEvent.Action.CREATE, patient, consent, scope=scope, given=given)
    if scope in Consent.CONTACT_FLAGS:
        _sync_contact_flag(by, consent, allowed=given)
    return consent


@transaction.atomic
def withdraw_consent(*, by: User, consent: Consent, withdrawn_on: dt.date, reason: str) -> Consent:
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.withdrawn_on is not None:
        raise SigningRefused("This consent has already been withdrawn.")
    if withdrawn_on < current.decided_on or withdrawn_on > timezone.localdate():
        raise SigningRefused("The withdrawal date must be between the decision and today.")
    current.withdrawn_on = withdrawn_on
    current.withdrawn_by = by
    current.withdrawn_reason = reason.strip()
    current.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawn_reason"])
    _audit(by, AuditEvent.Action.UPDATE, current.patient, current, withdrawn=withdrawn_on.isoformat())
    if current.scope in Consent.CONTACT_FLAGS and _is_latest_decision(current):
        _sync_contact_flag(by, current, allowed=False)
    return current


# Goals -----------------------------------------------------------------------------------------


@transaction.atomic
def add_goal(
    *, by: User, patient: Patient, referral: Referral | None, description: str, rating: int, on: dt.date
) -> Goal:
    """A goal of the patient's, with their first rating."""
    if referral is not None and referral.patient_id != patient.pk:
        raise SigningRefused("That referral belongs to another patient.")
    goal = Goal.objects.create(
        patient=patient, referral=referral, description=description.strip(), set_on=on, set_by=by
    )
    _audit(by, AuditEvent.Action.CREATE, patient, goal)
    rate_goal(by=by, goal=goal, rating=rating, on=on)
    return goal


@transaction.atomic
def rate_goal(*, by: User, goal: Goal, rating: int, on: dt.date) -> GoalRating:
    if not 0 <= rating <= 10:
        raise SigningRefused("A goal is rated from 0 (not at all) to 10 (fully met).")
    if on > timezone.localdate() or on < goal.set_on:
        raise SigningRefused("The rating date must be between the day the goal was set and today.")
    rated = GoalRating.objects.create(goal=goal, rating=rating, rated_on=on, recorded_by=by)
    _audit(by, AuditEvent.Action.CREATE, goal.patient, rated, goal_id=goal.pk, rating=rating)
    return rated


# GP practices ---------------------------------------------------------------------------------


@transaction.atomic
def import_gp_practices(*, by: User | None, practices: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Add or update practices by ODS code. Returns (added, updated)."""
    added = updated = 0
    for row in practices:
        _practice, created = GPPractice.objects.update_or_create(
            ods_code=row["ods_code"], defaults={k: v for k, v in row.items() if k != "ods_code"}
        )
        added += created
        updated += not created
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        detail={"gp_practices_added": added, "gp_practices_updated": updated},
        username="import-gp-practices",
    )
    return added, updated


# Letters: dispatch after signing ---------------------------------------------------------------


class DispatchRefused(SigningRefused):
    """The letter cannot be recorded as sent as asked; the message says why."""


NHS_MAIL_DOMAIN = "nhs.net"


@transaction.atomic
def dispatch_letter(
    *,
    by: User,
    letter: Letter,
    route: str,
    dispatched_on: dt.date,
    email_address: str = "",
    note: str = "",
) -> LetterDispatch:
    """Record that a signed letter was sent: by post, by secure (nhs.net) email, or by hand.

    The signed letter itself never changes; the dispatch is a row beside it. Consent is checked
    again: a letter whose recipient's consent was withdrawn after signing is not sent, unless
    the letter carries a recorded legal basis.
    """
    current = Letter.objects.select_related("patient", "related_person", "agency").get(pk=letter.pk)
    if not current.is_signed:
        raise DispatchRefused("Sign the letter before recording that it was sent.")
    if route not in LetterDispatch.Route.values:
        raise DispatchRefused("Choose how the letter was sent.")
    if not current.legal_basis.strip() and not selectors.sharing_allowed(current):
        raise ConsentMissing(current.recipient_name or current.get_recipient_kind_display())
    today = timezone.localdate()
    signed_on = timezone.localtime(current.signed_at).date() if current.signed_at else today
    if dispatched_on > today or dispatched_on < signed_on:
        raise DispatchRefused("The date sent must be between the day the letter was signed and today.")
    address = email_address.strip().lower()
    if route == LetterDispatch.Route.SECURE_EMAIL:
        if not address.endswith("@" + NHS_MAIL_DOMAIN):
            raise DispatchRefused(
                f"Secure email goes only to an {NHS_MAIL_DOMAIN} address: give the recipient's "
                f"{NHS_MAIL_DOMAIN} address, or send the letter by post."
            )
    else:
        address = ""
    if route == LetterDispatch.Route.BY_HAND and current.recipient_kind != Letter.Recipient.PATIENT:
        raise DispatchRefused(
            "Only a letter to the patient is handed to them: send this one by post or email."
        )
    dispatch = LetterDispatch.objects.create(
        letter=current,
        patient=current.patient,
        route=route,
        email_address=address,
        dispatched_on=dispatched_on,
        dispatched_by=by,
        note=note.strip()[:300],
    )
    _audit(
        by,
        AuditEvent.Action.CREATE,
        current.patient,
        dispatch,
        kind=Letter.KIND,
        letter_id=current.pk,
        route=route,
        dispatched_on=dispatched_on.isoformat(),
    )
    return dispatch


# Contact channels: consent and the patient's contact flags in step ------------------------------


def _is_latest_decision(consent: Consent) -> bool:
    latest = (
        Consent.objects.filter(patient_id=consent.patient_id, scope=consent.scope)
        .order_by("-decided_on", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return latest == consent.pk


def _sync_contact_flag(by: User, consent: Consent, *, allowed: bool) -> None:
    """Set the patient's contact flag for ``consent``'s channel, in the caller's transaction.

    The flag is what reminders read, so a consent withdrawn here stops texts or emails by that
    channel at once. The patient's version moves on, so a patient form opened before cannot
    silently set the flag back."""
    flag = Consent.CONTACT_FLAGS[Consent.Scope(consent.scope)]
    patient = Patient.objects.select_for_update().get(pk=consent.patient_id)
    if getattr(patient, flag) == allowed:
        return
    setattr(patient, flag, allowed)
    patient.version += 1
    patient.save(update_fields=[flag, "version", "updated_at"])
    _audit(by, AuditEvent.Action.UPDATE, patient, patient, fields=[flag], consent_id=consent.pk)


@transaction.atomic
def record_contact_preferences(*, by: User, patient: Patient, changed: dict[str, bool]) -> list[Consent]:
    """The patient's contact flags were changed on their details form: record each change as
    the patient's consent decision for that channel, dated today (the flags are already set).

    Called by ``patients.actions.update_patient`` in its transaction."""
    flags_to_scope = {flag: scope for scope, flag in Consent.CONTACT_FLAGS.items()}
    made = []
    for flag, allowed in sorted(changed.items()):
        scope = flags_to_scope.get(flag)
        if scope is None:
            continue
        consent = Consent.objects.create(
            patient=patient,
            scope=scope,
            given=bool(allowed),
            decided_on=timezone.localdate(),
            recorded_by=by,
        )
        _audit(
            by,
            AuditEvent.Action.CREATE,
            patient,
            consent,
            scope=scope,
            given=bool(allowed),
            source="contact preferences",
        )
        made.append(consent)
    return made
