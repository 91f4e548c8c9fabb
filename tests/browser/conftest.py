"""Playwright on Debian's Chromium (never a downloaded browser) against a live server."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, sync_playwright

from tests.artifacts import ARTIFACTS
from tests.factories.accounts import TEST_PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's live server and ORM
# calls from the test are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Browser tests need Debian's Chromium: apt-get install chromium", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now (avoiding the last second of a step)."""
    if device.step - int(time.time() - device.t0) % device.step <= 1:
        time.sleep(2)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(page: Page, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real pages: password, then the TOTP code of the user's device."""
    page.goto(f"{base_url}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
