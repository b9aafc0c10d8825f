"""The dashboard pages in Chromium: real numbers, the filter bar, CSV download, phone layout and
a live refresh when a load finishes in another tab."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from apps.kpis.tests.page_warehouse import page_warehouse_create
from tests.browser.conftest import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response

USERNAME = "dana"
PASSWORD = "dana-browser-pass"  # a throwaway account in the test database
LIVE_UPDATE_TIMEOUT_MS = 5_000
UPLOAD_TIMEOUT_MS = 30_000
DK_STATEMENT = "\n".join(
    [
        '"Date Inserted","Reporting Date","Sale Month","Store","Artist","Title","ISRC","UPC",'
        '"Quantity","Team Percentage","Source Type","Country of Sale",'
        '"Songwriter Royalties Withheld (USD)","Earnings (USD)","Recoup (USD)"',
        '"2025-04-02","2025-04-01","2025-02","Spotify","ZONE A0","THE SCALE","QZTEST000001",'
        '"199999999991","1000","100","Streaming","US","0","5","0"',
    ]
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def warehouse(live_daphne: LiveServer) -> dict[str, Any]:
    """The page-test warehouse and a staff login, created before the browser starts (ORM calls
    from inside Playwright's loop would open a connection that outlives the test database).
    The seeded reference rows come back first: an earlier transactional test flushed them."""
    seed_migration = importlib.import_module("apps.warehouse.migrations.0002_seed_reference_data")
    seed_migration.seed(django_apps, None)
    # Hashed with a hasher the server knows (the test settings use a fast one it does not).
    password = PBKDF2PasswordHasher().encode(PASSWORD, "browser-salt", iterations=1000)
    get_user_model().objects.create(username=USERNAME, password=password, is_staff=True)
    return page_warehouse_create()


def _watch(page: Page, problems: list[str]) -> None:
    """Collect CSP violations, console errors, uncaught exceptions and failed requests."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: {message.text} {message.location}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))


def _sign_in(browser: Browser, server: LiveServer, **context: Any) -> Page:
    page = browser.new_context(**context).new_page()
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    return page


def _card(page: Page, label: str) -> Any:
    return page.locator("#revenue-cards .kpi").filter(has_text=label).locator(".value")


def test_browser_revenue_page_filters_and_downloads_csv(
    live_daphne: LiveServer, warehouse: dict[str, Any], browser: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    # given the revenue page with the fixture warehouse
    problems: list[str] = []
    page = _sign_in(browser, live_daphne, viewport={"width": 1280, "height": 900})
    _watch(page, problems)
    page.goto(f"{live_daphne.url}/revenue/")
    expect(page.locator("html")).to_have_attribute("data-live", "connected")
    expect(_card(page, "Total revenue")).to_have_text("11.16")
    platform_rows = page.locator("#table-platform tbody tr")
    expect(platform_rows.first.locator("th, td")).to_have_text(
        ["Spotify", "9.00", "2,550", "0.0035", "6"]
    )
    assert page.locator("#table-platform canvas").evaluate("c => !!Chart.getChart(c)")
    page.screenshot(path=screenshot_dir / "pages_01_revenue.png", full_page=True)

    # when the distributor filter changes
    page.select_option("#filter-distributor", "toolost")
    page.click("#page-filters button[type=submit]")

    # then the figures change in place and the URL can be shared
    expect(_card(page, "Total revenue")).to_have_text("2.60")
    expect(platform_rows).to_have_count(1)
    expect(page).to_have_url(f"{live_daphne.url}/revenue/?distributor=toolost")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.locator("#table-platform canvas").evaluate("c => !!Chart.getChart(c)")

    # and the table's CSV has the same filtered figures
    with page.expect_download() as download_info:
        page.locator("#table-platform a.export").click()
    download = download_info.value
    assert download.suggested_filename == "bedrot_revenue_platform.csv"
    content = Path(download.path()).read_bytes().decode("utf-8")
    assert content == (
        "\ufeffPlatform,Revenue (USD),Units,Per unit (USD),Lines\r\nSpotify,2.60,650,0.004,2\r\n"
    )
    page.screenshot(path=screenshot_dir / "pages_02_revenue_toolost.png", full_page=True)
    assert problems == [], "\n".join(problems)


def test_browser_pages_render_on_a_phone(
    live_daphne: LiveServer, warehouse: dict[str, Any], browser: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    page = _sign_in(browser, live_daphne, viewport={"width": 390, "height": 844})
    _watch(page, problems)
    for name, path, figure in [
        ("overview", "/", "#revenue-cards"),
        ("streaming", "/streaming/", "#realtime-tiles"),
        ("marketing", "/marketing/", "#table-artists"),
        ("audience", "/audience/", "#table-tiktok"),
        ("payments", "/payments/", "#table-ledger"),
    ]:
        page.goto(f"{live_daphne.url}{path}")
        expect(page.locator(figure)).to_be_visible()
        # nothing wider than the phone except inside the scrolling tables
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, f"{name} is {overflow}px wide"
        page.screenshot(path=screenshot_dir / f"pages_phone_{name}.png", full_page=True)
    assert problems == [], "\n".join(problems)


def test_browser_overview_refreshes_when_a_load_finishes_elsewhere(
    live_daphne: LiveServer, warehouse: dict[str, Any], browser: Any, tmp_path: Path,
    screenshot_dir: Path,
) -> None:  # fmt: skip
    from playwright.sync_api import expect

    # given the overview open in one tab, watching which fragments it re-fetches
    problems: list[str] = []
    overview = _sign_in(browser, live_daphne, viewport={"width": 1280, "height": 900})
    _watch(overview, problems)
    expect(overview.locator("html")).to_have_attribute("data-live", "connected")
    expect(_card(overview, "Total revenue")).to_have_text("11.16")
    overview.evaluate("window.__bedrotLoaded = 'first-load'")
    fetched: list[str] = []
    overview.on("request", lambda request: fetched.append(request.url))

    # when a statement is uploaded in another tab
    statement = tmp_path / "DistroKid_1743500000000.tsv"
    statement.write_text(DK_STATEMENT + "\n", encoding="utf-8")
    upload = overview.context.new_page()
    _watch(upload, problems)
    upload.goto(f"{live_daphne.url}/lake/upload/")
    upload.set_input_files("#upload-files", statement)
    row = upload.locator("#upload-rows tr.upload-row").filter(has_text=statement.name)
    expect(row).to_have_attribute("data-result", "accepted", timeout=UPLOAD_TIMEOUT_MS)

    # then the overview shows the new revenue without a reload
    expect(_card(overview, "Total revenue")).to_have_text("16.16", timeout=LIVE_UPDATE_TIMEOUT_MS)
    platform = overview.locator("#table-platform tbody tr").first
    expect(platform.locator("th, td")).to_have_text(
        ["Spotify", "14.00", "3,550", "0.0039", "7"], timeout=LIVE_UPDATE_TIMEOUT_MS
    )
    assert overview.evaluate("window.__bedrotLoaded") == "first-load"
    # and only fragments reading statement lines (or everything) were fetched, not the streams
    fragments = {url.split("fragment=")[1].split("&")[0] for url in fetched if "fragment=" in url}
    assert {"cards", "monthly", "platform"} <= fragments
    assert "streams" not in fragments
    overview.screenshot(path=screenshot_dir / "pages_03_overview_live.png", full_page=True)
    assert problems == [], "\n".join(problems)
