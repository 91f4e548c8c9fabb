"""make smoke-prod: run Stepcare as production runs it, on loopback, and use it as staff and a
member of the public would.

From committed files alone: a fresh PostgreSQL database, STEPCARE_ENV=production with secrets
generated for this run, migrate, collectstatic, gunicorn (2 workers) serving HTTPS with a
self-signed certificate made now with openssl, one Celery worker and one Celery beat on a
local Redis database of their own. The client sends X-Forwarded-Proto and X-Forwarded-For as
the one trusted proxy in front would (PROXY_COUNT=1).

Then, as a client with a cookie jar: bootstrap the first service manager, sign in with the
one-time password, enrol an authenticator (codes computed from the secret the page shows),
replace the password, add a team and a clinician, send a self-referral through /refer/, sign
the clinician in, book an appointment, wait for the worker to record the booking message,
sign the manager back in with password and code, read `stepcare jobs status`, and back up and
restore the database.

Everything started here is stopped at the end, also on failure or Ctrl-C. Exits non-zero
naming the step that failed. Settings (environment): SMOKE_PG_URL (a database it may drop and
create; default postgresql://postgres@localhost:5432/stepcare_smoke), SMOKE_REDIS_URL (default
redis://127.0.0.1:6379/11; flushed), SMOKE_KEEP=1 keeps the work folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("SMOKE_PG_URL", "postgresql://postgres@localhost:5432/stepcare_smoke")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/11")
CLIENT_ADDRESS = "203.0.113.7"  # documentation range: the "real" client the proxy saw
LONDON = ZoneInfo("Europe/London")


class StepFailed(Exception):
    pass


STARTED = time.monotonic()
CURRENT_STEP = "setting up"


@contextmanager
def step(name: str) -> Iterator[None]:
    global CURRENT_STEP
    CURRENT_STEP = name
    began = time.monotonic()
    print(f"-- {name}", flush=True)
    yield
    print(f"   ok ({time.monotonic() - began:.1f}s)", flush=True)


def check(condition: object, message: str) -> None:
    if not condition:
        raise StepFailed(message)


# ---------------------------------------------------------------------------- processes


@dataclass
class Stack:
    work: Path
    port: int
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def log(self, name: str) -> Path:
        return self.work / f"{name}.log"

    def start(self, name: str, args: list[str]) -> None:
        out = self.log(name).open("wb")
        self.processes[name] = subprocess.Popen(
            args, cwd=self.work, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def stepcare(self, *args: str, timeout: int = 300) -> str:
        result = subprocess.run(
            [str(BIN / "stepcare"), *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise StepFailed(
                f"stepcare {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def tail_logs(self) -> None:
        for name in self.processes:
            lines = self.log(name).read_text(errors="replace").splitlines()[-25:]
            print(f"\n---- last lines of {name}.log", file=sys.stderr)
            print("\n".join(lines), file=sys.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def admin_url(url: str) -> tuple[str, str]:
    """(the server's maintenance database URL, the database name) for ``url``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def psql(url: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", url, "-Atqc", sql], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise StepFailed(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def fresh_database(url: str) -> None:
    server, name = admin_url(url)
    check(re.fullmatch(r"[a-z0-9_]+", name), f"unexpected database name {name!r}")
    psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(server, f'CREATE DATABASE "{name}"')


# ---------------------------------------------------------------------------- the client


def totp(secret: str, counter: int) -> str:
    """RFC 6238 with the authenticator-app defaults Stepcare uses: SHA-1, 30 s, 6 digits."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: str
    url: str

    def header(self, name: str) -> str:
        return (self.headers.get(name.lower()) or [""])[0]

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.header("location")).path + (
            "?" + urllib.parse.urlsplit(self.header("location")).query
            if urllib.parse.urlsplit(self.header("location")).query
            else ""
        )


class Browser:
    """A person's browser behind the proxy: a cookie jar, HTTPS, the proxy's headers."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the certificate was made for this run
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect(),
        )
        self.last_counter: int | None = None
        self.secret = ""

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, proto: str = "https"
    ) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        req.add_header("X-Forwarded-Proto", proto)
        req.add_header("X-Forwarded-For", CLIENT_ADDRESS)
        if method == "POST":
            req.add_header("Origin", self.base)
            req.add_header("Referer", self.base + path)
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=60) as resp:
                return self._response(resp.status, resp.headers, resp.read(), path)
        except urllib.error.HTTPError as exc:
            return self._response(exc.code, exc.headers, exc.read(), path)

    @staticmethod
    def _response(status: int, headers: object, raw: bytes, path: str) -> Response:
        collected: dict[str, list[str]] = {}
        for name, value in headers.items():  # type: ignore[attr-defined]
            collected.setdefault(name.lower(), []).append(value)
        return Response(status, collected, raw.decode("utf-8", "replace"), path)

    def get(self, path: str, expect: int = 200) -> Response:
        response = self.request("GET", path)
        check(response.status == expect, f"GET {path}: {response.status}, expected {expect}")
        return response

    def post_form(self, path: str, fields: dict[str, str], expect: int = 302) -> Response:
        """Open the page, then send its form with the CSRF token and ``fields``."""
        page = self.get(path)
        data = {"csrfmiddlewaretoken": csrf_token(page.body), **fields}
        response = self.request("POST", path, data)
        if response.status != expect:
            errors = re.findall(r'class="nhsuk-error-message"[^>]*>(.*?)</', response.body, re.S)
            raise StepFailed(
                f"POST {path}: {response.status}, expected {expect}. "
                f"Errors on the page: {[html.unescape(re.sub('<[^>]+>', '', e)).strip() for e in errors]}"
            )
        return response

    def code(self) -> str:
        """The current code, never one already used (Stepcare refuses a replayed code)."""
        counter = int(time.time()) // 30
        if self.last_counter is not None and counter <= self.last_counter:
            time.sleep(30 - time.time() % 30 + 0.5)
            counter = int(time.time()) // 30
        self.last_counter = counter
        return totp(self.secret, counter)

    def sign_in(self, username: str, password: str) -> Response:
        response = self.post_form("/account/sign-in/", {"username": username, "password": password})
        check(response.location.startswith("/"), f"sign-in went to {response.location!r}")
        return response


