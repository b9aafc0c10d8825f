"""End to end: a statement uploaded on one page shows up on the open dashboard, live."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.browser.conftest import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Locator, Page, Response

USERNAME = "carol"
PASSWORD = "carol-browser-pass"  # a throwaway account in the test database
LIVE_UPDATE_TIMEOUT_MS = 5_000
UPLOAD_TIMEOUT_MS = 30_000

DK_HEADER = (
    '"Date Inserted","Reporting Date","Sale Month","Store","Artist","Title","ISRC","UPC",'
    '"Quantity","Team Percentage","Source Type","Country of Sale",'
    '"Songwriter Royalties Withheld (USD)","Earnings (USD)","Recoup (USD)"'
)
DK_LINES = [
    '"2025-03-02","2025-03-01","2025-01","Spotify","ZONE A","Night Drive","QZDA82500001",'
    '"199999999991","1200","100","Streaming","US","0","4.5","0"',
    '"2025-03-02","2025-03-01","2025-01","Apple Music","ZONE A","Night Drive","QZDA82500001",'
    '"199999999991","300","100","Streaming","GB","0","2.25","0"',
    '"2025-03-02","2025-03-01","2025-02","iTunes","ZONE A","Night Drive","QZDA82500001",'
    '"199999999991","1","100","Download","DE","0","0.75","0"',
]
EXPECTED_TOTAL_REVENUE = "7.50"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_user(live_daphne: LiveServer) -> Any:
    """Created before the browser starts: once Playwright's loop runs, ORM calls from the test
    would open a second connection (another context) that outlives the test database.
    The seeded reference rows (distributors, stores) are put back first: an earlier
    transactional test's flush removed them."""
    seed_migration = importlib.import_module("apps.warehouse.migrations.0002_seed_reference_data")
    seed_migration.seed(django_apps, None)
    # Hashed with a hasher the server knows (the test settings use a fast one it does not).
    password = PBKDF2PasswordHasher().encode(PASSWORD, "browser-salt", iterations=1000)
    return get_user_model().objects.create(username=USERNAME, password=password, is_staff=True)


def _statement(directory: Path) -> Path:
    path = directory / "DistroKid_1741000000000.tsv"
    path.write_text("\n".join([DK_HEADER, *DK_LINES]) + "\n", encoding="utf-8")
    return path


def _watch_console(page: Page, violations: list[str], errors: list[str]) -> None:
    """Collect CSP reports, other console errors, uncaught exceptions and failed requests."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")
        elif not message.text.startswith("Failed to load resource"):  # reported with its URL below
            errors.append(f"{page.url}: {message.text}")

    def on_response(response: Response) -> None:
        # Chromium asks for /favicon.ico on its own; the site has none (yet).
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))


def _total_revenue(page: Page) -> Locator:
    return page.locator("#revenue-cards .kpi").filter(has_text="Total revenue").locator(".value")


def test_browser_upload_updates_open_dashboard_without_reload(
    live_daphne: LiveServer, staff_user: Any, browser: Any, tmp_path: Path, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    # given a staff member signed in, with the dashboard open in one tab
    statement = _statement(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations: list[str] = []
    errors: list[str] = []
    dashboard = context.new_page()
    _watch_console(dashboard, violations, errors)
    dashboard.goto(f"{live_daphne.url}/login/")
    dashboard.fill("#id_username", USERNAME)
    dashboard.fill("#id_password", PASSWORD)
    dashboard.click("button[type=submit]")
    dashboard.wait_for_url(f"{live_daphne.url}/")
    expect(dashboard.locator("html")).to_have_attribute("data-live", "connected")
    expect(_total_revenue(dashboard)).to_have_text("0.00")
    dashboard.evaluate("window.__bedrotLoaded = 'first-load'")
    time_origin = dashboard.evaluate("performance.timeOrigin")
    dashboard.screenshot(path=screenshot_dir / "upload_01_dashboard_before.png", full_page=True)

    # when a statement is uploaded from the upload page in a second tab
    upload = context.new_page()
    _watch_console(upload, violations, errors)
    upload.goto(f"{live_daphne.url}/lake/upload/")
    expect(upload.locator("html")).to_have_attribute("data-live", "connected")
    upload.evaluate(
        """() => {
            window.__bedrotEvents = [];
            for (const name of ["bedrot:load-finished", "bedrot:lake-file-updated"]) {
                document.body.addEventListener(name, (event) =>
                    window.__bedrotEvents.push([name, event.detail]));
            }
        }"""
    )
    upload.set_input_files("#upload-files", statement)
    row = upload.locator("#upload-rows tr.upload-row").filter(has_text=statement.name)
    expect(row).to_have_attribute("data-result", "accepted", timeout=UPLOAD_TIMEOUT_MS)
    upload.screenshot(path=screenshot_dir / "upload_02_upload_accepted.png", full_page=True)

    # then the row tells what happened to the file
    assert row.locator('[data-field="source"]').inner_text() == "distrokid"
    assert row.locator('[data-field="result"]').inner_text() == "accepted"
    assert row.locator('[data-field="rows_out"]').inner_text() == str(len(DK_LINES))
    assert row.locator('[data-field="rows_rejected"]').inner_text() == "0"
    assert row.locator("progress").evaluate("bar => bar.value") == 1
    assert [path.name for path in live_daphne.lake_root.glob("raw/distrokid/*/*.tsv")] != []
    # and this page's own socket (it has no htmx ws element) heard the file and the load
    file_id = int(row.get_attribute("data-lake-file-id") or 0)
    upload.wait_for_function(
        "() => window.__bedrotEvents.some(([name]) => name === 'bedrot:load-finished')"
    )
    events = upload.evaluate("window.__bedrotEvents")
    file_events = [detail for name, detail in events if name == "bedrot:lake-file-updated"]
    assert {detail["id"] for detail in file_events} == {file_id}
    assert file_events[-1]["status"] == "loaded"

    # and the dashboard shows the new revenue without a reload
    expect(_total_revenue(dashboard)).to_have_text(
        EXPECTED_TOTAL_REVENUE, timeout=LIVE_UPDATE_TIMEOUT_MS
    )
    assert dashboard.evaluate("window.__bedrotLoaded") == "first-load"
    assert dashboard.evaluate("performance.timeOrigin") == time_origin
    assert dashboard.evaluate("performance.getEntriesByType('navigation').length") == 1
    dashboard.screenshot(path=screenshot_dir / "upload_03_dashboard_after.png", full_page=True)

    assert (violations, errors) == ([], []), "\n".join(violations + errors)
    context.close()
