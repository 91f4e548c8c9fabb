"""Load benchmark: a fixed arrival rate over the pages staff use all day, on loopback.

Signs in through the real forms (password, then the account's TOTP code from
`stepcare demo-otp`), then drives `--rate` requests a second for `--duration` seconds over a
fixed page mix (my day and week, team week, patient, record, referral, inbox, waiting list,
caseload, search, KPI dashboard, and `/health/` as the yardstick) with locust, headless and
bounded in time. Prints, per page, the requests, errors, p50/p95/p99 in milliseconds and the
page's p95 as a multiple of `/health/`'s p95 in the same run.

    make bench-load DATABASE_URL=postgresql://postgres@localhost:5432/stepcare_big
    .venv/bin/python bench/load.py --serve --database-url postgresql://... [--rate 30] [--duration 60]
    .venv/bin/python bench/load.py --base-url http://127.0.0.1:8000 --database-url ...  # a server you run

With `--serve` it first starts gunicorn (2 workers) on a free loopback port with production
settings (STEPCARE_ENV=production, a secret made for the run, Redis for the cache) against the
database given, after `collectstatic` into a temporary folder; it stops it at the end. The
database must hold the demo service (`stepcare demo`, any scale): the accounts and their demo
authenticators are the demo's. Nothing leaves the machine: a base URL that is not loopback is
refused. Production settings mark cookies Secure and expect TLS at a proxy, so the client
says so as a proxy would (X-Forwarded-Proto) and sends its cookies itself.

The simulated users are started over one period of a user (each asks every users/rate
seconds), so requests arrive spread over each second; started all at once, they asked in waves
and the waves set the latency (at 30/s the /health/ p50 was 610 ms, 230 ms spread out).

Measured on 30 November 2026 on the shared 2-core development machine (gunicorn, 2 sync
workers; PostgreSQL, Redis and this client on the same two cores; 60 s a rate). The large demo
(120,000 referrals) also held 5,000,000 synthetic audit events (bench/audit_trail.py), so every
page view wrote to a trail of a service's years:

| demo | asked | served | errors | /health/ p50 / p95 | pages' p95 | worst page p95 / health's |
|---|---|---|---|---|---|---|
| large, earlier that day, before docs/adr/0021 | 30/s | 16.0/s | 0 | 3.3 s / 4.5 s | | 2.0x |
| large, users started at once | 60/s | 60.0/s | 0 | 1.2 s / 1.8 s | 1.5–1.8 s | 1.0x |
| large, users started at once | 50/s | 50.0/s | 0 | 0.93 s / 1.6 s | 1.6–1.7 s | 1.1x |
| 1,000 patients, users started at once | 50/s | 50.0/s | 0 | 0.72 s / 1.3 s | 1.3 s | 1.0x |
| large | 30/s | 30.0/s | 0 | 0.23 s / 0.45 s | 0.48–0.54 s | 1.2x |
| large | 50/s | 50.0/s | 0 | 0.44 s / 0.80 s | 0.76–0.83 s | 1.0x |
| large, a real working week, curves warm | 30/s | 30.0/s | 0 | 0.19 s / 0.36 s | 0.38–0.44 s | 1.2x |
| large, the same | 50/s | 50.0/s | 0 | 0.32 s / 0.64 s | 0.64–0.69 s | 1.1x |
| 1,000 patients, the same code | 50/s | 50.0/s | 0 | 0.30 s / 0.55 s | 0.57–0.60 s | 1.1x |
| large, 1 December, a new machine | 30/s | 30.0/s | 0 | 0.22 s / 0.40 s | 0.42–0.53 s | 1.3x |
| large, the same | 50/s | 50.0/s | 0 | 0.37 s / 0.68 s | 0.68–0.72 s | 1.1x |
| large, later on 1 December | 30/s | 30.0/s | 0 | 0.18 s / 0.33 s | 0.36–0.40 s | 1.2x |
| large, the same | 50/s | 50.0/s | 0 | 0.33 s / 0.60 s | 0.60–0.63 s | 1.1x |

This client adds time of its own: at 10/s it reported a /health/ p50 of 59–78 ms where a plain
client of threads with the same users and page mix saw 4 ms. With that plain client (the same
demo and server, 40 s a rate): at 30/s every page's p95 was 37–153 ms (/health/ 12 ms); at 50/s
49.7/s were served, /health/ p50 53 ms and every page's p95 229–289 ms. The server holds 50
requests a second on this machine; a worker spends about 26 ms of CPU and PostgreSQL about 5 ms
on the average request of the mix (team week about 56 + 12 ms, /health/ about 1 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# locust patches the standard library for gevent when imported: before requests (and its ssl).
import gevent
import locust
import requests
from locust import HttpUser, constant_throughput, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEMO_PASSWORD = "stepcare-demo-password"  # the demo's published password
CLINICIAN, MANAGER = "ben.hughes", "laura.bennett"
MAX_DURATION = 900

# Page label -> (path template, account). Paths are filled from the database (discover()).
PAGES = {
    "health": ("/health/", None),
    "my day": ("/diary/my-day/", CLINICIAN),
    "my week": ("/diary/", CLINICIAN),
    "team week": ("/diary/team/{team}/", CLINICIAN),
    "patient": ("/patients/{patient}/", CLINICIAN),
    "record": ("/records/patients/{patient}/", CLINICIAN),
    "referral": ("/referrals/{referral}/", CLINICIAN),
    "inbox": ("/referrals/", MANAGER),
    "waiting list": ("/referrals/waiting-list/", MANAGER),
    "caseload": ("/outcomes/caseload/", CLINICIAN),
    "search": ("/patients/?q={surname}", CLINICIAN),
    "KPI dashboard": ("/reports/", MANAGER),
}

DISCOVER = f"""
import json
import django
django.setup()
from stepcare.accounts.models import Membership, User
from stepcare.referrals.models import Referral
clinician = User.objects.get(username={CLINICIAN!r})
referral = (
    Referral.objects.filter(allocated_to=clinician, patient__isnull=False, status="in_treatment")
    .order_by("id").first()
    or Referral.objects.filter(allocated_to=clinician, patient__isnull=False).order_by("id").first()
)
team = Membership.objects.filter(user=clinician, active=True).values_list("team_id", flat=True).first()
print(json.dumps({{
    "team": team, "patient": referral.patient_id, "referral": referral.pk,
    "surname": referral.patient.family_name,
}}))
"""


def django_env(database_url: str) -> dict[str, str]:
    """The environment for Stepcare's own commands (development settings, this database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG"))}
    env.update({"DATABASE_URL": database_url, "STEPCARE_ENV": "development"})
    env.pop("REDIS_URL", None)
    return env