def csrf_token(body: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    check(match, "no CSRF token on the page")
    assert match
    return match.group(1)


def options(body: str, select_name: str) -> dict[str, str]:
    """{label: value} of a <select>."""
    match = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', body, re.S)
    check(match, f"no <select name={select_name}> on the page")
    assert match
    found = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', match.group(1), re.S)
    return {html.unescape(label).strip(): value for value, label in found}


def hidden(body: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', body) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', body
    )
    check(match, f"no hidden field {name} on the page")
    assert match
    return html.unescape(match.group(1))


def enrol_and_replace_password(browser: Browser, old_password: str, new_password: str) -> None:
    """After a password-only sign-in: the real flow sends a new account to enrol an
    authenticator, then to replace the password it was given."""
    home = browser.request("GET", "/")
    check(home.status == 302 and home.location.startswith("/account/mfa/enrol/"), f"home: {home.location}")
    page = browser.get("/account/mfa/enrol/")
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)<', page.body)
    check(secret, "the enrolment page shows no secret")
    assert secret
    browser.secret = secret.group(1).replace(" ", "")
    response = browser.request(
        "POST", "/account/mfa/enrol/", {"csrfmiddlewaretoken": csrf_token(page.body), "token": browser.code()}
    )
    check(response.status == 302, f"enrolment refused the code ({response.status})")
    after = browser.request("GET", "/")
    check(after.location == "/account/password/", f"not sent to replace the password but to {after.location}")
    browser.post_form(
        "/account/password/",
        {"old_password": old_password, "new_password1": new_password, "new_password2": new_password},
    )
    check(browser.request("GET", "/account/password/").status == 200, "password page")


