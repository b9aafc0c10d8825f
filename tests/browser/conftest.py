"""Browser tests: daphne in a subprocess against the test database, a real Redis channel layer,
and the system Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.reliability.processes import database_url_of_test

# Playwright's sync API runs an event loop in the test thread, and Django refuses ORM calls from
# a thread with a running loop; the test's own ORM calls are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = BASE_DIR / "var" / "screenshots"
SERVER_READY_TIMEOUT_S = 30
SERVER_STOP_TIMEOUT_S = 10
POLL_INTERVAL_S = 0.1
# Chromium resolves nothing but 127.0.0.1 and phones nowhere home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    lake_root: Path
    # daphne's output, kept in the test's tmp_path for a failed run
    log_path: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until(ready: Any, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{what} not ready in {SERVER_READY_TIMEOUT_S} s:\n{log.read_text()}"
            )
        time.sleep(POLL_INTERVAL_S)


@pytest.fixture
def live_daphne(transactional_db: None, redis_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The real ASGI application (HTTP and WebSockets) on 127.0.0.1, sharing the test database,
    with a real Redis channel layer (the root conftest's `redis_url`). Celery runs eagerly and
    uploads synchronously, so a finished upload has finished loading."""
    port = _free_port()
    lake_root = tmp_path / "lake"
    env = {
        **os.environ,
        # The settings this test runs with (pytest-django exported them to the environment).
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "bedrot_site.settings"),
        "DATABASE_URL": database_url_of_test(),
        # Short-lived connections: the test database is flushed once the test ends.
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "BEDROT_UPLOAD_ASYNC": "false",
        "LAKE_ROOT": str(lake_root),
        "BEDROT_VAR_DIR": str(tmp_path / "var"),
        "BEDROT_WORK_DIR": str(tmp_path / "work"),
        "BEDROT_REPORTS_DIR": str(tmp_path / "reports"),
        "PYTHONUNBUFFERED": "1",
    }
    # The server must refuse async-unsafe ORM use like production does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "daphne.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "bedrot_site.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    try:
        _wait_until(answers, process, "daphne", log_path)
        yield LiveServer(url=url, lake_root=lake_root, log_path=log_path)
    finally:
        _stop(process)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=settings.CHROMIUM_PATH, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
