"""End to end: each TikTok kind from `ingest_path` to its curated datasets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile, RejectedRow, Zone
from apps.sources.connectors.tiktok import samples
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]
DAILY = ("account", "date", "video_views", "profile_views", "likes", "comments", "shares")


def _curated(dataset: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The dataset's current rows, projected and sorted (nulls last in each column)."""
    rows = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    projected = [tuple(row[column] for column in columns) for row in rows]
    return sorted(projected, key=lambda row: tuple((value is None, value) for value in row))


def test_ingest_legacy_zip_reaches_curated_daily_and_breakdowns(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the full legacy zip named for @zone.a0, captured 2026-01-03, with no --account
    content = samples.zip_bytes(
        {
            "Overview.csv": fixture_bytes("legacy_overview_new_year.csv"),
            "FollowerHistory.csv": fixture_bytes("legacy_follower_history_shifted_difference.csv"),
            "FollowerGender.csv": fixture_bytes("legacy_follower_gender.csv"),
            "FollowerTopTerritories.csv": fixture_bytes(
                "legacy_follower_top_territories_others.csv"
            ),
        }
    )
    path = write_file(content, samples.legacy_zip_name(date(2026, 1, 3), "zone.a0"))

    # when it is ingested with source detection
    outcome = ingest_path(path=path)

    # then it is TikTok's, every row is in, and curated holds one row per day across New Year
    assert (outcome.source, outcome.rows_in, outcome.rows_out, outcome.rows_rejected) == (
        "tiktok",
        21,
        21,
        0,
    )
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.zone, lake_file.status, lake_file.kind) == (
        Zone.CURATED,
        FileStatus.LOADED,
        "legacy_zip",
    )
    assert _curated("tiktok_daily", (*DAILY, "followers_total", "net_followers")) == [
        ("zonea0", date(2025, 12, 28), 120, 8, 30, 2, 1, 1000, None),
        ("zonea0", date(2025, 12, 29), 95, 5, 22, 1, 0, 1004, 4),
        ("zonea0", date(2025, 12, 30), 210, 14, 51, 6, 3, 1010, 6),
        ("zonea0", date(2025, 12, 31), 180, 9, 40, 3, 2, 1009, -1),
        ("zonea0", date(2026, 1, 1), 75, 4, 15, 0, 0, 1015, 6),
        ("zonea0", date(2026, 1, 2), 300, 20, 88, 9, 5, 1030, 15),
        ("zonea0", date(2026, 1, 3), 260, 17, 70, 7, 4, 1042, 12),
    ]
    assert _curated(
        "audience_breakdowns", ("source", "account", "captured_on", "dimension", "bucket", "share")
    ) == [
        ("tiktok", "zonea0", date(2026, 1, 3), "gender", "Female", 0.39),
        ("tiktok", "zonea0", date(2026, 1, 3), "gender", "Male", 0.58),
        ("tiktok", "zonea0", date(2026, 1, 3), "gender", "Other", 0.03),
        ("tiktok", "zonea0", date(2026, 1, 3), "territory", "BR", 0.22),
        ("tiktok", "zonea0", date(2026, 1, 3), "territory", "MX", 0.09),
        ("tiktok", "zonea0", date(2026, 1, 3), "territory", "Others", 0.28),
        ("tiktok", "zonea0", date(2026, 1, 3), "territory", "US", 0.41),
    ]