# ---------------------------------------------------------------------------- the run


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="stepcare-smoke-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG"))}
    env.update(
        {
            "STEPCARE_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": PG_URL,
            "REDIS_URL": REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
            "PROXY_COUNT": "1",
            "VIDEO_BASE_URL": "https://video.smoke.example.nhs.uk/join/",
            "SERVICE_PHONE": "0113 496 0000",
            "STATIC_ROOT": str(work / "static"),
            "REFERRAL_FORM_MIN_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    env.pop("NOTIFY_API_KEY", None)
    stack = Stack(work=work, port=port, env=env)
    print(f"Stepcare production smoke: {stack.base} (work folder {work})", flush=True)

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    failed = False
    try:
        run(stack)
    except (StepFailed, subprocess.TimeoutExpired, OSError) as exc:
        failed = True
        print(f"\nFAILED at step: {CURRENT_STEP}\n{exc}", file=sys.stderr, flush=True)
        stack.tail_logs()
    except KeyboardInterrupt:
        failed = True
        print(f"\nInterrupted at step: {CURRENT_STEP}", file=sys.stderr)
    finally:
        stack.stop()
        if os.environ.get("SMOKE_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
    if failed:
        return 1
    print(f"\nProduction smoke passed in {time.monotonic() - STARTED:.0f}s", flush=True)
    return 0


def run(stack: Stack) -> None:
    with step("fresh PostgreSQL database"):
        fresh_database(PG_URL)
    with step("empty Redis database"):
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.flushdb()
        client.close()
    with step("self-signed certificate (openssl)"):
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", str(stack.work / "key.pem"), "-out", str(stack.work / "cert.pem"),
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    with step("stepcare check --deploy"):
        stack.stepcare("check", "--deploy", "--fail-level", "ERROR")
    with step("stepcare migrate"):
        stack.stepcare("migrate", "--no-input", "-v0")
    with step("stepcare collectstatic (manifest storage)"):
        stack.stepcare("collectstatic", "--no-input", "-v0")
        check((stack.work / "static" / "staticfiles.json").exists(), "no staticfiles.json written")
    with step("stepcare bootstrap"):
        out = stack.stepcare(
            "bootstrap", "--organisation", "X9S", "--organisation-name", "Smoke Test NHS Trust",
            "--service", "Smoke Talking Therapies", "--manager", "sam.manager@example.nhs.uk",
            "--name", "Sam Manager",
        )  # fmt: skip
        match = re.search(r"one-time password: (\S+)", out)
        check(match, f"bootstrap printed no one-time password:\n{out}")
        assert match
        one_time = match.group(1)
        again = subprocess.run(
            [str(BIN / "stepcare"), "bootstrap", "--organisation", "X9S", "--service", "S",
             "--manager", "other@example.nhs.uk"],
            cwd=stack.work, env=stack.env, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        check(
            again.returncode != 0 and "already set up" in again.stderr, "a second bootstrap was not refused"
        )

    with step("start gunicorn (2 workers, TLS), Celery worker and beat"):
        stack.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"), "stepcare.wsgi:application", "--bind", f"127.0.0.1:{stack.port}",
                "--workers", "2", "--timeout", "60", "--certfile", str(stack.work / "cert.pem"),
                "--keyfile", str(stack.work / "key.pem"), "--forwarded-allow-ips", "127.0.0.1",
                "--access-logfile", "-", "--control-socket", str(stack.work / "gunicorn.ctl"),
            ],
        )  # fmt: skip
        stack.start(
            "worker",
            [str(BIN / "celery"), "-A", "stepcare", "worker", "--concurrency=1", "--loglevel=INFO",
             "-n", f"smoke-{stack.port}@%h"],
        )  # fmt: skip
        stack.start(
            "beat",
            [str(BIN / "celery"), "-A", "stepcare", "beat", "--loglevel=INFO",
             "--schedule", str(stack.work / "beat-schedule")],
        )  # fmt: skip
        probe = Browser(stack.base)
        deadline = time.monotonic() + 90
        while True:
            for name in ("gunicorn", "worker", "beat"):
                check(stack.alive(name), f"{name} exited at start-up")
            try:
                if probe.request("GET", "/health/").status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, ssl.SSLError, TimeoutError):
                pass
            check(time.monotonic() < deadline, "gunicorn did not answer /health/ within 90 seconds")
            time.sleep(0.5)

    with step("readiness: database, Redis, migrations"):
        ready = probe.get("/health/ready/")
        for name in ('"database": "ok"', '"redis": "ok"', '"migrations": "ok"'):
            check(name in ready.body, f"/health/ready/ says {ready.body}")

    with step("HTTPS behind the proxy: secure cookies, HSTS, http redirected"):
        page = probe.get("/account/sign-in/")
        cookies = page.headers.get("set-cookie", [])
        check(cookies and all("Secure" in c for c in cookies), f"cookies without Secure: {cookies}")
        check("max-age=31536000" in page.header("strict-transport-security"), "no HSTS header")
        plain = probe.request("GET", "/account/sign-in/", proto="http")
        check(
            plain.status == 301 and plain.header("location").startswith("https://"),
            f"X-Forwarded-Proto: http was not redirected to https ({plain.status})",
        )
        static = re.search(r'href="(/static/vendor/nhsuk-frontend\.min\.[0-9a-f]{12}\.css)"', page.body)
        check(static, "the page does not link the hashed stylesheet from the manifest")
        assert static
        check(probe.request("GET", static.group(1)).status == 200, "the hashed stylesheet is not served")

    manager = Browser(stack.base)
    with step("manager signs in with the one-time password"):
        manager.sign_in("sam.manager", one_time)
        session = [c for c in manager.jar if c.name == "sessionid"]
        check(session and session[0].secure, "the session cookie is not Secure")
    with step("manager enrols an authenticator and replaces the one-time password"):
        enrol_and_replace_password(manager, one_time, "Harbour-lantern-smoke-47")
    with step("manager adds a team"):
        page = manager.get("/account/teams/new/")
        service = options(page.body, "service")["Smoke Talking Therapies"]
        manager.post_form("/account/teams/new/", {"service": service, "name": "Step 3 North"})
    with step("manager adds a clinician to the new team and to the intake team"):
        teams = options(manager.get("/account/staff/new/").body, "team")
        response = manager.post_form(
            "/account/staff/new/",
            {
                "username": "casey.clinician", "first_name": "Casey", "last_name": "Clinician",
                "email": "casey.clinician@example.nhs.uk", "job_title": "CBT therapist",
                "temporary_password": "Temporary-otter-river-28", "team": teams["Step 3 North"],
                "role": "hit",
            },
        )  # fmt: skip
        staff_page = response.location
        check(re.fullmatch(r"/account/staff/\d+/", staff_page), f"not sent to the staff page: {staff_page}")
        manager.post_form(staff_page, {"team": teams["Intake"], "role": "hit"})
        listing = manager.get("/account/staff/").body
        check("casey.clinician" in listing and "Step 3 North" in listing, "the clinician is not listed")
    with step("manager signs out"):
        page = manager.get("/account/sign-out/")
        manager.request("POST", "/account/sign-out/", {"csrfmiddlewaretoken": csrf_token(page.body)})
        check(manager.request("GET", "/").status == 302, "still signed in after signing out")

    with step("a member of the public refers themselves at /refer/"):
        public = Browser(stack.base)
        page = public.get("/refer/")
        started = hidden(page.body, "started")
        time.sleep(1.2)  # REFERRAL_FORM_MIN_SECONDS=1 for this run
        response = public.request(
            "POST",
            "/refer/",
            {
                "csrfmiddlewaretoken": csrf_token(page.body), "started": started, "website": "",
                "given_name": "Imogen", "family_name": "Smoketest", "date_of_birth": "12/08/1992",
                "nhs_number": "", "phone_mobile": "07700 900321", "email": "", "address": "",
                "postcode": "NB1 2AB", "preferred_contact": "text", "preferred_language": "en",
                "gp_practice_name": "Riverside Surgery", "secondary_care_involvement": "no",
                "presenting_difficulties": "I have felt low and anxious for months and cannot sleep.",
                "consent": "on",
            },
        )  # fmt: skip
        check(
            response.status == 302 and response.location == "/refer/thank-you/", f"refused: {response.status}"
        )
        thanks = public.get("/refer/thank-you/")
        check('data-testid="reference"' in thanks.body, "no reference shown to the person")

    clinician = Browser(stack.base)
    with step("clinician signs in, enrols an authenticator and replaces the temporary password"):
        clinician.sign_in("casey.clinician", "Temporary-otter-river-28")
        enrol_and_replace_password(clinician, "Temporary-otter-river-28", "Kestrel-meadow-lantern-63")
    with step("clinician finds the referred person"):
        results = clinician.get("/patients/?q=Smoketest").body
        found = re.search(r'href="/patients/(\d+)/"', results)
        check(found, "the referred person is not found by name")
        assert found
        patient_pk = found.group(1)
    with step("clinician books an appointment"):
        book_path = f"/diary/patient/{patient_pk}/book/"
        page = clinician.get(book_path)
        referral = next(iter(options(page.body, "referral").values()))
        clinicians = options(page.body, "clinician")
        casey = next((v for label, v in clinicians.items() if "Casey" in label), None)
        check(casey, f"the clinician is not offered for booking: {list(clinicians)}")
        day = dt.date.today() + dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        starts_at = dt.datetime.combine(day, dt.time(10), tzinfo=LONDON)
        fields = {
            "csrfmiddlewaretoken": csrf_token(page.body), "referral": referral, "clinician": str(casey),
            "app_type": "01", "delivery_mode": "02", "duration": "60",
            "from_date": day.strftime("%d/%m/%Y"), "repeat": "once", "occurrences": "1",
            "starts_at": starts_at.isoformat(),
        }  # fmt: skip
        # The first appointment of a new referral is its assessment; the summary is shown first.
        summary = clinician.request("POST", book_path, fields)
        check(
            summary.status == 200 and "Confirm booking" in summary.body,
            f"no booking summary to confirm ({summary.status})",
        )
        response = clinician.request(
            "POST", book_path, {**fields, "csrfmiddlewaretoken": csrf_token(summary.body), "confirm": "yes"}
        )
        booked = re.fullmatch(r"/diary/appointment/(\d+)/", response.location)
        check(
            response.status == 302 and booked, f"booking refused ({response.status}): {response.body[-800:]}"
        )
        assert booked
        appointment_pk = booked.group(1)
        check("Appointment booked" in clinician.get(response.location).body, "no confirmation shown")

    with step("the Celery worker sends and records the booking message"):
        deadline = time.monotonic() + 60
        status = ""
        while time.monotonic() < deadline:
            status = psql(
                PG_URL,
                "SELECT status || ' ' || channel FROM scheduling_message "
                f"WHERE appointment_id = {int(appointment_pk)} AND kind = 'booked'",
            )
            if status:
                break
            check(stack.alive("worker"), "the Celery worker has stopped")
            time.sleep(0.5)
        check(status == "sent sms", f"booking message not recorded as sent by text within 60 s ({status!r})")

    with step("the audit log records the client address the proxy saw"):
        count = psql(PG_URL, f"SELECT count(*) FROM audit_auditevent WHERE ip_address = '{CLIENT_ADDRESS}'")
        check(int(count) > 0, "no audit event carries the forwarded client address")

    with step("stepcare jobs status"):
        report = stack.stepcare("jobs", "status")
        check(re.search(r"succeeded in the last 60 minutes: [1-9]", report), f"no job recorded:\n{report}")
        check("failed in the last 60 minutes: 0" in report, f"jobs failed:\n{report}")
        check("running: " in report and "no worker answered" not in report, f"worker not seen:\n{report}")
        check(stack.alive("beat"), "Celery beat has stopped")
        check("beat: Starting" in stack.log("beat").read_text(errors="replace"), "beat did not start")

    with step("stepcare backup and restore into an empty database"):
        dump = stack.work / "smoke.dump"
        stack.stepcare("backup", "--out", str(dump))
        restore_url = PG_URL.rsplit("/", 1)[0] + "/" + admin_url(PG_URL)[1] + "_restore"
        fresh_database(restore_url)
        try:
            restore_env = {**stack.env, "DATABASE_URL": restore_url}
            result = subprocess.run(
                [str(BIN / "stepcare"), "restore", str(dump)],
                env=restore_env, capture_output=True, text=True, check=False, timeout=300,
            )  # fmt: skip
            check(result.returncode == 0, f"restore failed: {result.stderr[-2000:]}")
            sql = "SELECT count(*) FROM scheduling_message WHERE kind = 'booked'"
            check(psql(restore_url, sql) == psql(PG_URL, sql), "the restored copy differs")
        finally:
            server, name = admin_url(restore_url)
            psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    with step("manager signs in again with password and authenticator code"):
        manager.jar.clear()
        manager.sign_in("sam.manager", "Harbour-lantern-smoke-47")
        to_verify = manager.request("GET", "/account/staff/")
        check(
            to_verify.location.startswith("/account/mfa/verify/"),
            f"not asked for a code: {to_verify.location}",
        )
        page = manager.get("/account/mfa/verify/")
        response = manager.request(
            "POST",
            "/account/mfa/verify/",
            {"csrfmiddlewaretoken": csrf_token(page.body), "token": manager.code()},
        )
        check(response.status == 302, f"the code was refused ({response.status})")
        check("casey.clinician" in manager.get("/account/staff/").body, "staff list after verification")

    with step("readiness still passes; every process still running"):
        check('"status": "ok"' in probe.get("/health/ready/").body, "not ready at the end")
        for name in ("gunicorn", "worker", "beat"):
            check(stack.alive(name), f"{name} stopped during the run")


if __name__ == "__main__":
    raise SystemExit(main())
