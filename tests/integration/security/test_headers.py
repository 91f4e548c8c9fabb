"""Every page carries a Content-Security-Policy without 'unsafe-inline'; every signed-in
response says Cache-Control: no-store; nothing inline runs or styles without the page's nonce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from stepcare.accounts.permissions import Role
from tests.conftest import sign_in
from tests.integration.test_access_matrix import ACCESS, URL_NAMES, _url

TEMPLATES = Path(__file__).resolve().parents[3] / "stepcare" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)


def _assert_policy(response) -> None:
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


def _assert_nothing_inline(body: str, where: str) -> None:
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, STYLE_ATTRIBUTE, EVENT_ATTRIBUTE):
        found = pattern.search(body)
        assert found is None, (where, pattern.pattern, body[max(found.start() - 80, 0) : found.end() + 80])


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_no_template_has_inline_script_style_or_event_handler_without_a_nonce(path: str) -> None:
    _assert_nothing_inline((TEMPLATES / path).read_text(), path)


@pytest.mark.parametrize("name", URL_NAMES)
def test_every_page_has_the_policy_and_signed_in_pages_are_never_stored(service, name: str) -> None:
    rule = ACCESS[name]
    # A role that may use the page where there is one (to see the page itself), else a refusal.
    role = Role.HIGH_INTENSITY_THERAPIST if Role.HIGH_INTENSITY_THERAPIST in rule.own else min(rule.own)
    url, _patient = _url(name, rule, service.team, service)
    client = sign_in(Client(), service.staff[role])
    response = getattr(client, rule.method)(url)
    _assert_policy(response)
    assert "no-store" in response["Cache-Control"], (name, response.get("Cache-Control"))
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        _assert_nothing_inline(response.content.decode(), name)
    signed_out = getattr(Client(), rule.method)(url)
    _assert_policy(signed_out)


def test_the_letter_keeps_its_print_style_under_the_pages_nonce(service, client_for) -> None:
    from django.urls import reverse

    from tests.factories.referrals import OnwardReferralFactory, ReferralFactory

    referral = ReferralFactory(team=service.team)
    onward = OnwardReferralFactory(referral=referral, made_by=service.staff[Role.PWP])
    response = client_for(Role.PWP).get(reverse("referrals:letter", args=[referral.pk, onward.pk]))
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()
    again = client_for(Role.PWP).get(reverse("referrals:letter", args=[referral.pk, onward.pk]))
    assert nonce not in again["Content-Security-Policy"]  # a fresh nonce for every response
