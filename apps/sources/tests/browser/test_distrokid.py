"""DistroKid extractor against a fake distrokid.com, driven by the real system Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from apps.sources import services
from apps.sources.extractors import EXTRACTORS, TwoFactorRequired
from apps.sources.models import Credential
from apps.sources.tests.browser import fake_distrokid
from apps.sources.tests.browser.conftest import (
    cookie,
    curated_rows,
    store_password,
    store_state,
    stored_cookie,
)
from apps.sources.tests.browser.fake_distrokid import FakeDistroKid
from apps.warehouse.services import ingest_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ACCOUNT = ""
# 31 March 2025: the bank window [1 Feb, 31 Mar] halves at 2 March, between the 3 lines
# reported in February and the 2 reported in March.
TODAY = datetime(2025, 3, 31, 6, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def distrokid() -> Iterator[FakeDistroKid]:
    with FakeDistroKid().running() as vendor:
        assert isinstance(vendor, FakeDistroKid)
        yield vendor


@pytest.fixture
def vendor(distrokid: FakeDistroKid, settings: Any) -> FakeDistroKid:
    settings.BROWSER_SOURCE_BASE_URLS = {
        **settings.BROWSER_SOURCE_BASE_URLS,
        "distrokid": distrokid.url,
    }
    distrokid.reset_counts()
    distrokid.requires_two_factor = False
    settings.BROWSER_TWO_FACTOR_WAIT_S = 0
    distrokid.export_row_limit = 3
    return distrokid


def _logged_in_state(vendor: FakeDistroKid) -> str:
    token = vendor.new_token()
    vendor.sessions.add(token)
    store_state("distrokid", ACCOUNT, cookies=[cookie(fake_distrokid.SESSION_COOKIE, token)])
    return token


def test_distrokid_extract_lands_charts_and_range_split_statements_that_reach_curated(
    vendor: FakeDistroKid, landing_dir: Path
) -> None:
    # given a live session and a bank export limit of 3 rows for 5 lines since 1 February
    _logged_in_state(vendor)
    store_password("distrokid", ACCOUNT, fake_distrokid.EMAIL, fake_distrokid.PASSWORD)

    # when the registered extractor runs
    with time_machine.travel(TODAY, tick=True):
        paths = EXTRACTORS["distrokid"].extract(
            account=ACCOUNT, since=date(2025, 2, 1), landing_dir=landing_dir
        )

    # then both chart pages and two statements (3 + 2 lines) landed, without a login
    names = [path.name for path in paths]
    assert [name.split("__")[0] for name in names[:2]] == ["streams_chart", "apple_chart"]
    assert names[2:] == ["DistroKid_1741000000001.tsv", "DistroKid_1741000000002.tsv"]
    assert [path.read_bytes().count(b"\r") - 1 for path in paths[2:]] == [3, 2]
    assert vendor.logins == 0
    assert vendor.requested("GET /signin") == 0
    # the probe page was reused as the Spotify chart: loaded once
    assert vendor.requested("GET /stats/") == 2

    # and every file ingests to curated (the Apple page: 2 days + 1 track total)
    outcomes = [ingest_path(path=path, source_id="distrokid") for path in paths]
    assert [(o.result, o.rows_in, o.rows_out) for o in outcomes] == [
        ("accepted", 3, 3),
        ("accepted", 3, 3),
        ("accepted", 3, 3),
        ("accepted", 2, 2),
    ]
    assert [
        (row["date"], row["platform"], row["streams"]) for row in curated_rows("streams_daily")
    ] == [
        (date(2025, 1, 2), "Spotify", 10),
        (date(2025, 1, 3), "Apple Music", 4),
        (date(2025, 1, 3), "Spotify", 20),
        (date(2025, 1, 4), "Apple Music", 6),
        (date(2025, 1, 4), "Spotify", 30),
    ]
    lines = sorted(
        (row["reporting_date"], row["store"], row["quantity"], row["earnings_usd"])
        for row in curated_rows("statement_lines")
    )
    assert lines == [
        (date(2025, 2, 3), "Apple Music", 40, Decimal("0.236")),
        (date(2025, 2, 3), "Spotify", 120, Decimal("0.288")),
        (date(2025, 2, 10), "Spotify", 55, Decimal("0.132")),
        (date(2025, 3, 3), "Spotify", 8, Decimal("-0.0192")),
        (date(2025, 3, 10), "TikTok", 900, Decimal("0.99")),
    ]


def test_distrokid_extract_logs_in_again_when_the_stored_session_expired(
    vendor: FakeDistroKid, landing_dir: Path
) -> None:
    # given a storage state whose session the site no longer knows, and the stored password
    store_state("distrokid", ACCOUNT, cookies=[cookie(fake_distrokid.SESSION_COOKIE, "stale")])
    store_password("distrokid", ACCOUNT, fake_distrokid.EMAIL, fake_distrokid.PASSWORD)

    # when it extracts
    with time_machine.travel(TODAY, tick=True):
        paths = EXTRACTORS["distrokid"].extract(
            account=ACCOUNT, since=date(2025, 3, 1), landing_dir=landing_dir
        )

    # then it logged in once by itself and captured everything (2 charts, 1 statement)
    assert vendor.logins == 1
    assert len(paths) == 3
    # and the new session is what was saved back, encrypted, as a valid verified login
    new_token = stored_cookie("distrokid", ACCOUNT, fake_distrokid.SESSION_COOKIE)
    assert new_token in vendor.sessions
    state = Credential.objects.get(source="distrokid", account=ACCOUNT, kind="storage_state")
    assert state.status == "valid"
    assert state.last_verified_at is not None
    assert new_token.encode() not in bytes(state.secret)


def test_distrokid_two_factor_prompt_is_handed_to_a_human(
    vendor: FakeDistroKid, landing_dir: Path
) -> None:
    # given an expired session and a site that asks for a texted code after the password
    store_state("distrokid", ACCOUNT, cookies=[cookie(fake_distrokid.SESSION_COOKIE, "stale")])
    store_password("distrokid", ACCOUNT, fake_distrokid.EMAIL, fake_distrokid.PASSWORD)
    vendor.requires_two_factor = True

    # when it extracts, it stops at the prompt with a hand-off message
    with pytest.raises(TwoFactorRequired) as raised:
        EXTRACTORS["distrokid"].extract(account=ACCOUNT, since=None, landing_dir=landing_dir)
    assert raised.value.prompt == fake_distrokid.TWO_FACTOR_PROMPT
    assert "--interactive" in raised.value.message

    # and nothing was fetched or landed, no code was sent, no session was saved over the old
    assert vendor.requested("GET /bank/") == 0
    assert vendor.requested("POST /signin/2fa/") == 0
    assert not landing_dir.exists()
    assert stored_cookie("distrokid", ACCOUNT, fake_distrokid.SESSION_COOKIE) == "stale"


def test_distrokid_two_factor_code_entered_by_a_human_completes_the_login(
    vendor: FakeDistroKid, landing_dir: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the site asks for a code, and the run may wait for one (BEDROT_BROWSER_2FA_WAIT_S)
    store_state("distrokid", ACCOUNT, cookies=[cookie(fake_distrokid.SESSION_COOKIE, "stale")])
    store_password("distrokid", ACCOUNT, fake_distrokid.EMAIL, fake_distrokid.PASSWORD)
    vendor.requires_two_factor = True
    settings.BROWSER_TWO_FACTOR_WAIT_S = 30
    # and a human enters the texted code on the credential page (the waiting service)
    asked: list[tuple[str, str, float]] = []

    def code_entered(*, source: str, account: str, prompt: str, wait: timedelta) -> str:
        asked.append((source, prompt, wait.total_seconds()))
        return fake_distrokid.TWO_FACTOR_CODE

    monkeypatch.setattr(services, "two_factor_code_wait", code_entered)

    # when it extracts
    paths = EXTRACTORS["distrokid"].extract(
        account=ACCOUNT, since=date(2025, 3, 1), landing_dir=landing_dir
    )

    # then the human was asked once, with the site's prompt, and the code completed the login
    assert asked == [("distrokid", fake_distrokid.TWO_FACTOR_PROMPT, 30.0)]
    assert vendor.logins == 1
    assert len(paths) == 3
    assert stored_cookie("distrokid", ACCOUNT, fake_distrokid.SESSION_COOKIE) in vendor.sessions
    assert set(Credential.objects.filter(source="distrokid").values_list("kind", "status")) == {
        ("storage_state", "valid"),
        ("password", "valid"),
    }


def test_distrokid_daily_scope_lands_charts_only_and_statements_scope_the_bank_export(
    vendor: FakeDistroKid, landing_dir: Path
) -> None:
    # given a live session (SPEC 2.0: charts daily, the bank export on Mondays)
    _logged_in_state(vendor)
    extractor = EXTRACTORS["distrokid"]

    # when the daily run and then the weekly statements run go
    with time_machine.travel(TODAY, tick=True):
        daily = extractor.extract(
            account=ACCOUNT, since=date(2025, 2, 1), landing_dir=landing_dir / "d", scope="daily"
        )
        weekly = extractor.extract(
            account=ACCOUNT,
            since=date(2025, 2, 1),
            landing_dir=landing_dir / "w",
            scope="statements",
        )

    # then the daily run fetched the two chart pages and no statement; the weekly one only
    # the two statements (3 + 2 lines)
    assert [path.name.split("__")[0] for path in daily] == ["streams_chart", "apple_chart"]
    # (export numbers count up on the module's fake server, so only their shape is checked)
    assert [path.name.startswith("DistroKid_") for path in weekly] == [True, True]
    assert [path.read_bytes().count(b"\r") - 1 for path in weekly] == [3, 2]


def test_distrokid_statements_run_resumes_from_the_newest_loaded_month_unless_since_is_given(
    vendor: FakeDistroKid,
) -> None:
    # given a live session and nothing loaded yet (5 lines reported 3 Feb to 10 Mar 2025)
    _logged_in_state(vendor)

    with time_machine.travel(TODAY, tick=True):
        # when the first weekly statements run goes, it asks for the whole history
        [first] = services.source_extract(source="distrokid", scope="statements")
        first_ranges = list(vendor.detail_ranges)
        vendor.reset_counts()
        # and the next one resumes at the month of the newest loaded line (10 March)
        [second] = services.source_extract(source="distrokid", scope="statements")
        second_ranges = list(vendor.detail_ranges)
        vendor.reset_counts()
        # while an explicit since still wins
        [third] = services.source_extract(
            source="distrokid", scope="statements", since=date(2025, 2, 1)
        )
        third_ranges = list(vendor.detail_ranges)

    # then the first run started where DistroKid's history does and loaded all 5 lines
    assert first_ranges[0] == ("2013-01-01", "2025-03-31")
    assert (first.status, [item.result for item in first.files]) == (
        "succeeded",
        ["accepted", "accepted"],
    )
    assert len(curated_rows("statement_lines")) == 5
    # the second asked for 1 to 31 March only: one export of the 2 March lines, the same bytes
    # as the first run's second file, so a duplicate that changes nothing
    assert second_ranges == [("2025-03-01", "2025-03-31")]
    assert [item.result for item in second.files] == ["duplicate"]
    assert len(curated_rows("statement_lines")) == 5
    # and the third started on the given 1 February
    assert third_ranges[0] == ("2025-02-01", "2025-03-31")
    assert third.status == "succeeded"
