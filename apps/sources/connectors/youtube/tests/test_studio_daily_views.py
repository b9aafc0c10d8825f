"""Studio `Totals.csv` daily views reach the warehouse (SocialDaily, /api/audience/youtube) and
fill only the days the Analytics API has not given: on a day both have, the API's full row
stays, whichever file came first and even when both were uploaded by hand."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from apps.lake.curated import curated_partitions
from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.youtube.connector import YouTubeConnector
from apps.sources.connectors.youtube.tests.helpers import FIXTURES, studio_zip_path
from apps.warehouse.models import SocialDaily
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

API_REPORT = "day_report_mar01_to_mar09_latency_tail_and_quiet_mar03.json"
TABLE = "studio_table_total_row_then_three_videos.csv"
MAR_14 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
MAR_15 = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
MEASURES = (
    "views",
    "engaged_views",
    "watch_minutes",
    "subscribers_gained",
    "subscribers_lost",
    "likes",
    "shares",
    "comments",
)
# The API report (captured Mar 10): Mar 1-6 with every measure, Mar 3 quiet (0), Mar 7-9 in
# its latency tail (absent).
API_DAYS = {
    "2025-03-01": (120, 95, 310, 3, 1, 9, 2, 1),
    "2025-03-02": (80, 71, 190, 1, 0, 4, 0, 0),
    "2025-03-03": (0, 0, 0, 0, 0, 0, 0, 0),
    "2025-03-04": (210, 140, 402, 5, 2, 15, 3, 2),
    "2025-03-05": (95, 90, 205, 0, 1, 6, 1, 0),
    "2025-03-06": (64, 60, 150, 2, 0, 3, 0, 1),
}
# Studio's Totals.csv of Mar 5-9 gives views only: 98, 66, 51, 47, 62.
STUDIO_ONLY_DAYS = {
    "2025-03-07": (51, None, None, None, None, None, None, None),
    "2025-03-08": (47, None, None, None, None, None, None, None),
    "2025-03-09": (62, None, None, None, None, None, None, None),
}


def _ingest(path: Path, *, at: datetime, account: str = "") -> IngestOutcome:
    with time_machine.travel(at, tick=False):
        outcome = ingest_path(path=path, account=account)
    assert outcome.result == "accepted", outcome.reason
    return outcome


def _api_report(at: datetime) -> IngestOutcome:
    return _ingest(FIXTURES / API_REPORT, at=at)


def _studio(directory: Path, *, totals: str, name: str, at: datetime) -> IngestOutcome:
    path = studio_zip_path(directory, table=TABLE, totals=totals, name=name)
    return _ingest(path, at=at, account="zonea0")


def _studio_mar05_to_mar09(directory: Path, at: datetime) -> IngestOutcome:
    name = "Content 2025-03-05_2025-03-09 ZONE A0.zip"
    return _studio(directory, totals="studio_totals_mar05_to_mar09.csv", name=name, at=at)


def _social_days() -> dict[str, tuple[int | None, ...]]:
    rows = SocialDaily.objects.filter(platform="youtube", account="zonea0").order_by("date")
    return {row.date.isoformat(): tuple(getattr(row, name) for name in MEASURES) for row in rows}


def _curated_channel_views() -> dict[str, tuple[int, int]]:
    """ISO day -> (views, source file) of the curated channel rows."""
    rows = [row for table in curated_partitions("youtube_daily") for row in table.to_pylist()]
    return {row["date"].isoformat(): (row["views"], row["source_file_id"]) for row in rows}


def _audience(client: Any) -> dict[str, object]:
    response = client.get("/api/audience/youtube")
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    return {key: value for key, value in row.items() if key != "artist"}


def test_studio_totals_alone_load_their_daily_views(tmp_path: Path, alice_client: Any) -> None:
    # given only a Studio export whose Totals.csv gives Mar 1-3: 600, 545 and 500 views
    name = "Content 2025-03-01_2025-03-03 ZONE A0.zip"
    _studio(tmp_path, totals="studio_totals_mar01_to_mar03.csv", name=name, at=MAR_14)

    # then each day is in the warehouse with its views and nothing else
    views_only = (None,) * 7
    assert _social_days() == {
        "2025-03-01": (600, *views_only),
        "2025-03-02": (545, *views_only),
        "2025-03-03": (500, *views_only),
    }
    # and the audience API sums them: 1645 views, no engagement known
    assert _audience(alice_client) == {
        "account": "zonea0",
        "views": 1645,
        "engaged_views": 0,
        "watch_minutes": 0,
        "likes": 0,
        "comments": 0,
        "shares": 0,
        "subscribers_gained": 0,
        "subscribers_lost": 0,
        "engagement_rate": 0.0,
        "subscribers": None,
    }


def _assert_api_days_kept_and_studio_fills_the_rest(api_file: int, studio_file: int) -> None:
    assert _social_days() == {**API_DAYS, **STUDIO_ONLY_DAYS}
    assert _curated_channel_views() == {
        **{day: (measures[0], api_file) for day, measures in API_DAYS.items()},
        **{day: (measures[0], studio_file) for day, measures in STUDIO_ONLY_DAYS.items()},
    }


# The sums of API_DAYS and STUDIO_ONLY_DAYS: 729 views (Mar 5 counts the API's 95, not
# Studio's 98; Mar 6 the API's 64, not 66), engagement (37 + 6 + 4) / 729 to 6 places.
MERGED_AUDIENCE = {
    "account": "zonea0",
    "views": 729,
    "engaged_views": 456,
    "watch_minutes": 1257,
    "likes": 37,
    "comments": 4,
    "shares": 6,
    "subscribers_gained": 11,
    "subscribers_lost": 4,
    "engagement_rate": 0.064472,
    "subscribers": None,
}


def test_newer_studio_export_keeps_the_api_days_and_fills_the_later_ones(
    tmp_path: Path, alice_client: Any
) -> None:
    # given the API report, then a Studio export captured later (Mar 15) overlapping Mar 5-6
    api_file = _api_report(MAR_14).lake_file_id
    studio_file = _studio_mar05_to_mar09(tmp_path, MAR_15).lake_file_id

    # then Mar 1-6 keep the API's full rows and Mar 7-9 take Studio's views
    _assert_api_days_kept_and_studio_fills_the_rest(api_file, studio_file)
    assert _audience(alice_client) == MERGED_AUDIENCE

    # and a rebuild from curated gives the same days
    call_command("rebuild_warehouse", stdout=StringIO())
    _assert_api_days_kept_and_studio_fills_the_rest(api_file, studio_file)


def test_api_report_arriving_after_a_studio_export_replaces_the_days_it_has(
    tmp_path: Path, alice_client: Any
) -> None:
    # given a Studio export of Mar 5-9 first (captured Mar 14)
    studio_file = _studio_mar05_to_mar09(tmp_path, MAR_14).lake_file_id
    assert _social_days()["2025-03-05"] == (98, None, None, None, None, None, None, None)

    # when the API report (captured Mar 10, earlier than the export) is uploaded by hand
    api_file = _api_report(MAR_15).lake_file_id

    # then it still replaces Mar 5-6 with its full rows; Studio keeps Mar 7-9
    _assert_api_days_kept_and_studio_fills_the_rest(api_file, studio_file)
    assert _audience(alice_client) == MERGED_AUDIENCE
    call_command("rebuild_warehouse", stdout=StringIO())
    _assert_api_days_kept_and_studio_fills_the_rest(api_file, studio_file)


def test_a_newer_studio_export_restates_an_older_ones_days_but_not_the_apis(
    tmp_path: Path,
) -> None:
    # given the API report and a Studio export of Mar 5-9 (captured Mar 14)
    api_file = _api_report(MAR_14).lake_file_id
    older = _studio_mar05_to_mar09(tmp_path, MAR_14).lake_file_id

    # when a Studio export captured Mar 15 restates Mar 8-9 (49, 63) and adds Mar 10 (70)
    name = "Content 2025-03-08_2025-03-10 ZONE A0.zip"
    newer = _studio(
        tmp_path, totals="studio_totals_mar08_to_mar10.csv", name=name, at=MAR_15
    ).lake_file_id

    # then the newer export wins the days only exports gave; the API keeps its days
    views_only = (None,) * 7
    assert _social_days() == {
        **API_DAYS,
        "2025-03-07": (51, *views_only),
        "2025-03-08": (49, *views_only),
        "2025-03-09": (63, *views_only),
        "2025-03-10": (70, *views_only),
    }
    assert {day: file for day, (_, file) in _curated_channel_views().items()} == {
        **dict.fromkeys(API_DAYS, api_file),
        "2025-03-07": older,
        **dict.fromkeys(["2025-03-08", "2025-03-09", "2025-03-10"], newer),
    }


def test_replay_brings_in_the_daily_views_of_an_export_parser_v1_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a Studio export of Mar 1-3 loaded by parser v1, which kept only the video table
    original = YouTubeConnector.parse

    def parse_v1(self: YouTubeConnector, payload: Payload) -> ParsedFile:
        parsed = original(self, payload)
        videos = parsed.tables["youtube_video_snapshots"]
        return dataclasses.replace(parsed, tables={"youtube_video_snapshots": videos})

    monkeypatch.setattr(YouTubeConnector, "parser_version", "1")
    monkeypatch.setattr(YouTubeConnector, "parse", parse_v1)
    name = "Content 2025-03-01_2025-03-03 ZONE A0.zip"
    studio_file = _studio(
        tmp_path, totals="studio_totals_mar01_to_mar03.csv", name=name, at=MAR_14
    ).lake_file_id
    assert _social_days() == {}

    # when the source is replayed under parser v2
    monkeypatch.undo()
    output = StringIO()
    call_command("replay", "--source", "youtube", stdout=output)

    # then the export's 3 days are added and loaded
    assert output.getvalue().splitlines()[0] == (
        f"file {studio_file}: changed parser v1 -> v2 youtube_daily: +3 ~0 -0"
    )
    views_only = (None,) * 7
    assert _social_days() == {
        "2025-03-01": (600, *views_only),
        "2025-03-02": (545, *views_only),
        "2025-03-03": (500, *views_only),
    }