def discover(database_url: str) -> dict[str, str]:
    """The ids the page paths need: the clinician's team, a patient they treat, its referral."""
    result = subprocess.run(
        [sys.executable, "-c", DISCOVER],
        env={**django_env(database_url), "DJANGO_SETTINGS_MODULE": "stepcare.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return {k: str(v) for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def demo_otp(username: str, database_url: str) -> str:
    """The account's current code, as a tester reads it with `stepcare demo-otp`."""
    result = subprocess.run(
        [str(BIN / "stepcare"), "demo-otp", username],
        env=django_env(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def csrf_token(response: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    if not match:
        raise SystemExit(f"no CSRF token on {response.url} ({response.status_code}: {response.text[:300]!r})")
    return match.group(1)


def sign_in(base: str, username: str, database_url: str) -> dict[str, str]:
    """Sign in through the real forms; returns the session's cookies."""
    session = requests.Session()
    session.headers.update(proxy_headers(base))
    cookies: dict[str, str] = {}

    def send(method: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if data is not None:
            headers["Referer"] = public_origin(base) + path
        response = session.request(
            method, base + path, data=data, headers=headers, allow_redirects=False, timeout=60
        )
        for name, value in response.cookies.items():
            cookies[name] = value or ""
        return response

    page = send("GET", "/account/sign-in/")
    form = {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrf_token(page)}
    response = send("POST", "/account/sign-in/", form)
    if response.status_code != 302:
        raise SystemExit(f"signing in {username}: {response.status_code} from the password form")
    verify = urllib.parse.urlsplit(response.headers["Location"]).path
    for _ in range(5):  # to the two-factor page, wherever the password form sends us first
        page = send("GET", verify)
        if page.status_code != 302:
            break
        verify = urllib.parse.urlsplit(page.headers["Location"]).path
    for attempt in range(3):
        page = send("GET", verify)
        code = demo_otp(username, database_url)
        response = send("POST", verify, {"token": code, "csrfmiddlewaretoken": csrf_token(page)})
        if response.status_code == 302:
            return cookies
        time.sleep(31 if attempt else 2)  # a code is good once: wait for the next one
    raise SystemExit(f"signing in {username}: the two-factor code was refused")


def public_origin(base: str) -> str:
    """The origin production settings see behind their (pretend) TLS proxy."""
    return "https://" + urllib.parse.urlsplit(base).netloc


def proxy_headers(base: str) -> dict[str, str]:
    return {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(database_url: str, redis_url: str, workers: int) -> Iterator[str]:
    """gunicorn on a loopback port with production settings; yields its base URL."""
    work = Path(tempfile.mkdtemp(prefix="stepcare-load-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG"))}
    env.update(
        {
            "STEPCARE_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
            "PROXY_COUNT": "1",
            "VIDEO_BASE_URL": "https://video.load.example.nhs.uk/join/",
            "SERVICE_PHONE": "0113 496 0000",
            "STATIC_ROOT": str(work / "static"),
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
        }
    )
    env.pop("NOTIFY_API_KEY", None)
    subprocess.run([str(BIN / "stepcare"), "collectstatic", "--no-input", "-v0"], env=env, check=True)
    # Today's expected-response curves, as the beat job keeps them in service (seconds of work
    # at the large demo that the first caseload would otherwise wait for).
    subprocess.run([str(BIN / "stepcare"), "warm-curves"], env=env, check=True, stdout=subprocess.DEVNULL)
    log = (work / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "stepcare.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--error-logfile", "-"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/health/", headers=proxy_headers(base), timeout=5).ok:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start: see {work / 'gunicorn.log'}")
            time.sleep(0.5)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class Request:
    label: str
    path: str
    headers: dict[str, str]


def run_load(base: str, requests_mix: list[Request], rate: float, duration: int, users: int) -> Environment:
    """Drive `rate` requests a second over the mix for `duration` seconds (locust, headless)."""
    order = itertools.cycle(random.Random(15).sample(requests_mix * 20, len(requests_mix) * 20))

    class Staff(HttpUser):
        host = base
        wait_time = constant_throughput(rate / users)

        @task
        def page(self) -> None:
            request = next(order)
            with self.client.get(
                request.path,
                headers=request.headers,
                name=request.label,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")

    env = Environment(user_classes=[Staff], events=locust.events)
    runner = env.create_local_runner()
    # Started over one period of a user (users / rate seconds), so their requests arrive spread
    # evenly over each second: started all at once, every user asks in the same instant each
    # period, and the waves (not the server) set the latency.
    runner.start(users, spawn_rate=rate)
    gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join()
    return env


def report(env: Environment, labels: list[str], duration: int, rate: float) -> None:
    stats = env.stats
    health = stats.get("health", "GET").get_response_time_percentile(0.95) or 1
    total = stats.total
    print(
        f"\n{total.num_requests:,} requests in {duration} s "
        f"({total.num_requests / duration:.1f}/s against {rate:g}/s asked), {total.num_failures} errors"
    )
    heads = ("requests", "errors", "p50 ms", "p95 ms", "p99 ms", "p95/health")
    times = " ".join(f"{h:>7}" for h in heads[2:5])
    print(f"{'page':<15} {heads[0]:>8} {heads[1]:>6} {times} {heads[5]:>10}")
    for label in labels:
        entry = stats.get(label, "GET")
        p50, p95, p99 = (entry.get_response_time_percentile(q) or 0 for q in (0.5, 0.95, 0.99))
        print(
            f"{label:<15} {entry.num_requests:>8} {entry.num_failures:>6} {p50:>7.0f} {p95:>7.0f} "
            f"{p99:>7.0f} {p95 / health:>9.1f}x"
        )
    for error in env.stats.errors.values():
        print(f"  error: {error.name}: {error.error} ({error.occurrences}x)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--serve", action="store_true", help="start gunicorn on loopback for the run")
    parser.add_argument("--base-url", help="a Stepcare already running on loopback (instead of --serve)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers with --serve")
    parser.add_argument("--rate", type=float, default=30, help="requests a second over the mix")
    parser.add_argument("--duration", type=int, default=60, help=f"seconds of load (at most {MAX_DURATION})")
    parser.add_argument("--users", type=int, default=0, help="simulated users (default: twice the rate)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give the PostgreSQL database holding the demo: --database-url or DATABASE_URL")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be from 1 to {MAX_DURATION} seconds")
    if bool(args.serve) == bool(args.base_url):
        parser.error("give either --serve or --base-url")
    if args.base_url and urllib.parse.urlsplit(args.base_url).hostname not in LOOPBACK:
        parser.error("the load benchmark only runs against loopback (127.0.0.1, localhost or ::1)")
    ids = discover(args.database_url)
    users = args.users or max(2, int(args.rate * 2))
    with contextlib.ExitStack() as stack:
        base = args.base_url.rstrip("/") if args.base_url else stack.enter_context(
            gunicorn(args.database_url, args.redis_url, args.workers)
        )  # fmt: skip
        print(f"Stepcare at {base}; signing in {CLINICIAN} and {MANAGER} through the sign-in forms")
        cookies = {who: sign_in(base, who, args.database_url) for who in (CLINICIAN, MANAGER)}
        mix = []
        for label, (template, who) in PAGES.items():
            headers = proxy_headers(base)
            if who is not None:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies[who].items())
            mix.append(Request(label, template.format(**ids), headers))
        print(f"{args.rate:g} requests/s for {args.duration} s from {users} users over {len(mix)} pages")
        env = run_load(base, mix, args.rate, args.duration, users)
        report(env, list(PAGES), args.duration, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
