"""Production configuration refuses to start when incomplete or weakened."""

from __future__ import annotations

import os
import subprocess
import sys

GOOD = {
    "STEPCARE_ENV": "production",
    "SECRET_KEY": "x" * 64,
    "DATABASE_URL": "postgresql://stepcare@localhost/stepcare",
    "REDIS_URL": "redis://localhost:6379/0",
    "ALLOWED_HOSTS": "stepcare.example.nhs.uk",
    "VIDEO_BASE_URL": "https://video.example.nhs.uk/join/",
    "SERVICE_PHONE": "0113 496 0000",
}


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD and k not in {"DEBUG", "AXES_ENABLED", "NOTIFY_API_KEY", "NOTIFY_TEMPLATE_IDS"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import stepcare.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_complete_production_settings_load() -> None:
    assert _load_settings(GOOD).returncode == 0


def test_production_without_a_secret_key_names_what_is_missing() -> None:
    result = _load_settings({**GOOD, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_sqlite_debug_and_disabled_lockout() -> None:
    result = _load_settings(
        {**GOOD, "DATABASE_URL": "sqlite:///x.db", "DEBUG": "true", "AXES_ENABLED": "false"}
    )
    assert result.returncode != 0
    for hint in (
        "DATABASE_URL must point at PostgreSQL",
        "DEBUG must be false",
        "AXES_ENABLED cannot be false",
    ):
        assert hint in result.stderr


def test_malformed_boolean_is_reported_with_its_name() -> None:
    result = _load_settings({"DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a true/false value" in result.stderr


def test_notify_without_template_ids_and_a_placeholder_video_address_are_refused() -> None:
    env = {**GOOD, "NOTIFY_API_KEY": "key", "VIDEO_BASE_URL": "https://video.example.invalid/join/"}
    result = _load_settings(env)
    assert "NOTIFY_TEMPLATE_IDS must name the GOV.UK Notify templates" in result.stderr
    assert "VIDEO_BASE_URL must be your video service's joining address" in result.stderr


def test_malformed_json_setting_is_reported_with_its_name() -> None:
    result = _load_settings({"NOTIFY_TEMPLATE_IDS": "{not json"})
    assert result.returncode != 0 and "NOTIFY_TEMPLATE_IDS is not valid JSON" in result.stderr


def test_a_proxy_in_front_without_trusted_origins_is_refused() -> None:
    result = _load_settings({**GOOD, "PROXY_COUNT": "1"})
    assert result.returncode != 0
    assert "CSRF_TRUSTED_ORIGINS must list the public address" in result.stderr
    trusted = {**GOOD, "PROXY_COUNT": "1", "CSRF_TRUSTED_ORIGINS": "https://stepcare.example.nhs.uk"}
    assert _load_settings(trusted).returncode == 0


UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing answers Redis there


def _run(code: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never would.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD and k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        code, env={**clean, **env}, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_web_server_refuses_to_start_when_redis_does_not_answer() -> None:
    result = _run([sys.executable, "-c", "import stepcare.wsgi"], {**GOOD, "REDIS_URL": UNREACHABLE_REDIS})
    assert result.returncode != 0
    assert "Stepcare web server cannot start" in result.stderr
    assert "REDIS_URL does not answer" in result.stderr


def test_the_worker_refuses_to_start_when_redis_does_not_answer() -> None:
    celery = [sys.executable, "-m", "celery", "-A", "stepcare", "worker", "--pool=solo", "--loglevel=ERROR"]
    result = _run(celery, {**GOOD, "REDIS_URL": UNREACHABLE_REDIS})
    assert result.returncode != 0
    assert "Stepcare worker cannot start" in result.stdout + result.stderr


def test_management_commands_still_run_and_the_deploy_check_names_unreachable_redis() -> None:
    stepcare = [sys.executable, "-m", "stepcare.cli", "check", "--deploy"]
    result = _run(stepcare, {**GOOD, "REDIS_URL": UNREACHABLE_REDIS})
    assert result.returncode == 0, result.stderr
    assert "stepcare.W001" in result.stderr and "REDIS_URL does not answer" in result.stderr


def test_the_web_server_starts_in_production_when_redis_answers() -> None:
    result = _run(
        [sys.executable, "-c", "import stepcare.wsgi"], {**GOOD, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    )
    assert result.returncode == 0, result.stderr


def test_production_redirects_to_https_except_health_checks_from_the_load_balancer() -> None:
    code = (
        "import stepcare.settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = _run([sys.executable, "-c", code], GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "['^health/']", "True", "True"]
