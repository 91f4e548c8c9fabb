"""has_permission: roles are bundles of permissions, held per team."""

from __future__ import annotations

import pytest

from stepcare.accounts.permissions import ROLE_PERMISSIONS, Permission, Role, has_permission
from tests.factories.accounts import MembershipFactory, TeamFactory, UserFactory
from tests.factories.patients import PatientFactory

pytestmark = pytest.mark.django_db


def test_every_role_has_a_bundle_of_permissions() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(ROLE_PERMISSIONS[role] for role in Role)


def test_a_person_holds_different_roles_in_different_teams() -> None:
    north, south = TeamFactory(), TeamFactory()
    person = UserFactory()
    MembershipFactory(user=person, team=north, role=Role.HIGH_INTENSITY_THERAPIST)
    MembershipFactory(user=person, team=south, role=Role.ADMINISTRATOR)
    north_patient, south_patient = PatientFactory(team=north), PatientFactory(team=south)
    assert has_permission(person, Permission.WRITE_CLINICAL_NOTES, obj=north_patient)
    assert not has_permission(person, Permission.WRITE_CLINICAL_NOTES, obj=south_patient)
    assert has_permission(person, Permission.EDIT_PATIENT, obj=south_patient)


def test_an_inactive_membership_or_account_grants_nothing() -> None:
    team = TeamFactory()
    patient = PatientFactory(team=team)
    membership = MembershipFactory(team=team, role=Role.PWP, active=False)
    assert not has_permission(membership.user, Permission.VIEW_PATIENT, obj=patient)
    active = MembershipFactory(team=team, role=Role.PWP)
    active.user.is_active = False
    assert not has_permission(active.user, Permission.VIEW_PATIENT, obj=patient)


def test_the_ig_officer_audits_but_cannot_open_clinical_records() -> None:
    membership = MembershipFactory(role=Role.IG_OFFICER)
    patient = PatientFactory(team=membership.team)
    assert has_permission(membership.user, Permission.VIEW_AUDIT)
    assert not has_permission(membership.user, Permission.VIEW_PATIENT, obj=patient)


def test_nobody_signed_out_has_any_permission() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not any(has_permission(AnonymousUser(), p) for p in Permission)
