"""API extractors against fake vendors on 127.0.0.1: paging, 429, expired tokens, and files
that flow through the real pipeline into the warehouse."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from apps.health.errors import TransientError
from apps.lake.models import LakeFile
from apps.sources.credentials import credential_save
from apps.sources.extractors import EXTRACTORS
from apps.sources.extractors.api.instagram import InstagramExtractor, graph_end_time
from apps.sources.extractors.api.mailchimp import MailchimpExtractor
from apps.sources.extractors.api.metaads import MetaAdsExtractor
from apps.sources.extractors.api.youtube import YouTubeExtractor
from apps.sources.models import Credential
from apps.sources.services import source_extract
from apps.sources.tests.fake_vendor import FakeVendor, Reply, Seen, no_sleep_recorder
from apps.warehouse.models import AdPerformanceDaily, EmailCampaign, SocialDaily

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 12)
META_TOKEN = "EAAG-meta-token-secret-0001"
V = "/v21.0"


def _install(monkeypatch: pytest.MonkeyPatch, extractor: Any) -> None:
    monkeypatch.setitem(EXTRACTORS, extractor.source, extractor)


def _insight(day: str, adset: str, spend: str) -> dict[str, object]:
    return {
        "account_currency": "USD",
        "campaign_id": "120210987654321001",
        "campaign_name": "ZONE A0 - THE SCALE - STREAMING",
        "adset_id": adset,
        "adset_name": "US 18-34",
        "spend": spend,
        "impressions": "1000",
        "reach": "800",
        "clicks": "31",
        "ctr": "3.1",
        "actions": [{"action_type": "link_click", "value": "27"}],
        "date_start": day,
        "date_stop": day,
    }


def _meta_vendor(vendor: FakeVendor) -> None:
    page2 = f"{vendor.url}{V}/act_123/insights?after=PAGE2"

    def insights(seen: Seen) -> Reply:
        if seen.query.get("after") == "PAGE2":
            return Reply(
                200,
                {
                    "data": [_insight("2026-05-11", "120210987654329001", "4.50")],
                    "paging": {"cursors": {"before": "b"}},
                },
            )
        if seen.query.get("level") == "adset":
            return Reply(
                200,
                {
                    "data": [
                        _insight("2026-05-10", "120210987654329001", "3.41"),
                        _insight("2026-05-10", "120210987654329002", "1.09"),
                    ],
                    "paging": {"next": page2},
                },
            )
        return Reply(200, {"data": []})  # no monthly / lifetime reach in this account

    vendor.on("GET", f"{V}/act_123/insights", insights)
    for edge in ("campaigns", "adsets", "ads"):
        vendor.on("GET", f"{V}/act_123/{edge}", Reply(200, {"data": []}))


def _meta_extractor(vendor: FakeVendor, sleep: Any) -> MetaAdsExtractor:
    return MetaAdsExtractor(
        base_url=vendor.url, client_options={"sleep": sleep}, today=lambda: TODAY
    )


def test_metaads_extract_pages_through_insights_into_the_warehouse(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a Meta token and an insights edge answering 429 first, then two pages
    credential_save(
        source="metaads",
        account="",
        kind="api_token",
        data={"access_token": META_TOKEN, "ad_account_id": "123"},
    )
    _meta_vendor(vendor)
    route = vendor.routes[("GET", f"{V}/act_123/insights")]
    answers = iter([Reply(429, {}, {"Retry-After": "7"})])
    vendor.on("GET", f"{V}/act_123/insights", lambda seen: next(answers, None) or route(seen))
    waits, sleep = no_sleep_recorder()
    _install(monkeypatch, _meta_extractor(vendor, sleep))
    caplog.set_level(logging.DEBUG)

    # when extracting
    [result] = source_extract(source="metaads", account="")

    # then the 429's 7 s were waited, both pages were saved and loaded: 3 ad set days
    assert waits == [7.0]
    assert (result.status, [item.result for item in result.files]) == (
        "succeeded",
        ["accepted", "accepted"],
    )
    first = vendor.calls(f"{V}/act_123/insights")[1]
    assert (first.query["level"], first.query["time_increment"]) == ("adset", "1")
    assert first.query["time_range"] == '{"since":"2026-04-14","until":"2026-05-12"}'
    assert first.headers["authorization"] == f"Bearer {META_TOKEN}"
    spend = sorted((str(r.date), r.adset_id, r.spend_usd) for r in AdPerformanceDaily.objects.all())
    assert spend == [
        ("2026-05-10", "120210987654329001", Decimal("3.41")),
        ("2026-05-10", "120210987654329002", Decimal("1.09")),
        ("2026-05-11", "120210987654329001", Decimal("4.50")),
    ]
    assert Credential.objects.get(source="metaads").last_extracted_at is not None
    # and of the run's log lines (debug included), 0 carry the token
    assert len(caplog.records) >= 10
    assert sum(META_TOKEN in record.getMessage() for record in caplog.records) == 0


def test_metaads_expired_token_marks_needs_reconnect_after_one_request(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Meta answering error 190 (expired token) and no app secret to refresh with
    credential_save(
        source="metaads",
        account="",
        kind="api_token",
        data={"access_token": META_TOKEN, "ad_account_id": "123"},
    )
    expired = {
        "error": {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        }
    }
    vendor.on("GET", f"{V}/act_123/insights", Reply(400, expired))
    waits, sleep = no_sleep_recorder()
    _install(monkeypatch, _meta_extractor(vendor, sleep))

    # when extracting
    [result] = source_extract(source="metaads", account="")

    # then 1 request, no wait, the run failed and the login needs a human
    assert len(vendor.calls(f"{V}/act_123/insights")) == 1
    assert waits == []
    assert result.status == "failed"
    assert result.reason.startswith("credential_rejected")
    assert Credential.objects.get(source="metaads").status == "needs_reconnect"

    # and the next run is skipped without calling Meta
    [skipped] = source_extract(source="metaads", account="")
    assert (skipped.status, skipped.reason) == ("skipped", "needs_reconnect")
    assert len(vendor.calls(f"{V}/act_123/insights")) == 1


def test_metaads_rate_limit_error_waits_for_the_announced_reset(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given error 80004 with a business-use-case header saying 2 minutes to regain access
    credential_save(
        source="metaads",
        account="",
        kind="api_token",
        data={"access_token": META_TOKEN, "ad_account_id": "123"},
    )
    _meta_vendor(vendor)
    route = vendor.routes[("GET", f"{V}/act_123/insights")]
    usage = {
        "123": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 2}]
    }
    limited = Reply(
        400,
        {"error": {"message": "too many calls", "code": 80004}},
        {"x-business-use-case-usage": json.dumps(usage)},
    )
    answers = iter([limited])
    vendor.on("GET", f"{V}/act_123/insights", lambda seen: next(answers, None) or route(seen))
    waits, sleep = no_sleep_recorder()
    extractor = _meta_extractor(vendor, sleep)

    # when extracting straight into a folder
    paths = extractor.extract(account="", since=None, landing_dir=Path(vendor_dir := "x"))

    # then the run waited 120 s once (not a transient retry) and saved both pages
    assert waits == [120.0]
    assert len(paths) == 2
    for path in paths:
        path.unlink()
    Path(vendor_dir).rmdir()


def test_youtube_extract_saves_request_and_response_that_load(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an OAuth refresh token and a report with two days
    credential_save(
        source="youtube",
        account="zonea0",
        kind="oauth_refresh",
        data={
            "client_id": "cid",
            "client_secret": "csecret-xyz",
            "refresh_token": "1//refresh-secret",
        },
    )
    vendor.on("POST", "/token", Reply(200, {"access_token": "ya29.access", "expires_in": 3599}))
    headers = [{"name": "day", "columnType": "DIMENSION", "dataType": "STRING"}] + [
        {"name": name, "columnType": "METRIC", "dataType": "INTEGER"}
        for name in (
            "views",
            "engagedViews",
            "estimatedMinutesWatched",
            "subscribersGained",
            "subscribersLost",
            "likes",
            "shares",
            "comments",
        )
    ]
    report = {
        "kind": "youtubeAnalytics#resultTable",
        "columnHeaders": headers,
        "rows": [
            ["2026-05-01", 120, 90, 300, 3, 1, 10, 2, 1],
            ["2026-05-02", 80, 60, 200, 1, 0, 5, 1, 0],
        ],
    }
    vendor.on("GET", "/v2/reports", Reply(200, report))
    _install(
        monkeypatch,
        YouTubeExtractor(
            base_url=vendor.url, token_url=f"{vendor.url}/token", today=lambda: date(2026, 5, 3)
        ),
    )

    # when extracting one window since May 1st
    [result] = source_extract(source="youtube", account="zonea0", since=date(2026, 5, 1))

    # then the refresh token was exchanged, the report asked with a bearer, and the days loaded
    assert result.status == "succeeded"
    assert [item.result for item in result.files] == ["accepted"]
    assert b"refresh_token=1%2F%2Frefresh-secret" in vendor.calls("/token")[0].body
    call = vendor.calls("/v2/reports")[0]
    assert (call.query["startDate"], call.query["endDate"], call.query["dimensions"]) == (
        "2026-05-01",
        "2026-05-03",
        "day",
    )
    assert call.headers["authorization"] == "Bearer ya29.access"
    views = dict(SocialDaily.objects.filter(platform="youtube").values_list("date", "views"))
    # (May 3, absent and long past YouTube's 3-day latency at the real fetch time, counts 0)
    assert views == {date(2026, 5, 1): 120, date(2026, 5, 2): 80, date(2026, 5, 3): 0}


def test_youtube_revoked_refresh_token_is_a_rejected_credential(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential_save(
        source="youtube",
        account="zonea0",
        kind="oauth_refresh",
        data={"client_id": "c", "client_secret": "s", "refresh_token": "r"},
    )
    vendor.on("POST", "/token", Reply(400, {"error": "invalid_grant"}))
    _install(monkeypatch, YouTubeExtractor(base_url=vendor.url, token_url=f"{vendor.url}/token"))

    [result] = source_extract(source="youtube", account="zonea0")

    # then two token attempts (the run, then the one automatic refresh), no report call
    assert result.status == "failed"
    assert len(vendor.calls("/token")) == 2
    assert vendor.calls("/v2/reports") == []
    assert Credential.objects.get(source="youtube").status == "needs_reconnect"


def _report(campaign_id: str, title: str) -> dict[str, object]:
    return {
        "id": campaign_id,
        "campaign_title": title,
        "type": "regular",
        "list_id": "L1",
        "subject_line": "New single",
        "emails_sent": 200,
        "unsubscribed": 1,
        "abuse_reports": 0,
        "send_time": "2026-05-01T16:00:00+00:00",
        "bounces": {"hard_bounces": 1, "soft_bounces": 2, "syntax_errors": 0},
        "opens": {"opens_total": 90, "unique_opens": 80, "open_rate": 0.4},
        "clicks": {"clicks_total": 12, "unique_clicks": 10, "click_rate": 0.05},
    }


def test_mailchimp_extract_pages_reports_and_reads_the_list(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given 3 campaigns over two pages of 2 (count forced small by the fake's total_items)
    credential_save(
        source="mailchimp", account="", kind="api_key", data={"api_key": "0123456789abcdef-us21"}
    )

    def reports(seen: Seen) -> Reply:
        offset = int(seen.query["offset"])
        all_reports = [
            _report("c1", "ZONE A0 single"),
            _report("c2", "PIG1987 EP"),
            _report("c3", "Newsletter"),
        ]
        return Reply(200, {"reports": all_reports[offset : offset + 2], "total_items": 3})

    vendor.on("GET", "/3.0/reports", reports)
    vendor.on(
        "GET",
        "/3.0/lists/L1",
        Reply(
            200,
            {
                "id": "L1",
                "name": "Fans",
                "stats": {
                    "member_count": 500,
                    "unsubscribe_count": 9,
                    "cleaned_count": 3,
                    "open_rate": 41.5,
                    "click_rate": 4.2,
                },
            },
        ),
    )
    vendor.on(
        "GET",
        "/3.0/lists/L1/growth-history",
        Reply(
            200,
            {
                "history": [
                    {
                        "list_id": "L1",
                        "month": "2026-04",
                        "existing": 480,
                        "imports": 0,
                        "optins": 20,
                    }
                ],
                "list_id": "L1",
                "total_items": 1,
            },
        ),
    )
    _install(monkeypatch, MailchimpExtractor(base_url=vendor.url, today=lambda: TODAY))

    # when extracting
    [result] = source_extract(source="mailchimp", account="")

    # then 2 report pages, the list and its growth landed, and 3 campaigns loaded
    assert result.status == "succeeded", result.reason
    assert [item.result for item in result.files] == ["accepted"] * 4
    assert [seen.query["offset"] for seen in vendor.calls("/3.0/reports")] == ["0", "2"]
    assert vendor.calls("/3.0/reports")[0].headers["authorization"].startswith("Basic ")
    assert vendor.calls("/3.0/lists/L1")[0].query["fields"] == "id,name,date_created,stats"
    assert sorted(EmailCampaign.objects.values_list("campaign_id", flat=True)) == ["c1", "c2", "c3"]


def test_instagram_falls_back_to_impressions_when_views_is_unsupported(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a Graph version that refuses `views` with error 100 and no follower_count either
    credential_save(
        source="instagram",
        account="zonea0",
        kind="api_token",
        data={"access_token": "IGQ-token-secret", "user_id": "17841400000000001"},
    )
    unsupported = Reply(400, {"error": {"message": "(#100) metric not supported", "code": 100}})

    def insights(seen: Seen) -> Reply:
        metric = seen.query["metric"]
        if metric in ("views", "follower_count"):
            return unsupported
        values = [{"value": 50, "end_time": graph_end_time(date(2026, 5, 10))}]
        return Reply(
            200,
            {
                "data": [
                    {
                        "name": metric,
                        "period": "day",
                        "values": values,
                        "id": f"17841400000000001/insights/{metric}/day",
                    }
                ]
            },
        )

    vendor.on("GET", f"{V}/17841400000000001/insights", insights)
    vendor.on(
        "GET",
        f"{V}/17841400000000001",
        Reply(
            200,
            {
                "username": "zone.a0",
                "followers_count": 5120,
                "follows_count": 87,
                "media_count": 142,
                "id": "17841400000000001",
            },
        ),
    )
    extractor = InstagramExtractor(base_url=vendor.url, today=lambda: TODAY)

    # when extracting the default 7-day window
    paths = extractor.extract(account="zonea0", since=None, landing_dir=tmp_path)

    # then reach, the impressions fallback and the profile were saved; views stopped at once
    metrics = [seen.query["metric"] for seen in vendor.calls(f"{V}/17841400000000001/insights")]
    assert metrics == ["reach", "follower_count", "views", "impressions"]
    names = [json.loads(path.read_bytes()).get("data", [{}])[0].get("name") for path in paths]
    assert names == ["reach", "impressions", None]
    assert json.loads(paths[-1].read_bytes())["followers_count"] == 5120


def test_instagram_views_total_value_gets_the_day_end_time(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    # given views answered as total_value for each day
    credential_save(
        source="instagram",
        account="zonea0",
        kind="api_token",
        data={"access_token": "IGQ-token", "user_id": "1784"},
    )

    def insights(seen: Seen) -> Reply:
        if seen.query["metric"] == "views":
            return Reply(
                200,
                {
                    "data": [
                        {
                            "name": "views",
                            "period": "day",
                            "total_value": {"value": 1830},
                            "id": "1784/insights/views/day",
                        }
                    ]
                },
            )
        return Reply(200, {"data": []})

    vendor.on("GET", f"{V}/1784/insights", insights)
    vendor.on("GET", f"{V}/1784", Reply(200, {"followers_count": 1, "media_count": 1}))
    extractor = InstagramExtractor(base_url=vendor.url, today=lambda: TODAY)

    # when extracting two days (May 10 and 11)
    paths = extractor.extract(account="zonea0", since=date(2026, 5, 10), landing_dir=tmp_path)

    # then each views file carries its Pacific day's end in UTC (DST: 07:00)
    views = [json.loads(path.read_bytes())["data"][0] for path in paths[:-1]]
    assert [item["end_time"] for item in views] == [
        "2026-05-11T07:00:00+0000",
        "2026-05-12T07:00:00+0000",
    ]


def test_metaads_pages_fetched_before_a_vendor_outage_stay_in_the_lake(
    vendor: FakeVendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given page 1 of insights, then a page 2 that answers 500 every time
    credential_save(
        source="metaads",
        account="",
        kind="api_token",
        data={"access_token": META_TOKEN, "ad_account_id": "123"},
    )
    _meta_vendor(vendor)
    route = vendor.routes[("GET", f"{V}/act_123/insights")]

    def outage(seen: Seen) -> Reply:
        return Reply(500, {"error": "down"}) if seen.query.get("after") else route(seen)

    vendor.on("GET", f"{V}/act_123/insights", outage)
    waits, sleep = no_sleep_recorder()
    _install(monkeypatch, _meta_extractor(vendor, sleep))

    # when extracting, then the run raises the transient error after 3 attempts at page 2
    with pytest.raises(TransientError):
        source_extract(source="metaads", account="")
    assert len([s for s in vendor.calls(f"{V}/act_123/insights") if s.query.get("after")]) == 3
    assert len(waits) == 2

    # and page 1 went through the pipeline: its 2 ad set days are in the warehouse
    assert LakeFile.objects.count() == 1
    assert AdPerformanceDaily.objects.count() == 2
