"""The health page in Chromium: each source's score and status as scored, an operator's retry of
a failed run creating a linked run with the original arguments, and the open page following a
`health_changed` announcement without a reload."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from apps.health.services import health_check_run
from apps.health.tests import factories
from tests.browser.conftest import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

USERNAME = "olga"
PASSWORD = "olga-browser-pass"  # a throwaway operator in the test database
# B5: an open page shows a change within 2 s; the margin covers a loaded 2-core machine.
LIVE_UPDATE_TIMEOUT_MS = 5000

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def health_data(live_daphne: LiveServer) -> dict[str, Any]:
    """A healthy Spotify, a stale TooLost with one failed extraction, and an operator; made
    before the browser starts (no ORM calls from inside Playwright's loop)."""
    now = timezone.now()
    ago = {days: now - timedelta(days=days) for days in (1, 10, 20)}
    factories.lake_file(
        source="spotify", account="zonea0", created_at=ago[1], period_end=ago[1].date()
    )
    factories.credential(
        source="spotify", account="zonea0", expires_at=now + timedelta(days=20),
        last_verified_at=ago[1],
    )  # fmt: skip
    factories.lake_file(
        source="toolost", kind="analytics", created_at=ago[10], period_end=ago[10].date()
    )
    factories.lake_file(
        source="toolost", kind="sales_report", created_at=ago[20], period_end=ago[20].date()
    )
    failed = factories.task_run(
        source="toolost",
        status="failed",
        queued_at=now - timedelta(hours=2),
        error_code="transient",
    )
    password = PBKDF2PasswordHasher().encode(PASSWORD, "browser-salt", iterations=1000)
    get_user_model().objects.create(
        username=USERNAME, password=password, is_staff=True, is_superuser=True
    )
    return {"failed_run_id": failed.pk}


def _sign_in(browser: Browser, server: LiveServer) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    return page


def _card(page: Page, source: str) -> tuple[str, str]:
    card = page.locator(f"#source-{source}")
    return (
        card.locator("[data-status]").inner_text(),
        card.locator("[data-score]").inner_text(),
    )


def test_browser_health_page_shows_scores_and_retries_a_failed_run(
    live_daphne: LiveServer, health_data: dict[str, Any], browser: Any, screenshot_dir: Path
) -> None:
    failed_id = health_data["failed_run_id"]
    page = _sign_in(browser, live_daphne)

    # when an operator opens the health page
    page.goto(f"{live_daphne.url}/health/")

    # then spotify is HEALTHY at 100; toolost (CRITICAL priority, x1.5) lost 45 for 10-day-old
    # analytics, 30 for being a stale critical source and 7 for the failed run: 18, FAILED;
    # one bad source of two with an average of 59 makes the overall WARNING
    assert _card(page, "spotify") == ("HEALTHY", "100")
    assert _card(page, "toolost") == ("FAILED", "18")
    assert _card(page, "mailchimp") == ("NOT_CONFIGURED", "-")
    assert page.locator("[data-overall-status]").inner_text() == "WARNING"
    rows = page.locator("#source-toolost tbody tr")
    assert [
        (row.get_attribute("data-rule"), row.locator("td").last.inner_text()) for row in rows.all()
    ] == [("freshness", "-45"), ("critical_source_stale", "-30"), ("failed_runs_24h", "-7")]
    assert rows.first.locator("td").first.inner_text() == "analytics: 10 days old (30 x 1.5)"
    page.screenshot(path=screenshot_dir / "health_01_page.png", full_page=True)
    # the deduction table fits its card (its last column is not cut off)
    card_box = page.locator("#source-toolost").bounding_box()
    points_box = rows.first.locator("td").last.bounding_box()
    assert card_box is not None
    assert points_box is not None
    assert points_box["x"] + points_box["width"] <= card_box["x"] + card_box["width"]

    # when the operator retries the failed run
    page.locator(f'#runs-table tr[data-run="{failed_id}"] button', has_text="Retry").click()
    page.wait_for_url(f"{live_daphne.url}/health/")

    # then the page confirms it and lists the new run, queued, linked to the failed one (read
    # from the page: an ORM call inside Playwright's loop would outlive the test database)
    retry_id = failed_id + 1
    assert page.locator(".notice li.success").inner_text() == (
        f"Run {failed_id} retried as run {retry_id}."
    )
    new_row = page.locator(f'#runs-table tr[data-run="{retry_id}"]')
    assert new_row.locator("th").inner_text() == f"{retry_id} (of {failed_id})"
    assert [cell.inner_text() for cell in new_row.locator("td").all()[:4]] == [
        "apps.sources.tasks.source_extract",
        "toolost",
        "retry",
        "queued",
    ]
    page.screenshot(path=screenshot_dir / "health_02_retried.png", full_page=True)


@pytest.fixture
def live_health(live_daphne: LiveServer, redis_url: str, settings: Any) -> None:
    """A healthy Spotify and an operator; this process announces on the Redis channel layer the
    server listens to (the same prefix as the settings), so a check run here reaches the page."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "bedrot:channels"},
        }
    }
    now = timezone.now()
    factories.lake_file(
        source="spotify", account="zonea0", created_at=now - timedelta(days=1),
        period_end=(now - timedelta(days=1)).date(),
    )  # fmt: skip
    factories.credential(
        source="spotify", account="zonea0", expires_at=now + timedelta(days=20),
        last_verified_at=now - timedelta(days=1),
    )  # fmt: skip
    password = PBKDF2PasswordHasher().encode(PASSWORD, "browser-salt", iterations=1000)
    get_user_model().objects.create(
        username=USERNAME, password=password, is_staff=True, is_superuser=True
    )


def _elsewhere(change: Callable[[], None]) -> None:
    """Run `change` in a thread of its own, as the worker's health check would run outside the
    page: Playwright's loop owns the test thread, and a broadcast cannot start from inside it."""

    def run() -> None:
        try:
            change()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)


