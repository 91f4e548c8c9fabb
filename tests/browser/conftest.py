"""Playwright on Debian's Chromium (never a downloaded browser) against a live server."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

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


AXE_JS = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA, as the NHS service standard asks.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Runs in every document once it has loaded and reports to the test through a binding. Until
# the report is made, following a link or sending a form waits, so no page goes unchecked.
AXE_RUNNER = """
(() => {
  const id = Math.random().toString(36).slice(2);
  let done = false;
  const summary = (r) => ({id, url: location.href, violations: r.violations.map((v) => ({
    id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ") + "  " + n.html.slice(0, 160)),
  }))});
  const report = (result) => Promise.resolve(window.__axeReport ? window.__axeReport(result) : null)
    .catch(() => null).then(() => { done = true; return result; });
  window.__axeResult = new Promise((resolve) => {
    const run = () => axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
      .then(summary, (e) => ({id, url: location.href, error: String(e)}))
      .then(report).then(resolve);
    if (document.readyState === "complete") { run(); } else { window.addEventListener("load", run); }
  });
  document.addEventListener("click", (event) => {
    const link = !done && event.target.closest && event.target.closest("a[href]");
    if (!link || link.getAttribute("href").startsWith("#") || event.defaultPrevented) return;
    event.preventDefault();
    window.__axeResult.then(() => link.click());
  }, true);
  document.addEventListener("submit", (event) => {
    if (done) return;
    event.preventDefault();
    const form = event.target, submitter = event.submitter;
    window.__axeResult.then(() => form.requestSubmit(submitter || undefined));
  }, true);
})();
"""


class AxeChecks:
    """axe-core on every page a browser test shows. Each document reports its result before
    the browser may leave it (links and forms wait for it; ``page.goto`` collects it first);
    the last one is collected when the test ends. Any WCAG 2.2 AA violation fails the test."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.seen: set[str] = set()
        self.pages: list[str] = []
        self.problems: list[str] = []

    def add(self, result: dict[str, Any] | None) -> None:
        if not result or result["id"] in self.seen or result["url"].startswith("about:"):
            return
        self.seen.add(result["id"])
        self.pages.append(result["url"])
        if "error" in result:
            self.problems.append(f"{result['url']}: axe could not run: {result['error']}")
        for v in result.get("violations", []):
            nodes = "\n      ".join(v["nodes"][:5])
            self.problems.append(f"{result['url']}: {v['id']} – {v['help']}\n      {nodes}")

    def collect(self) -> None:
        # The document may already be gone (a download, or the browser closing).
        with contextlib.suppress(PlaywrightError):
            self.add(self.page.evaluate("window.__axeResult || null"))

    def checked_goto(self, goto: Any) -> Any:
        def goto_after_check(*args: Any, **kwargs: Any) -> Any:
            self.collect()
            return goto(*args, **kwargs)

        return goto_after_check


def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail("Browser tests need axe-core: run `make assets` (npm ci in frontend/)", pytrace=False)
    return AXE_JS.read_text() + AXE_RUNNER % json.dumps(AXE_TAGS)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
    )
    context.add_init_script(script=axe_source())
    page = context.new_page()
    checks = AxeChecks(page)
    context.expose_binding("__axeReport", lambda _source, result: checks.add(result))
    page.goto = checks.checked_goto(page.goto)  # type: ignore[method-assign]
    page.set_default_timeout(15_000)
    yield page
    checks.collect()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    (ARTIFACTS / f"{request.node.name}.axe.txt").write_text(
        "\n".join(["Pages checked:", *checks.pages, "", "Violations:", *checks.problems]) + "\n"
    )
    if checks.problems:
        pytest.fail(
            f"Accessibility (axe-core, WCAG 2.2 AA) on {len(checks.pages)} pages:\n"
            + "\n".join(checks.problems),
            pytrace=False,
        )
    assert checks.pages, "no page was checked for accessibility"


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
