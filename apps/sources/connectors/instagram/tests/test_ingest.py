"""End to end: each Instagram kind from `ingest_path` to its curated datasets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apps.lake.curated import curated_partitions
from apps.lake.models import LakeFile
from apps.sources.connectors.instagram import samples
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]
DAILY = ("account", "date", "metric", "value")


def _curated(dataset: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The dataset's current rows, projected and sorted (nulls last in each column)."""
    rows = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    projected = [tuple(row[column] for column in columns) for row in rows]
    return sorted(projected, key=lambda row: tuple((value is None, value) for value in row))


def test_ingest_insights_with_a_known_user_id_reach_curated(
    write_file: WriteFile, fixture_bytes: FixtureBytes, known_account: str
) -> None:
    # given reach, impressions and follower_count around the end of DST, no --account
    path = write_file(fixture_bytes("insights_reach_impressions_follower_count_dst_end.json"))

    # when ingested with source detection
    outcome = ingest_path(path=path)

    # then the account comes from the user id and each value sits on its Pacific day minus one
    assert (outcome.source, outcome.rows_in, outcome.rows_rejected) == ("instagram", 6, 0)
    assert _curated("instagram_daily", DAILY) == [
        (known_account, date(2025, 10, 31), "impressions", 310),
        (known_account, date(2025, 10, 31), "reach", 120),
        (known_account, date(2025, 11, 1), "follower_count", 4),
        (known_account, date(2025, 11, 1), "reach", 95),
        (known_account, date(2025, 11, 2), "follower_count", 2),
        (known_account, date(2025, 11, 2), "reach", 143),
    ]


def test_ingest_views_total_value_reaches_curated(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given views as total_value, with --account
    path = write_file(fixture_bytes("insights_views_total_value.json"))

    # when ingested
    ingest_path(path=path, account="zonea0")

    # then one views row on 2026-05-10
    assert _curated("instagram_daily", DAILY) == [("zonea0", date(2026, 5, 10), "views", 1830)]


def test_ingest_profile_reaches_curated_snapshots(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the profile payload, with --account
    path = write_file(fixture_bytes("profile_zone_a0.json"))

    # when ingested
    outcome = ingest_path(path=path, account="zonea0")

    # then one snapshot on the landing day
    captured_on = LakeFile.objects.get(pk=outcome.lake_file_id).created_at.date()
    columns = ("account", "captured_on", "followers_count", "follows_count", "media_count")
    assert _curated("instagram_profile_snapshots", columns) == [
        ("zonea0", captured_on, 5120, 87, 142)
    ]


def test_ingest_business_suite_csv_reaches_curated(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a UTF-16 Business Suite Reach export, with --account
    path = write_file(fixture_bytes("business_suite_reach_utf16le_bom.csv"), "Reach.csv")

    # when ingested
    outcome = ingest_path(path=path, account="zonea0")

    # then three reach days
    assert (outcome.source, outcome.rows_in) == ("instagram", 3)
    assert _curated("instagram_daily", DAILY) == [
        ("zonea0", date(2026, 5, 8), "reach", 61),
        ("zonea0", date(2026, 5, 9), "reach", 73),
        ("zonea0", date(2026, 5, 10), "reach", 88),
    ]


def test_ingest_corrected_past_day_replaces_the_stored_value(write_file: WriteFile) -> None:
    # given reach for May 8-9, then a newer export for May 9-10 restating May 9
    first = samples.suite_csv("Reach", [(date(2026, 5, 8), 61), (date(2026, 5, 9), 73)])
    second = samples.suite_csv("Reach", [(date(2026, 5, 9), 75), (date(2026, 5, 10), 88)])

    # when both are ingested in order
    ingest_path(path=write_file(first, "a.csv"), account="zonea0")
    ingest_path(path=write_file(second, "b.csv"), account="zonea0")

    # then May 9 holds the restated value; May 8 is kept
    assert _curated("instagram_daily", DAILY) == [
        ("zonea0", date(2026, 5, 8), "reach", 61),
        ("zonea0", date(2026, 5, 9), "reach", 75),
        ("zonea0", date(2026, 5, 10), "reach", 88),
    ]


def test_an_uploaded_graph_payload_beats_a_newer_business_suite_export(
    write_file: WriteFile, known_account: str
) -> None:
    # given Graph reach for May 8-9 saved and uploaded by hand, then a newer Suite export
    graph = samples.insights_json(
        [samples.insights_item("reach", [(date(2026, 5, 8), 60), (date(2026, 5, 9), 70)])]
    )
    suite = samples.suite_csv("Reach", [(date(2026, 5, 9), 75), (date(2026, 5, 10), 88)])
    ingest_path(path=write_file(graph, "insights.json"), account=known_account)
    ingest_path(path=write_file(suite, "Reach.csv"), account=known_account)

    # then the API's May 9 stays (SPEC 3.5); the export only adds the day the API lacks
    assert _curated("instagram_daily", DAILY) == [
        (known_account, date(2026, 5, 8), "reach", 60),
        (known_account, date(2026, 5, 9), "reach", 70),
        (known_account, date(2026, 5, 10), "reach", 88),
    ]


def test_ingest_insights_of_an_unknown_account_are_rejected(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given insights whose user id is not a known account, without --account
    path = write_file(fixture_bytes("insights_views_total_value.json"))

    # when ingested
    outcome = ingest_path(path=path)

    # then quarantined with the reason; nothing curated
    assert (outcome.result, outcome.reason) == (
        "rejected",
        "account required for instagram; pass --account "
        "(IG user id '17841400000000001' is not a known account)",
    )
    assert _curated("instagram_daily", DAILY) == []
