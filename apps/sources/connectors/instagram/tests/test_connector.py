"""InstagramConnector: content-based sniffing and parse dispatch through the registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apps.sources.connectors.base import Payload
from apps.sources.connectors.instagram import samples
from apps.sources.connectors.instagram.connector import InstagramConnector
from apps.sources.connectors.registry import connector_for, detect_source

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("insights_reach_impressions_follower_count_dst_end.json", "api_insights"),
        ("insights_views_total_value.json", "api_insights"),
        ("profile_zone_a0.json", "api_profile"),
        ("business_suite_reach_utf16le_bom.csv", "business_suite_csv"),
        ("business_suite_multi_section.csv", "business_suite_csv"),
    ],
)
def test_registry_detects_each_instagram_kind_from_content(
    fixture_bytes: FixtureBytes, name: str, kind: str
) -> None:
    # given a recorded payload's head under a misleading name
    # when the source is detected; then Instagram's kind is the one match
    assert detect_source(fixture_bytes(name)[:65536], "notes.txt") == [("instagram", kind)]


def test_sniff_recognises_insights_longer_than_the_head() -> None:
    # given an insights payload of a year of three metrics, cut at 64 KiB
    days = [
        date(2025, 1, 1) + (date(2025, 1, 2) - date(2025, 1, 1)) * index for index in range(365)
    ]
    items = [
        samples.insights_item(metric, [(day, 1) for day in days])
        for metric in ("reach", "views", "follower_count")
    ]
    content = samples.insights_json(items)
    assert len(content) > 65536

    # when sniffed; then still insights
    assert InstagramConnector().sniff(content[:65536], "x.json") == "api_insights"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b'{"data": []}',
        b'{"data": [{"date_start": "2026-05-01", "spend": "3.10"}]}',
        b'{"error": {"code": 190}}',
        b"sep=,\nReach\nDate,Clicks\n",
        b"\xff\xfe" + "Date,Primary\r\n".encode("utf-16-le"),
    ],
)
def test_sniff_refuses_other_content(head: bytes) -> None:
    # given content that is not an Instagram export (empty, Meta Ads rows, an error, other CSV)
    # when sniffed; then not claimed
    assert InstagramConnector().sniff(head, "insights.json") is None


def test_connector_parse_follows_the_content_not_the_claimed_kind(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a profile payload claimed as a Business Suite CSV
    path = write_file(fixture_bytes("profile_zone_a0.json"))
    payload = Payload(
        path=path, original_name="p.json", account="zonea0", kind="business_suite_csv"
    )

    # when parsed through the registry; then the content decides
    parsed = connector_for("instagram").parse(payload)
    assert parsed.kind == "api_profile"
    assert InstagramConnector().requires_account() is True