def _login_lost_and_checked() -> None:
    # the sources app marks the login as needing a human (a vendor refused it) ...
    django_apps.get_model("sources", "Credential").objects.filter(source="spotify").update(
        status="needs_reconnect"
    )
    # ... and the 30-minute health check scores it and announces `health_changed`
    health_check_run(remediate=False, notify=False)


@pytest.mark.usefixtures("live_health")
def test_browser_health_page_follows_a_health_change_without_reload(
    live_daphne: LiveServer, browser: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    # given the health page open and subscribed, Spotify healthy
    page = _sign_in(browser, live_daphne)
    page.goto(f"{live_daphne.url}/health/")
    expect(page.locator("html")).to_have_attribute("data-live", "connected")
    assert _card(page, "spotify") == ("HEALTHY", "100")
    assert page.locator("[data-overall-status]").inner_text() == "HEALTHY"
    page.evaluate("window.__bedrotLoaded = 'first-load'")

    # when Spotify's login is lost and a health check runs elsewhere
    _elsewhere(_login_lost_and_checked)

    # then the open page shows the new overall status and Spotify's new card, without a reload
    badge = page.locator("[data-overall-status]")
    expect(badge).to_have_text("WARNING", timeout=LIVE_UPDATE_TIMEOUT_MS)
    expect(badge).to_have_attribute("data-overall-status", "WARNING")
    card = page.locator("#source-spotify")
    expect(card.locator("[data-status]")).to_have_text("WARNING", timeout=LIVE_UPDATE_TIMEOUT_MS)
    expect(card.locator("[data-score]")).to_have_text("64")
    assert [
        (row.get_attribute("data-rule"), row.locator("td").last.inner_text())
        for row in card.locator("tbody tr").all()
    ] == [("credential", "-36")]
    assert page.evaluate("window.__bedrotLoaded") == "first-load"
    page.screenshot(path=screenshot_dir / "health_03_live_change.png", full_page=True)
