"""TikTok Studio extractor, one storage state per persona, against a fake tiktok.com."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from apps.sources.extractors import EXTRACTORS, CredentialRejected
from apps.sources.models import Credential
from apps.sources.tests.browser import fake_tiktok
from apps.sources.tests.browser.conftest import cookie, curated_rows, store_state
from apps.sources.tests.browser.fake_tiktok import FakeTikTok
from apps.warehouse.services import ingest_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# sid_guard carries the session's real expiry, 10 days away (sooner than the 30-day default);
# sessionid is a session cookie (expiry -1), which never expires on its own.
SID_GUARD_EXPIRES = (datetime.now(tz=UTC) + timedelta(days=10)).replace(microsecond=0)


@pytest.fixture(scope="module")
def tiktok() -> Iterator[FakeTikTok]:
    with FakeTikTok().running() as vendor:
        assert isinstance(vendor, FakeTikTok)
        yield vendor


@pytest.fixture
def vendor(tiktok: FakeTikTok, settings: Any) -> FakeTikTok:
    settings.BROWSER_SOURCE_BASE_URLS = {**settings.BROWSER_SOURCE_BASE_URLS, "tiktok": tiktok.url}
    tiktok.reset_counts()
    tiktok.sessions_seen.clear()
    return tiktok


def _persona_state(persona: str, session: str) -> None:
    store_state(
        "tiktok",
        persona,
        cookies=[
            cookie("sessionid", session),
            cookie("sid_guard", f"{session}|guard", expires=SID_GUARD_EXPIRES.timestamp()),
            cookie("uid_tt", f"uid-{persona}"),
        ],
    )


def test_tiktok_extract_exports_studio_views_and_followers_with_the_persona_s_own_session(
    vendor: FakeTikTok, landing_dir: Path
) -> None:
    # given each persona has its own live session
    vendor.sessions.update({"zone-session", "pig-session"})
    _persona_state("zonea0", "zone-session")
    _persona_state("pig1987", "pig-session")

    # when ZONE A0 is extracted
    paths = EXTRACTORS["tiktok"].extract(account="zonea0", since=None, landing_dir=landing_dir)

    # then the three CSV exports (not the default XLSX) and a snapshot landed, named for
    # the persona, and only ZONE A0's session was ever sent
    assert [path.name for path in paths[:3]] == [
        "Overview_2026-05-04_2026-05-06_zone.a0.csv",
        "Content_2026-05-04_2026-05-06_zone.a0.csv",
        "Followers_2026-05-04_2026-05-06_zone.a0.csv",
    ]
    assert paths[3].name.startswith("follower_snapshot__")
    assert set(vendor.sessions_seen) == {"zone-session"}
    # and the saved state expires with sid_guard
    saved = Credential.objects.get(source="tiktok", account="zonea0", kind="storage_state")
    assert saved.expires_at == SID_GUARD_EXPIRES

    # and everything reaches curated under zonea0, the persona read from the names alone
    outcomes = [ingest_path(path=path, source_id="tiktok") for path in paths]
    assert [(o.result, o.account, o.rows_in) for o in outcomes] == [
        ("accepted", "zonea0", 3),
        ("accepted", "zonea0", 1),
        ("accepted", "zonea0", 3),
        ("accepted", "zonea0", 1),
    ]
    assert [
        (row["date"], row["video_views"], row["reached_audience"])
        for row in curated_rows("tiktok_daily")
    ] == [
        (date(2026, 5, 4), 1520, None),
        (date(2026, 5, 5), 980, 640),
        (date(2026, 5, 6), 1210, 801),
    ]
    # the Followers export's daily totals, then today's snapshot from the profile page
    today = datetime.now(tz=UTC).date()
    assert [
        (row["account"], row["captured_on"], row["followers"])
        for row in curated_rows("tiktok_follower_snapshots")
    ] == [
        ("zonea0", date(2026, 5, 4), 2301),
        ("zonea0", date(2026, 5, 5), 2299),
        ("zonea0", date(2026, 5, 6), 2305),
        ("zonea0", today, fake_tiktok.FOLLOWERS["zone.a0"]),
    ]


def test_tiktok_expired_persona_session_needs_a_human_and_leaves_the_other_alone(
    vendor: FakeTikTok, landing_dir: Path
) -> None:
    # given PIG1987's session was logged out while ZONE A0's still works
    vendor.sessions.add("zone-session-2")
    _persona_state("zonea0", "zone-session-2")
    _persona_state("pig1987", "logged-out")

    # when PIG1987 is extracted, the login redirect is refused (TikTok login is manual)
    with pytest.raises(CredentialRejected):
        EXTRACTORS["tiktok"].extract(account="pig1987", since=None, landing_dir=landing_dir)

    # then nothing was exported or landed, and only PIG1987 awaits a human
    assert vendor.requested("GET /tiktokstudio/api/export") == 0
    assert not landing_dir.exists()
    statuses = dict(
        Credential.objects.filter(source="tiktok", kind="storage_state").values_list(
            "account", "status"
        )
    )
    assert statuses == {"pig1987": "needs_reconnect", "zonea0": "valid"}
