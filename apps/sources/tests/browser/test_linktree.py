"""Linktree extractor against a fake admin page, driven by the real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from apps.sources.extractors import EXTRACTORS, CredentialRejected
from apps.sources.models import Credential
from apps.sources.tests.browser import fake_linktree
from apps.sources.tests.browser.conftest import cookie, curated_rows, store_state
from apps.sources.tests.browser.fake_linktree import FakeLinktree
from apps.warehouse.services import ingest_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ACCOUNT = ""


@pytest.fixture(scope="module")
def linktree() -> Iterator[FakeLinktree]:
    with FakeLinktree().running() as vendor:
        assert isinstance(vendor, FakeLinktree)
        yield vendor


@pytest.fixture
def vendor(linktree: FakeLinktree, settings: Any) -> FakeLinktree:
    settings.BROWSER_SOURCE_BASE_URLS = {
        **settings.BROWSER_SOURCE_BASE_URLS,
        "linktree": linktree.url,
    }
    linktree.reset_counts()
    return linktree


def test_linktree_extract_keeps_only_allowlisted_graphql_over_the_longest_range(
    vendor: FakeLinktree, landing_dir: Path
) -> None:
    # given a live session
    token = vendor.new_token()
    vendor.sessions.add(token)
    store_state("linktree", ACCOUNT, cookies=[cookie(fake_linktree.SESSION_COOKIE, token)])

    # when the registered extractor runs
    paths = EXTRACTORS["linktree"].extract(account=ACCOUNT, since=None, landing_dir=landing_dir)

    # then one capture landed: 7 days, then the 28 the plan allows (90 is disabled)
    assert len(paths) == 1
    content = paths[0].read_bytes()
    # and the owner's email, name and wallet never reached the disk
    for personal in (b"currentUser", fake_linktree.OWNER_EMAIL.encode(), b"Sample Owner",
                     b"walletBalance", b"12.34"):  # fmt: skip
        assert personal not in content
    assert vendor.requested("POST /graphql") == 6

    # and it reaches curated: 28 zero-filled days, the two links with their titles
    outcome = ingest_path(path=paths[0], source_id="linktree")
    assert outcome.result == "accepted"
    days = curated_rows("linktree_daily")
    first_day = fake_linktree.LAST_DAY - timedelta(days=27)
    assert [row["date"] for row in days] == [first_day + timedelta(days=n) for n in range(28)]
    assert sum(int(str(row["total_views"])) for row in days) == sum(
        fake_linktree.views_on(first_day + timedelta(days=n)) for n in range(28)
    )
    assert days[-1]["date"] == date(2025, 5, 27)
    assert sorted((row["link_id"], row["title"], row["total_clicks"])
                  for row in curated_rows("linktree_links")) == [
        ("453835498", "ZONE A0 - NOCTURNES EP", 9),
        ("472282266", "PIG1987 - MUD SEASON", 6),
    ]  # fmt: skip
    # and the refreshed session was saved back
    assert Credential.objects.get(source="linktree", kind="storage_state").status == "valid"


def test_linktree_expired_session_needs_a_human(vendor: FakeLinktree, landing_dir: Path) -> None:
    # given a session the site no longer knows (Linktree login is manual: no password)
    store_state("linktree", ACCOUNT, cookies=[cookie(fake_linktree.SESSION_COOKIE, "stale")])

    # when it extracts, the redirect to login is refused without a retry or a capture
    with pytest.raises(CredentialRejected):
        EXTRACTORS["linktree"].extract(account=ACCOUNT, since=None, landing_dir=landing_dir)

    # then nothing landed, the GraphQL API was never called, and the login awaits a human
    assert not landing_dir.exists()
    assert vendor.requested("GET /admin/analytics") == 1
    assert vendor.requested("POST /graphql") == 0
    assert Credential.objects.get(source="linktree", kind="storage_state").status == (
        "needs_reconnect"
    )
