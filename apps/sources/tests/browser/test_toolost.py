"""TooLost extractor against a fake portal (JWT in localStorage), driven by the real Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from apps.sources.credentials import credential_load
from apps.sources.extractors import EXTRACTORS
from apps.sources.extractors.browser.toolost import token_in_state
from apps.sources.models import Credential
from apps.sources.services import source_extract
from apps.sources.tests.browser import fake_toolost
from apps.sources.tests.browser.conftest import curated_rows, store_password, store_state
from apps.sources.tests.browser.fake_toolost import FakeTooLost
from apps.warehouse.services import ingest_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ACCOUNT = ""


@pytest.fixture(scope="module")
def toolost() -> Iterator[FakeTooLost]:
    with FakeTooLost().running() as vendor:
        assert isinstance(vendor, FakeTooLost)
        yield vendor


@pytest.fixture
def vendor(toolost: FakeTooLost, settings: Any) -> FakeTooLost:
    settings.BROWSER_SOURCE_BASE_URLS = {
        **settings.BROWSER_SOURCE_BASE_URLS,
        "toolost": toolost.url,
    }
    toolost.reset_counts()
    return toolost


def _store_token(vendor: FakeTooLost, token: str) -> None:
    origin = {"origin": vendor.url, "localStorage": [{"name": "token", "value": token}]}
    store_state("toolost", ACCOUNT, cookies=[], origins=[origin])


def test_toolost_extract_saves_the_portal_responses_and_new_sales_reports(
    vendor: FakeTooLost, landing_dir: Path
) -> None:
    # given a live portal token in the stored localStorage
    _store_token(vendor, vendor.issue_token())

    # when the registered extractor runs for February onwards
    paths = EXTRACTORS["toolost"].extract(
        account=ACCOUNT, since=date(2025, 2, 1), landing_dir=landing_dir
    )

    # then the two analytics responses and only the February sales report landed, no login
    assert [path.name.split("__")[0] for path in paths[:2]] == [
        "analytics_spotify",
        "analytics_apple",
    ]
    assert [path.name for path in paths[2:]] == ["@02-2025-312.csv"]
    assert vendor.logins == 0
    # each analytics call was made once, by the page itself
    assert vendor.requested("GET /api/portal/analytics/spotify") == 1
    assert vendor.requested("GET /api/portal/analytics/apple/") == 1
    assert vendor.requested("GET /api/portal/notifications/311") == 0

    # and all three reach curated
    outcomes = [ingest_path(path=path, source_id="toolost") for path in paths]
    assert [(o.result, o.rows_in, o.rows_out) for o in outcomes] == [
        ("accepted", 4, 4),
        ("accepted", 3, 3),
        ("accepted", 1, 1),
    ]
    assert [
        (row["date"], row["platform"], row["streams"]) for row in curated_rows("streams_daily")
    ] == [
        (date(2025, 1, 30), "Apple Music", 11),
        (date(2025, 1, 30), "Spotify", 12),
        (date(2025, 1, 31), "Apple Music", 4),
        (date(2025, 1, 31), "Spotify", 0),
        (date(2025, 2, 2), "Spotify", 31),
    ]
    assert [
        (row["title"], row["quantity"], row["earnings_usd"])
        for row in curated_rows("statement_lines")
    ] == [("Hog Heaven", 40, Decimal("0.22320000"))]


def test_toolost_source_extract_logs_in_again_when_the_portal_refuses_the_token(
    vendor: FakeTooLost,
) -> None:
    # given a token that is not yet past its exp but that the portal no longer accepts
    _store_token(vendor, fake_toolost.make_jwt(time.time() + 3600))
    store_password("toolost", ACCOUNT, fake_toolost.EMAIL, fake_toolost.PASSWORD)

    # when the product's extraction service runs it (extract, then ingest each file)
    [result] = source_extract(source="toolost", account=ACCOUNT, since=date(2025, 3, 1))

    # then the app's redirect to /login was noticed and the stored password used, once
    assert vendor.logins == 1
    assert result.status == "succeeded"
    assert [(item.name.split("__")[0], item.result) for item in result.files] == [
        ("analytics_spotify", "accepted"),
        ("analytics_apple", "accepted"),
    ]
    assert len(curated_rows("streams_daily")) == 5
    # and the new token was saved back; its exp claim is the credential's expiry
    state = credential_load(source="toolost", account=ACCOUNT, kind="storage_state")
    token = token_in_state(state or {}, vendor.url)
    assert token in vendor.tokens
    saved = Credential.objects.get(source="toolost", account=ACCOUNT, kind="storage_state")
    claims_exp = fake_toolost.token_expiry(token or "")
    assert saved.expires_at == datetime.fromtimestamp(claims_exp, tz=UTC)
    assert saved.status == "valid"


def test_toolost_statements_run_resumes_from_the_newest_loaded_report_month(
    vendor: FakeTooLost,
) -> None:
    # given a live token and nothing loaded yet (reports for 01-2025 and 02-2025 are listed)
    _store_token(vendor, vendor.issue_token())

    # when the first weekly statements run goes, it downloads both reports
    [first] = source_extract(source="toolost", scope="statements")
    assert [(item.name, item.result) for item in first.files] == [
        ("@02-2025-312.csv", "accepted"),
        ("@01-2025-311.csv", "accepted"),
    ]
    vendor.reset_counts()

    # then the next one starts at February, the newest report month held (its reporting date
    # is 3 April): only that report is downloaded again, a duplicate, and January is skipped
    [second] = source_extract(source="toolost", scope="statements")
    assert [(item.name, item.result) for item in second.files] == [
        ("@02-2025-312.csv", "duplicate")
    ]
    assert vendor.requested("GET /api/portal/notifications/312/attachment") == 1
    assert vendor.requested("GET /api/portal/notifications/311/attachment") == 0
    assert len(curated_rows("statement_lines")) == 2