def test_ingest_legacy_csv_new_year_export_anchored_2026_01_03(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a lone Overview CSV named for @pig1987 and captured 2026-01-03 (Dec 28 .. Jan 3)
    name = "Overview_2026-01-03_1767400000_pig1987.csv"
    path = write_file(fixture_bytes("legacy_overview_new_year.csv"), name)

    # when ingested
    outcome = ingest_path(path=path)

    # then the days are 2025-12-28 .. 2026-01-03
    assert (outcome.source, outcome.rows_in, outcome.rows_rejected) == ("tiktok", 7, 0)
    assert [row[1] for row in _curated("tiktok_daily", DAILY)] == [
        date(2025, 12, 28),
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
    ]
    assert {row[0] for row in _curated("tiktok_daily", DAILY)} == {"pig1987"}


def test_ingest_studio_overview_reaches_curated(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a Studio overview uploaded with --account zonea0
    path = write_file(fixture_bytes("studio_overview_bom_trailing_space_nan.csv"), "overview.csv")

    # when ingested
    outcome = ingest_path(path=path, account="zonea0")

    # then its three days are curated with reached audience and website clicks
    assert (outcome.source, outcome.rows_in, outcome.rows_rejected) == ("tiktok", 3, 0)
    columns = (
        "account",
        "date",
        "video_views",
        "reached_audience",
        "website_clicks",
        "net_followers",
    )
    assert _curated("tiktok_daily", columns) == [
        ("zonea0", date(2026, 5, 4), 1520, None, 3, 9),
        ("zonea0", date(2026, 5, 5), 980, 640, 0, -2),
        ("zonea0", date(2026, 5, 6), 1210, 801, 1, 6),
    ]


def test_ingest_studio_content_reaches_curated_videos(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a Studio content export uploaded with --account zonea0
    path = write_file(fixture_bytes("studio_content_quoted_titles.csv"), "content.csv")

    # when ingested
    outcome = ingest_path(path=path, account="zonea0")

    # then one video row per link, on the upload day
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    captured_on = lake_file.created_at.date()
    assert _curated(
        "tiktok_videos", ("account", "video_link", "captured_on", "views", "favorites")
    ) == [
        (
            "zonea0",
            "https://www.tiktok.com/@zone.a0/video/7499000000000000001",
            captured_on,
            12040,
            230,
        ),
        (
            "zonea0",
            "https://www.tiktok.com/@zone.a0/video/7499000000000000002",
            captured_on,
            3310,
            51,
        ),
    ]


def test_ingest_studio_followers_reaches_curated_snapshots(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a dated Studio followers export with --account pig1987
    path = write_file(fixture_bytes("studio_followers_dated.csv"), "followers.csv")

    # when ingested
    outcome = ingest_path(path=path, account="pig1987")

    # then each day's total is curated as that day's snapshot
    assert (outcome.source, outcome.rows_in) == ("tiktok", 2)
    assert _curated("tiktok_follower_snapshots", ("account", "captured_on", "followers")) == [
        ("pig1987", date(2026, 5, 4), 2301),
        ("pig1987", date(2026, 5, 5), 2299),
    ]


def test_ingest_follower_snapshot_is_curated_on_its_capture_date_only(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the extractor's snapshot, without --account (the content names ZONE A0)
    path = write_file(fixture_bytes("follower_snapshot_zone_a0.json"), "snapshot.json")

    # when ingested
    outcome = ingest_path(path=path)

    # then exactly one curated row, on 2026-05-10
    assert (outcome.source, outcome.rows_in) == ("tiktok", 1)
    assert _curated("tiktok_follower_snapshots", ("account", "captured_on", "followers")) == [
        ("zonea0", date(2026, 5, 10), 2315)
    ]
    assert _curated("tiktok_daily", DAILY) == []


def test_ingest_corrected_past_day_replaces_the_stored_value(write_file: WriteFile) -> None:
    # given an overview for May 4-6, then a newer one for May 6-7 that corrects May 6
    header = "Date,Video views,Reached audience,Profile views"
    first = samples.studio_csv(
        header, [("2026/05/04", 100, 80, 1), ("2026/05/05", 110, 90, 2), ("2026/05/06", 120, 95, 3)]
    )
    second = samples.studio_csv(header, [("2026/05/06", 125, 97, 3), ("2026/05/07", 130, 99, 4)])

    # when both are ingested in order
    ingest_path(path=write_file(first, "week1.csv"), account="zonea0")
    ingest_path(path=write_file(second, "week2.csv"), account="zonea0")

    # then May 6 holds the newer value and the days the newer file lacks are kept
    columns = ("date", "video_views", "reached_audience")
    assert _curated("tiktok_daily", columns) == [
        (date(2026, 5, 4), 100, 80),
        (date(2026, 5, 5), 110, 90),
        (date(2026, 5, 6), 125, 97),
        (date(2026, 5, 7), 130, 99),
    ]


def test_ingest_counts_balance_with_a_rejected_row(write_file: WriteFile) -> None:
    # given 25 legacy days of which one has a negative count (4 %, under the 5 % limit)
    counts = [(10 + index, 1, 2, 0, 0) for index in range(25)]
    counts[9] = (19, -1, 2, 0, 0)
    content = samples.legacy_overview(date(2026, 4, 1), counts)
    path = write_file(content, "Overview_2026-04-26_1777161600_zone.a0.csv")

    # when ingested
    outcome = ingest_path(path=path)

    # then rows_in == rows_out + rows_rejected, the rejection is stored, 24 days curated
    assert (outcome.rows_in, outcome.rows_out, outcome.rows_rejected) == (25, 24, 1)
    rejected = RejectedRow.objects.get(lake_file_id=outcome.lake_file_id)
    assert (rejected.row_number, rejected.column, rejected.code) == (
        11,
        "Profile Views",
        "negative_count",
    )
    assert len(_curated("tiktok_daily", DAILY)) == 24


def test_ingest_without_a_persona_is_rejected_not_dropped(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a Studio overview with no --account and no handle in its name
    path = write_file(fixture_bytes("studio_overview_bom_trailing_space_nan.csv"), "overview.csv")

    # when ingested
    outcome = ingest_path(path=path)

    # then the file is quarantined with the reason, and nothing is curated
    assert (outcome.result, outcome.reason) == (
        "rejected",
        "account required for tiktok; pass --account",
    )
    assert _curated("tiktok_daily", DAILY) == []


def test_ingest_zip_bomb_is_rejected_before_extraction(write_file: WriteFile) -> None:
    # given a zip bomb named like a legacy export
    path = write_file(samples.bomb_zip(), samples.legacy_zip_name(date(2026, 1, 3), "zone.a0"))

    # when ingested
    outcome = ingest_path(path=path)

    # then quarantined with the archive reason, nothing curated
    assert outcome.result == "rejected"
    assert outcome.reason.startswith("archive refused before extraction: entry 'Overview.csv'")
    assert _curated("tiktok_daily", DAILY) == []
