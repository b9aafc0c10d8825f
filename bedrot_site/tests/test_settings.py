"""Settings fail fast on bad values, pass Django's deploy check in production, and keep the
Celery, Channels and DRF invariants the rest of the code relies on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from channels.security.websocket import OriginValidator
from django.conf import settings
from rest_framework.permissions import IsAdminUser
from rest_framework.settings import api_settings

from apps.health.tasks import RETRY_BACKOFF_MAX_S
from bedrot_site.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]
IMPORT_SETTINGS = [sys.executable, "-c", "import bedrot_site.settings"]


def _run_clean(
    command: list[str], tmp_path: Path, **overrides: str
) -> subprocess.CompletedProcess[str]:
    """Run with only PATH, HOME and a private var/ dir, so the caller's env cannot leak in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "BEDROT_VAR_DIR": str(tmp_path / "var"),
        **overrides,
    }
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_settings_import_with_defaults_succeeds(tmp_path: Path) -> None:
    # given nothing configured, when importing the settings, then they load (development)
    result = _run_clean(IMPORT_SETTINGS, tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


def test_settings_reject_non_boolean_debug(tmp_path: Path) -> None:
    # given DJANGO_DEBUG=maybe, when importing the settings
    result = _run_clean(IMPORT_SETTINGS, tmp_path, DJANGO_DEBUG="maybe")

    # then startup stops naming the variable and what it accepts
    assert result.returncode != 0
    assert _last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "DJANGO_DEBUG accepts true/false/1/0 only; got 'maybe'"
    )


def test_settings_reject_unsupported_database_url(tmp_path: Path) -> None:
    # given a MySQL URL carrying a password
    result = _run_clean(IMPORT_SETTINGS, tmp_path, DATABASE_URL="mysql://x:hunter2@db/bedrot")

    # then startup stops naming DATABASE_URL, without echoing the password
    assert result.returncode != 0
    assert _last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "DATABASE_URL must be a postgres:// or sqlite:/// URL"
    )
    assert "hunter2" not in result.stderr


def test_settings_production_requires_secret_key(tmp_path: Path) -> None:
    # given production without a secret key, when importing the settings, then startup stops
    result = _run_clean(IMPORT_SETTINGS, tmp_path, BEDROT_ENV="production")
    assert result.returncode != 0
    assert _last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required in production"
    )


def test_settings_production_reads_secret_key_file(tmp_path: Path) -> None:
    # given the secret key in a file (as a container secret would be), then production starts
    secret = secrets.token_urlsafe(50)
    key_file = tmp_path / "secret_key"
    key_file.write_text(secret + "\n")
    command = [
        sys.executable,
        "-c",
        "from bedrot_site.settings import SECRET_KEY; print(len(SECRET_KEY))",
    ]
    result = _run_clean(
        command, tmp_path, BEDROT_ENV="production", DJANGO_SECRET_KEY_FILE=str(key_file)
    )
    assert (result.returncode, result.stdout.strip()) == (0, str(len(secret)))
    assert secret not in result.stderr


PRODUCTION = {
    "BEDROT_ENV": "production",
    "DJANGO_ALLOWED_HOSTS": "bedrot.example.com",
}


def test_settings_production_pass_security_deploy_check(tmp_path: Path) -> None:
    # given production settings with a long random key and a real host name
    result = _run_clean(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--tag",
            "security",
            "--fail-level",
            "WARNING",
        ],
        tmp_path,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **PRODUCTION,
    )

    # then Django's security checks (HTTPS, HSTS, cookies, key, debug, hosts) report nothing
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_settings_production_pass_full_deploy_check(tmp_path: Path) -> None:
    # given the same production settings, when running every deploy check
    result = _run_clean(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **PRODUCTION,
    )

    # then nothing is reported either, drf-spectacular's schema generation included
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def _task_limits() -> tuple[list[int], list[int]]:
    """Hard time limits and retry backoff caps of every registered task, defaults included."""
    celery_app.loader.import_default_modules()
    conf = celery_app.conf
    hard_limits = [conf.task_time_limit]
    backoff_caps = [RETRY_BACKOFF_MAX_S]
    for task in celery_app.tasks.values():
        if task.time_limit:
            hard_limits.append(task.time_limit)
        if getattr(task, "retry_backoff", False):
            backoff_caps.append(task.retry_backoff_max)
    return hard_limits, backoff_caps


def test_celery_settings_survive_worker_loss() -> None:
    # a task is acked only when done, redelivered if its worker dies, and fetched one at a time
    conf = celery_app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert conf.worker_prefetch_multiplier == 1
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_celery_visibility_timeout_outlasts_limits_and_retries() -> None:
    # a message is redelivered only after the longest task and the longest retry wait are over
    conf = celery_app.conf
    visibility_timeout_s = conf.broker_transport_options["visibility_timeout"]
    hard_limits, backoff_caps = _task_limits()
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert max(hard_limits) < visibility_timeout_s
    assert max(backoff_caps) < visibility_timeout_s


# Building the ASGI app wires WhiteNoise, which warns when collectstatic has not run yet.
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_websockets_sit_behind_the_origin_validator() -> None:
    # given the ASGI application (its host list is read once, at import)
    from bedrot_site.asgi import application

    websocket_app = application.application_mapping["websocket"]

    # then its WebSocket branch accepts only origins on ALLOWED_HOSTS, and no Origin at all
    assert isinstance(websocket_app, OriginValidator)
    assert websocket_app.valid_origin(urlparse("http://localhost:8000")) is True
    assert websocket_app.valid_origin(urlparse("https://evil.example.com")) is False
    assert websocket_app.valid_origin(None) is False


def test_drf_default_permission_is_staff_only() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "rest_framework.permissions.IsAdminUser"
    ]
    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
    assert permission_classes == [IsAdminUser]


@pytest.mark.parametrize("name", ["CELERY_TASK_HARD_TIME_LIMIT_S", "AXES_FAILURE_LIMIT"])
def test_settings_reject_non_integer(tmp_path: Path, name: str) -> None:
    result = _run_clean(IMPORT_SETTINGS, tmp_path, **{name: "ten"})
    assert result.returncode != 0
    assert _last_line(result) == (
        f"django.core.exceptions.ImproperlyConfigured: {name} must be an integer; got 'ten'"
    )
