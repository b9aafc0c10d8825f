"""The follower snapshot JSON, recorded on its capture date only (SPEC 2.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, Payload
from apps.sources.connectors.tiktok import samples
from apps.sources.connectors.tiktok.parse import parse_tiktok

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]


def test_snapshot_is_recorded_on_its_capture_date_only(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the extractor's snapshot for ZONE A0, taken 2026-05-10T07:12:45Z, no --account
    path = write_file(fixture_bytes("follower_snapshot_zone_a0.json"), "snapshot.json")

    # when parsed
    parsed = parse_tiktok(Payload(path=path, original_name="snapshot.json"))

    # then one row, on that day only; the persona comes from the content
    assert parsed.tables == {
        "tiktok_follower_snapshots": parsed.tables["tiktok_follower_snapshots"]
    }
    assert parsed.tables["tiktok_follower_snapshots"].to_pylist() == [
        {"account": "zonea0", "captured_on": date(2026, 5, 10), "followers": 2315}
    ]
    assert (parsed.kind, parsed.account, parsed.captured_at, parsed.rows_in) == (
        "follower_snapshot",
        "zonea0",
        datetime(2026, 5, 10, 7, 12, 45, tzinfo=UTC),
        1,
    )


@pytest.mark.parametrize(
    ("timestamp", "captured_on"),
    [
        ("2026-05-10T23:30:00-07:00", date(2026, 5, 11)),
        ("2026-05-10T07:00:00+0000", date(2026, 5, 10)),
        ("2026-05-10 07:00:00", date(2026, 5, 10)),
        (1778400000, date(2026, 5, 10)),
        (1778400000123, date(2026, 5, 10)),
    ],
)
def test_snapshot_timestamp_forms_give_the_utc_capture_day(
    write_file: WriteFile, timestamp: object, captured_on: date
) -> None:
    # given a snapshot stamped as ISO text with an offset, naive text or an epoch (s or ms)
    content = samples.follower_snapshot(
        count=10, handle="pig1987", timestamp=timestamp, artist="PIG1987"
    )
    path = write_file(content, "snapshot.json")

    # when parsed; then the UTC day of that moment
    parsed = parse_tiktok(Payload(path=path, original_name="snapshot.json"))
    assert parsed.tables["tiktok_follower_snapshots"].to_pylist() == [
        {"account": "pig1987", "captured_on": captured_on, "followers": 10}
    ]


def test_snapshot_for_another_persona_than_given_is_rejected(write_file: WriteFile) -> None:
    # given a ZONE A0 snapshot uploaded with --account pig1987
    content = samples.follower_snapshot(count=1, handle="zone.a0", timestamp="2026-05-10T07:00:00Z")
    path = write_file(content, "snapshot.json")

    # when parsed; then refused: it would load one persona's followers under another
    with pytest.raises(FileRejected) as rejected:
        parse_tiktok(Payload(path=path, original_name="snapshot.json", account="pig1987"))
    assert rejected.value.message == "file names persona zonea0 but account 'pig1987' was given"


def test_snapshot_with_an_abbreviated_count_is_quarantined(write_file: WriteFile) -> None:
    # given a count scraped as `12.3K`
    content = samples.follower_snapshot(
        count="12.3K", handle="zone.a0", timestamp="2026-05-10T07:00:00Z"
    )
    path = write_file(content, "snapshot.json")

    # when parsed; then its only row is rejected, so the file is quarantined with the reason
    with pytest.raises(FileRejected) as rejected:
        parse_tiktok(Payload(path=path, original_name="snapshot.json"))
    assert rejected.value.message == (
        "1 of 1 rows rejected (100.0%, more than the 5% allowed); first: row 1 column 'count' "
        "invalid_number: count '12.3K' is not a whole number"
    )


def test_json_that_is_not_a_snapshot_is_rejected(write_file: WriteFile) -> None:
    # given JSON of another shape
    path = write_file(b'{"followerCount": 3}', "profile.json")

    # when parsed; then the expected keys are named
    with pytest.raises(FileRejected) as rejected:
        parse_tiktok(Payload(path=path, original_name="profile.json", account="zonea0"))
    assert rejected.value.message == (
        "content is not a TikTok follower snapshot: expected a JSON object with artist, count, "
        "source_url, timestamp"
    )
