"""TikTokConnector: content-based sniffing and parse dispatch through the registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import Payload
from apps.sources.connectors.registry import connector_for, detect_source
from apps.sources.connectors.tiktok import samples
from apps.sources.connectors.tiktok.connector import TikTokConnector

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("legacy_overview_new_year.csv", "legacy_csv"),
        ("legacy_overview_portuguese_undefined.csv", "legacy_csv"),
        ("legacy_overview_reach_alias.csv", "legacy_csv"),
        ("studio_overview_bom_trailing_space_nan.csv", "studio_overview"),
        ("studio_content_quoted_titles.csv", "studio_content"),
        ("studio_followers_dated.csv", "studio_followers"),
        ("follower_snapshot_zone_a0.json", "follower_snapshot"),
    ],
)
def test_registry_detects_each_tiktok_kind_from_content(
    fixture_bytes: FixtureBytes, name: str, kind: str
) -> None:
    # given a recorded file's head under a misleading name
    head = fixture_bytes(name)[:65536]

    # when the source is detected; then TikTok's kind is the one match
    assert detect_source(head, "holiday_photo.png") == [("tiktok", kind)]


def test_registry_detects_a_legacy_zip_from_its_entry_names(fixture_bytes: FixtureBytes) -> None:
    # given a legacy zip whose Overview.csv is not the first entry
    content = samples.zip_bytes(
        {
            "FollowerActivity.csv": fixture_bytes("legacy_follower_activity_unconfirmed.csv"),
            "Overview.csv": fixture_bytes("legacy_overview_new_year.csv"),
        }
    )

    # when detected; then it is TikTok's legacy zip
    assert detect_source(content[:65536], "upload.bin") == [("tiktok", "legacy_zip")]


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x89PNG\r\n\x1a\nDate,Video Views,Profile Views,Likes,Comments,Shares\n",
        b"Date,Video Views,Likes\n",
        b'{"count": 1, "artist": "ZONE A0"}',
        samples.zip_bytes({"Table data.csv": b"Date,Views\n"}),
        b"Date,Video Views,Profile Views,Likes,Comments,Shares\x00\n",
    ],
)
def test_sniff_refuses_other_content(head: bytes) -> None:
    # given content that is no TikTok export (empty, binary, partial header, other zip, NUL)
    # when sniffed under a TikTok-like name; then not claimed
    assert TikTokConnector().sniff(head, "Overview_2026-01-03_1767400000_zone.a0.zip") is None


def test_connector_parse_follows_the_content_not_the_claimed_kind(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a Studio content export claimed as a legacy zip
    path = write_file(fixture_bytes("studio_content_quoted_titles.csv"), "content.csv")
    payload = Payload(
        path=path,
        original_name="content.csv",
        account="zonea0",
        kind="legacy_zip",
        captured_at=datetime(2026, 5, 10, tzinfo=UTC),
    )

    # when the registry's connector parses it; then the content decides
    parsed = connector_for("tiktok").parse(payload)
    assert (parsed.kind, parsed.tables["tiktok_videos"].num_rows) == ("studio_content", 2)


def test_connector_requires_an_account() -> None:
    # given the TikTok connector; then it is a multi-account source
    assert TikTokConnector().requires_account() is True
