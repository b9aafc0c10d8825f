"""The legacy web export: the Overview zip and a lone Overview CSV (SPEC 2.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload, RowError
from apps.sources.connectors.tiktok import samples
from apps.sources.connectors.tiktok.parse import parse_tiktok

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]

ZONE_NAME = samples.legacy_zip_name(date(2026, 1, 3), "zone.a0")
DAILY_COLUMNS = ("date", "video_views", "profile_views", "likes", "comments", "shares")


def _parse(
    path: Path,
    name: str,
    *,
    account: str = "",
    captured_at: datetime | None = None,
    fraction: float = 0.05,
) -> ParsedFile:
    payload = Payload(path=path, original_name=name, account=account, captured_at=captured_at)
    return parse_tiktok(payload, max_rejected_fraction=fraction)


def _rows(parsed: ParsedFile, dataset: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    return [tuple(row[column] for column in columns) for row in parsed.tables[dataset].to_pylist()]


def _full_zip(fixture_bytes: FixtureBytes) -> bytes:
    return samples.zip_bytes(
        {
            "Overview.csv": fixture_bytes("legacy_overview_new_year.csv"),
            "FollowerHistory.csv": fixture_bytes("legacy_follower_history_shifted_difference.csv"),
            "Viewers.csv": fixture_bytes("legacy_viewers.csv"),
            "FollowerGender.csv": fixture_bytes("legacy_follower_gender.csv"),
            "FollowerTopTerritories.csv": fixture_bytes(
                "legacy_follower_top_territories_others.csv"
            ),
            "FollowerActivity.csv": fixture_bytes("legacy_follower_activity_unconfirmed.csv"),
        }
    )


def test_legacy_zip_anchored_2026_01_03_dates_december_2025_and_january_2026(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given an Overview zip captured 2026-01-03 with rows December 28 .. January 3
    content = samples.zip_bytes({"Overview.csv": fixture_bytes("legacy_overview_new_year.csv")})
    path = write_file(content, ZONE_NAME)

    # when it is parsed
    parsed = _parse(path, ZONE_NAME)

    # then December is 2025 and January 2026, with every count in place
    assert _rows(parsed, "tiktok_daily", DAILY_COLUMNS) == [
        (date(2025, 12, 28), 120, 8, 30, 2, 1),
        (date(2025, 12, 29), 95, 5, 22, 1, 0),
        (date(2025, 12, 30), 210, 14, 51, 6, 3),
        (date(2025, 12, 31), 180, 9, 40, 3, 2),
        (date(2026, 1, 1), 75, 4, 15, 0, 0),
        (date(2026, 1, 2), 300, 20, 88, 9, 5),
        (date(2026, 1, 3), 260, 17, 70, 7, 4),
    ]
    assert (parsed.kind, parsed.account, parsed.rows_in, parsed.rejections) == (
        "legacy_zip",
        "zonea0",
        7,
        [],
    )
    # and the capture time is the name's epoch (1767400000 s = 2026-01-03 00:26:40 UTC)
    assert parsed.captured_at == datetime(2026, 1, 3, 0, 26, 40, tzinfo=UTC)


def test_legacy_zip_merges_every_entry_into_one_row_per_day(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the full zip: overview, follower history (Difference shifted by a day), viewers,
    # gender, territories and the unconfirmed activity entry
    path = write_file(_full_zip(fixture_bytes), ZONE_NAME)

    # when it is parsed
    parsed = _parse(path, ZONE_NAME)

    # then followers come from Followers, the change is derived from consecutive totals (the
    # Difference column said 4, 6, -1, 6, 15, 12, 0 and is ignored), viewers go to extras
    assert _rows(
        parsed, "tiktok_daily", ("date", "followers_total", "net_followers", "extras")
    ) == [
        (date(2025, 12, 28), 1000, None, None),
        (date(2025, 12, 29), 1004, 4, None),
        (date(2025, 12, 30), 1010, 6, None),
        (date(2025, 12, 31), 1009, -1, None),
        (date(2026, 1, 1), 1015, 6, None),
        (
            date(2026, 1, 2),
            1030,
            15,
            '{"new_viewers":200,"returning_viewers":50,"total_viewers":250}',
        ),
        (
            date(2026, 1, 3),
            1042,
            12,
            '{"new_viewers":170,"returning_viewers":60,"total_viewers":230}',
        ),
    ]
    assert parsed.tables["tiktok_daily"].to_pylist()[0] == {
        "account": "zonea0",
        "date": date(2025, 12, 28),
        "video_views": 120,
        "profile_views": 8,
        "likes": 30,
        "comments": 2,
        "shares": 1,
        "reached_audience": None,
        "website_clicks": None,
        "new_followers": None,
        "lost_followers": None,
        "net_followers": None,
        "followers_total": 1000,
        "export_kind": "legacy_zip",
        "extras": None,
    }
    # and gender and territories are fractions on the capture date, Others a bucket of its own
    assert _rows(
        parsed, "audience_breakdowns", ("captured_on", "dimension", "bucket", "share")
    ) == [
        (date(2026, 1, 3), "gender", "Male", 0.58),
        (date(2026, 1, 3), "gender", "Female", 0.39),
        (date(2026, 1, 3), "gender", "Other", 0.03),
        (date(2026, 1, 3), "territory", "US", 0.41),
        (date(2026, 1, 3), "territory", "BR", 0.22),
        (date(2026, 1, 3), "territory", "MX", 0.09),
        (date(2026, 1, 3), "territory", "Others", 0.28),
    ]
    # and every row of every parsed entry is counted; FollowerActivity stays in raw only
    assert (parsed.rows_in, parsed.rows_out) == (7 + 7 + 2 + 3 + 4, 23)
    assert parsed.warnings == [
        "zip_entry_not_parsed name='FollowerActivity.csv' reason=kept_in_raw_only"
    ]


def test_legacy_csv_portuguese_headers_days_and_undefined(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a lone Portuguese Overview with `undefined` cells, captured 2026-01-05 per payload
    path = write_file(fixture_bytes("legacy_overview_portuguese_undefined.csv"), "visao.csv")

    # when it is parsed for pig1987
    parsed = _parse(
        path, "visao.csv", account="pig1987", captured_at=datetime(2026, 1, 5, 9, tzinfo=UTC)
    )

    # then the aliases map the columns, `30 de dezembro` is 2025-12-30, `undefined` is null
    assert _rows(parsed, "tiktok_daily", DAILY_COLUMNS) == [
        (date(2025, 12, 28), 1204, 33, 160, 12, 4),
        (date(2025, 12, 29), None, 21, 98, None, 2),
        (date(2025, 12, 30), 870, 18, 77, 5, 1),
    ]
    assert (parsed.kind, parsed.account, parsed.rows_in, parsed.rows_out) == (
        "legacy_csv",
        "pig1987",
        3,
        3,
    )
    assert parsed.tables["tiktok_daily"].column("export_kind").to_pylist() == ["legacy_csv"] * 3


def test_legacy_csv_old_reach_column_is_video_views(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given an old export whose video views are headed `reach`, uploaded on 2026-05-10
    path = write_file(fixture_bytes("legacy_overview_reach_alias.csv"), "old.csv")

    # when it is parsed
    parsed = _parse(
        path, "old.csv", account="zonea0", captured_at=datetime(2026, 5, 10, tzinfo=UTC)
    )

    # then reach fills video_views
    assert _rows(parsed, "tiktok_daily", ("date", "video_views")) == [
        (date(2026, 5, 8), 400),
        (date(2026, 5, 9), 350),
    ]


def test_legacy_csv_without_a_dated_name_or_payload_is_anchored_today(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the New Year overview with no capture date in its name or payload
    path = write_file(fixture_bytes("legacy_overview_new_year.csv"), "Overview.csv")

    # when it is parsed on 2027-01-04
    with time_machine.travel(datetime(2027, 1, 4, 10, tzinfo=UTC), tick=False):
        parsed = _parse(path, "Overview.csv", account="zonea0")

    # then the year comes from today's date, never from a constant
    days = parsed.tables["tiktok_daily"].column("date").to_pylist()
    assert (days[0], days[-1]) == (date(2026, 12, 28), date(2027, 1, 3))
    assert parsed.captured_at is None


def test_legacy_gap_between_days_is_a_warning(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given days March 1, 2 and 5
    path = write_file(fixture_bytes("legacy_overview_gap.csv"), "Overview.csv")

    # when parsed (captured 2026-03-06)
    parsed = _parse(path, "x.csv", account="zonea0", captured_at=datetime(2026, 3, 6, tzinfo=UTC))

    # then all rows load and the hole is named
    assert parsed.rows_out == 3
    assert parsed.warnings == [
        "date_gap entry=file after=2026-03-02 next=2026-03-05 missing_days=2"
    ]


def test_legacy_february_29_in_an_inferred_common_year_is_rejected(write_file: WriteFile) -> None:
    # given February 28, 29 and March 1 captured on 2025-03-02 (2025 has no February 29)
    content = samples.csv_text(
        samples.LEGACY_OVERVIEW_HEADER,
        [
            ("February 28", 1, 1, 1, 1, 1),
            ("February 29", 2, 2, 2, 2, 2),
            ("March 1", 3, 3, 3, 3, 3),
        ],
    ).encode()
    path = write_file(content, "Overview.csv")

    # when parsed with the share limit lifted
    parsed = _parse(
        path, "x.csv", account="zonea0", captured_at=datetime(2025, 3, 2, tzinfo=UTC), fraction=1
    )

    # then that row alone is rejected, naming the year
    assert parsed.rejections == [
        RowError(
            3,
            "Date",
            "invalid_date",
            "Date 'February 29' is not a day of 2025",
            "February 29,2,2,2,2,2",
        )
    ]
    assert (parsed.rows_in, parsed.rows_out) == (3, 2)


def test_legacy_february_29_in_a_leap_year_loads(write_file: WriteFile) -> None:
    # given the same rows captured on 2024-03-02
    content = samples.csv_text(
        samples.LEGACY_OVERVIEW_HEADER, [("February 29", 2, 2, 2, 2, 2), ("March 1", 3, 3, 3, 3, 3)]
    ).encode()
    path = write_file(content, "Overview.csv")

    # when parsed; then 2024-02-29 is a day
    parsed = _parse(path, "x.csv", account="zonea0", captured_at=datetime(2024, 3, 2, tzinfo=UTC))
    assert parsed.tables["tiktok_daily"].column("date").to_pylist() == [
        date(2024, 2, 29),
        date(2024, 3, 1),
    ]


def test_legacy_newest_first_rows_are_refused(write_file: WriteFile) -> None:
    # given rows listed newest first: every step back would drop a year
    rows = [(f"January {day}", day, 0, 0, 0, 0) for day in (5, 4, 3, 2, 1)]
    path = write_file(samples.csv_text(samples.LEGACY_OVERVIEW_HEADER, rows).encode(), "o.csv")

    # when parsed
    with pytest.raises(FileRejected) as rejected:
        _parse(path, "o.csv", account="zonea0", captured_at=datetime(2026, 1, 6, tzinfo=UTC))

    # then the file is refused rather than dated 2022 .. 2026
    assert rejected.value.message == (
        "file: days are not oldest-first (their years would span 2022-2026); "
        "a legacy export lists one row per day, oldest first"
    )


def test_legacy_repeated_day_is_rejected_and_rows_balance(write_file: WriteFile) -> None:
    # given 25 days where the last line repeats a day and another has a negative count
    first = date(2026, 4, 1)
    counts = [(10 + index, 1, 2, 0, 0) for index in range(24)]
    counts[9] = (19, -1, 2, 0, 0)
    content = samples.legacy_overview(first, counts) + b"April 24,99,1,1,1,1\n"
    path = write_file(content, "Overview.csv")

    # when parsed with the share limit lifted
    parsed = _parse(
        path, "x.csv", account="zonea0", captured_at=datetime(2026, 4, 25, tzinfo=UTC), fraction=1
    )

    # then both rows are rejected with row, column and reason; the rest load
    assert parsed.rejections == [
        RowError(
            11,
            "Profile Views",
            "negative_count",
            "Profile Views -1 is negative",
            "April 10,19,-1,2,0,0",
        ),
        RowError(
            26,
            "*",
            "duplicate_key",
            "day 2026-04-24 was already given on line 25",
            "April 24,99,1,1,1,1",
        ),
    ]
    assert (parsed.rows_in, parsed.rows_out, parsed.tables["tiktok_daily"].num_rows) == (25, 23, 23)


def test_legacy_more_than_five_percent_rejected_quarantines_the_file(write_file: WriteFile) -> None:
    # given 3 rows, one of them unreadable
    content = samples.csv_text(
        samples.LEGACY_OVERVIEW_HEADER,
        [("May 1", 1, 1, 1, 1, 1), ("Maz 2", 1, 1, 1, 1, 1), ("May 3", 1, 1, 1, 1, 1)],
    ).encode()
    path = write_file(content, "Overview.csv")

    # when parsed with the default limit
    with pytest.raises(FileRejected) as rejected:
        _parse(path, "x.csv", account="zonea0", captured_at=datetime(2026, 5, 4, tzinfo=UTC))

    # then the file is quarantined, quoting the row
    assert rejected.value.message == (
        "1 of 3 rows rejected (33.3%, more than the 5% allowed); first: row 3 column 'Date' "
        "invalid_date: Date 'Maz 2' is not a day like 'December 30'"
    )


def test_legacy_zip_without_overview_is_rejected(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a zip holding only the gender split
    content = samples.zip_bytes({"FollowerGender.csv": fixture_bytes("legacy_follower_gender.csv")})
    path = write_file(content, ZONE_NAME)

    # when parsed; then refused, listing what it holds
    with pytest.raises(FileRejected) as rejected:
        _parse(path, ZONE_NAME)
    assert rejected.value.message == "zip holds no Overview.csv (entries: none)"


def test_legacy_zip_entry_with_a_renamed_column_is_quarantined(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a zip whose FollowerHistory renamed Followers
    history = b"Date,Follower count\nJanuary 3,10\n"
    content = samples.zip_bytes(
        {
            "Overview.csv": fixture_bytes("legacy_overview_new_year.csv"),
            "FollowerHistory.csv": history,
        }
    )
    path = write_file(content, ZONE_NAME)

    # when parsed; then the message lists missing, unexpected and expected columns
    with pytest.raises(FileRejected) as rejected:
        _parse(path, ZONE_NAME)
    assert rejected.value.message == (
        "FollowerHistory.csv: missing columns 'Followers'; unexpected columns 'Follower count'; "
        "expected Date,Followers,Difference in followers from previous day "
        "(found 'Date', 'Follower count')"
    )


def test_legacy_zip_share_written_as_percent_is_a_fraction(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given territories written as percentages
    territories = b"Top territories,Distribution\nUS,41%\nOthers,59 %\n"
    content = samples.zip_bytes(
        {
            "Overview.csv": fixture_bytes("legacy_overview_new_year.csv"),
            "FollowerTopTerritories.csv": territories,
        }
    )
    path = write_file(content, ZONE_NAME)

    # when parsed; then 41% is 0.41
    parsed = _parse(path, ZONE_NAME)
    assert _rows(parsed, "audience_breakdowns", ("bucket", "share")) == [
        ("US", 0.41),
        ("Others", 0.59),
    ]


def test_legacy_zip_rejection_names_the_entry_in_its_column(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a gender split with a share above 1
    gender = b"Gender,Distribution\nMale,1.4\nFemale,0.4\n"
    content = samples.zip_bytes(
        {
            "Overview.csv": fixture_bytes("legacy_overview_new_year.csv"),
            "FollowerGender.csv": gender,
        }
    )
    path = write_file(content, ZONE_NAME)

    # when parsed with the share limit lifted
    parsed = _parse(path, ZONE_NAME, fraction=1)

    # then the rejection's column says which entry it came from
    assert parsed.rejections == [
        RowError(
            2,
            "FollowerGender.csv:Distribution",
            "invalid_value",
            "Distribution '1.4' is not between 0 and 1",
            "Male,1.4",
        )
    ]


def test_legacy_zip_without_a_persona_is_rejected(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a zip under a name with no handle, and no --account
    content = samples.zip_bytes({"Overview.csv": fixture_bytes("legacy_overview_new_year.csv")})
    path = write_file(content, "export.zip")

    # when parsed; then rejected, never dropped
    with pytest.raises(FileRejected) as rejected:
        _parse(path, "export.zip")
    assert rejected.value.message == "account required for tiktok; pass --account"
