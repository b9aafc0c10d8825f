"""Every curated dataset loads into its warehouse model: exact figures, and loading the same
curated rows twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import (
    Account,
    AudienceBreakdown,
    AudienceDaily,
    DailyStream,
    DistributorTrackTotal,
    EmailCampaign,
    Expense,
    FollowerSnapshot,
    LinkAnalyticsDaily,
    LinkTotals,
    ListMonthly,
    ListSnapshot,
    SocialDaily,
    SocialVideo,
    SongStreamDaily,
    SongWindowSnapshot,
    Submission,
    Track,
    TrackAlias,
    VideoDaily,
    VideoSnapshot,
)
from apps.warehouse.tests.curated_tables import curated_table

pytestmark = pytest.mark.django_db

LATER = datetime(2025, 6, 9, tzinfo=UTC)


def _load(dataset: str, rows: list[dict[str, object]], **kwargs: object) -> int:
    return LOADERS[dataset](curated_table(dataset, rows, **kwargs))  # type: ignore[arg-type]


def _load_twice(dataset: str, rows: list[dict[str, object]], model: type) -> list[dict]:
    """Load, snapshot every row, load again; the second load must change nothing."""
    _load(dataset, rows)
    before = list(model.objects.order_by("pk").values())
    _load(dataset, rows)
    assert list(model.objects.order_by("pk").values()) == before
    return before


STREAMS = [
    {"date": date(2025, 5, 1), "distributor": "distrokid", "platform": "Spotify", "streams": 120},
    {"date": date(2025, 5, 2), "distributor": "distrokid", "platform": "Spotify", "streams": 80},
    {"date": date(2025, 5, 1), "distributor": "toolost", "platform": "Apple Music", "streams": 7},
]


def test_streams_daily_load_books_streams_per_platform_and_distributor() -> None:
    # given three curated days of two distributors; when loaded twice
    rows = _load_twice("streams_daily", STREAMS, DailyStream)
    # then each is one DailyStream on the named platform and distributor
    assert len(rows) == 3
    by_key = {
        (s.date, s.platform.name, s.distributor.code): s.streams
        for s in DailyStream.objects.select_related("platform", "distributor")
    }
    assert by_key == {
        (date(2025, 5, 1), "Spotify", "distrokid"): 120,
        (date(2025, 5, 2), "Spotify", "distrokid"): 80,
        (date(2025, 5, 1), "Apple Music", "toolost"): 7,
    }


def test_streams_daily_load_newer_value_replaces_a_day() -> None:
    _load("streams_daily", STREAMS)
    _load("streams_daily", [{**STREAMS[0], "streams": 125, "captured_at": LATER}], file_id=8)
    assert DailyStream.objects.aggregate(total=Sum("streams"))["total"] == 125 + 80 + 7
    assert DailyStream.objects.count() == 3


def test_distributor_track_totals_load_matches_tracks_by_isrc_then_title() -> None:
    # given a catalogue track with an ISRC and one known by title only
    by_isrc = Track.objects.create(isrc="QZABC2500001", title="The Scale")
    by_title = Track.objects.create(title="Renegade Pipeline")
    base = {"captured_on": date(2025, 6, 1), "distributor": "toolost", "platform": "Apple Music"}
    rows = [
        {
            **base,
            "window": "this_year",
            "track_key": "QZABC2500001",
            "isrc": "QZABC2500001",
            "track_title": "THE SCALE",
            "streams": 900,
        },
        {
            **base,
            "window": "this_year",
            "track_key": "Renegade Pipeline",
            "isrc": None,
            "track_title": "Renegade Pipeline",
            "streams": 40,
        },
        {
            **base,
            "window": "this_year",
            "track_key": "Unknown",
            "isrc": None,
            "track_title": "Unknown",
            "streams": 3,
        },
    ]
    _load_twice("distributor_track_totals", rows, DistributorTrackTotal)
    found = dict(DistributorTrackTotal.objects.values_list("track_key", "track_id"))
    assert found == {"QZABC2500001": by_isrc.pk, "Renegade Pipeline": by_title.pk, "Unknown": None}
    assert DistributorTrackTotal.objects.aggregate(s=Sum("streams"))["s"] == 943


def test_discovery_fees_monthly_load_books_a_promotion_expense() -> None:
    rows = [
        {
            "distributor": "toolost",
            "month": date(2025, 3, 1),
            "streams": 1500,
            "fees_usd": Decimal("1.23456789"),
        },
        {"distributor": "toolost", "month": date(2025, 4, 1), "streams": 10, "fees_usd": None},
    ]
    _load_twice("discovery_fees_monthly", rows, Expense)
    expense = Expense.objects.get()
    assert (expense.category, expense.amount_usd, expense.date, expense.streams) == (
        "promotion",
        Decimal("1.23456789"),
        date(2025, 3, 1),
        1500,
    )


def test_spotify_audience_daily_load_resolves_the_account_artist() -> None:
    rows = [
        {
            "account": "zonea0",
            "date": date(2025, 5, 1),
            "artist_id": "62owJQCD2XzVB2o19CVsFM",
            "listeners": 300,
            "streams": 450,
            "followers": 1200,
            "playlist_adds": 4,
            "saves": 9,
        },
        {"account": "newartist", "date": date(2025, 5, 1), "listeners": 5, "streams": 6},
    ]
    _load_twice("spotify_audience_daily", rows, AudienceDaily)
    artists = dict(AudienceDaily.objects.values_list("account", "artist__name"))
    assert artists == {"zonea0": "ZONE A0", "newartist": None}
    # the unknown account is listed with no artist, for the review queue
    assert set(Account.objects.filter(source="spotify").values_list("slug", "artist__name")) == {
        ("zonea0", "ZONE A0"),
        ("newartist", None),
    }
    assert AudienceDaily.objects.aggregate(s=Sum("streams"))["s"] == 456


def test_spotify_song_loads_match_the_track_by_spotify_id_or_title() -> None:
    scale = Track.objects.create(title="The Scale", artist_id=_artist("ZONE A0"))
    other = Track.objects.create(title="Pathfinder", artist_id=_artist("ZONE A0"))
    TrackAlias.objects.create(alias="4uLU6hMCjMI75M1A2tKUQC", source="spotify", track=other)
    windows = [
        {
            "account": "zonea0",
            "song_key": "s1",
            "window": "28day",
            "captured_on": date(2025, 6, 1),
            "song_title": "THE SCALE",
            "streams": 1000,
            "listeners": 400,
        },
        {
            "account": "zonea0",
            "song_key": "s2",
            "window": "28day",
            "captured_on": date(2025, 6, 1),
            "spotify_track_id": "4uLU6hMCjMI75M1A2tKUQC",
            "song_title": "Renamed",
            "streams": 50,
        },
    ]
    _load_twice("spotify_song_windows", windows, SongWindowSnapshot)
    assert dict(SongWindowSnapshot.objects.values_list("song_key", "track_id")) == {
        "s1": scale.pk,
        "s2": other.pk,
    }
    daily = [
        {
            "account": "zonea0",
            "song_key": "s1",
            "date": date(2025, 6, 1),
            "song_title": "The Scale",
            "streams": 33,
        }
    ]
    _load_twice("spotify_song_daily", daily, SongStreamDaily)
    assert SongStreamDaily.objects.get().track_id == scale.pk


def _artist(name: str) -> int:
    from apps.warehouse.models import Artist

    return Artist.objects.get(name=name).pk


def test_linktree_loads_days_links_and_breakdowns() -> None:
    days = [
        {
            "account": "",
            "date": date(2025, 5, 1),
            "total_views": 10,
            "unique_views": 8,
            "total_clicks": 15,
            "unique_clicks": 9,
            "click_through_rate": 1.5,
        },
        {"account": "", "date": date(2025, 5, 2), "total_views": 0, "total_clicks": 0},
    ]
    _load_twice("linktree_daily", days, LinkAnalyticsDaily)
    assert list(
        LinkAnalyticsDaily.objects.order_by("date").values_list(
            "views", "clicks", "click_through_rate"
        )
    ) == [
        (10, 15, 1.5),
        (0, 0, None),
    ]
    links = [
        {
            "link_id": "123456789",
            "captured_on": date(2025, 5, 2),
            "title": "Spotify",
            "active": True,
            "total_clicks": 77,
        }
    ]
    _load_twice("linktree_links", links, LinkTotals)
    assert LinkTotals.objects.get().total_clicks == 77
    shares = [
        {
            "source": "linktree",
            "account": None,
            "captured_on": date(2025, 5, 2),
            "dimension": "country",
            "bucket": "US",
            "share": 0.6,
            "clicks": 6,
        },
        {
            "source": "tiktok",
            "account": "zonea0",
            "captured_on": date(2025, 5, 2),
            "dimension": "gender",
            "bucket": "female",
            "share": 0.4,
        },
    ]
    _load_twice("audience_breakdowns", shares, AudienceBreakdown)
    assert AudienceBreakdown.objects.count() == 2


TIKTOK_DAYS = [
    {
        "account": "zonea0",
        "date": date(2025, 5, 1),
        "video_views": 1000,
        "profile_views": 50,
        "likes": 80,
        "comments": 5,
        "shares": 3,
        "followers_total": 2000,
        "export_kind": "legacy",
    },
    {
        "account": "zonea0",
        "date": date(2025, 5, 2),
        "video_views": 500,
        "likes": 20,
        "export_kind": "legacy",
    },
]


def test_tiktok_loads_days_followers_and_videos() -> None:
    _load_twice("tiktok_daily", TIKTOK_DAYS, SocialDaily)
    totals = SocialDaily.objects.filter(platform="tiktok", account="zonea0").aggregate(
        views=Sum("views"), likes=Sum("likes")
    )
    assert totals == {"views": 1500, "likes": 100}
    assert Account.objects.get(source="tiktok", slug="zonea0").artist.name == "ZONE A0"
    snapshots = [{"account": "zonea0", "captured_on": date(2025, 5, 3), "followers": 2050}]
    _load_twice("tiktok_follower_snapshots", snapshots, FollowerSnapshot)
    # the snapshot is recorded on its day only, never stamped onto the daily rows
    assert FollowerSnapshot.objects.get().followers == 2050
    assert SocialDaily.objects.get(date=date(2025, 5, 2)).followers_total is None
    videos = [
        {
            "account": "zonea0",
            "video_link": "https://www.tiktok.com/@zone.a0/video/1",
            "captured_on": date(2025, 5, 3),
            "title": "clip",
            # Studio shows wall-clock time with no zone: the curated column is naive
            "posted_at": datetime(2025, 5, 1, 18, 30),  # noqa: DTZ001
            "views": 900,
            "favorites": 2,
        }
    ]
    _load_twice("tiktok_videos", videos, SocialVideo)
    video = SocialVideo.objects.get()
    assert (video.views, video.posted_at) == (900, datetime(2025, 5, 1, 18, 30, tzinfo=UTC))


def test_instagram_daily_load_keeps_impressions_and_continues_views() -> None:
    # given impressions before the switch and views after it, plus reach every day
    rows = [
        {"account": "iguser", "date": date(2025, 4, 19), "metric": "impressions", "value": 300},
        {"account": "iguser", "date": date(2025, 4, 19), "metric": "reach", "value": 120},
        {"account": "iguser", "date": date(2025, 4, 22), "metric": "views", "value": 410},
        {"account": "iguser", "date": date(2025, 4, 22), "metric": "reach", "value": 150},
        {"account": "iguser", "date": date(2025, 4, 22), "metric": "follower_count", "value": 4},
    ]
    _load_twice("instagram_daily", rows, SocialDaily)
    days = list(
        SocialDaily.objects.filter(platform="instagram")
        .order_by("date")
        .values_list("date", "views", "views_metric", "impressions", "reach", "new_followers")
    )
    assert days == [
        (date(2025, 4, 19), 300, "impressions", 300, 120, None),
        (date(2025, 4, 22), 410, "views", None, 150, 4),
    ]
    profile = [
        {
            "account": "iguser",
            "captured_on": date(2025, 4, 22),
            "followers_count": 321,
            "follows_count": 12,
            "media_count": 40,
        }
    ]
    _load_twice("instagram_profile_snapshots", profile, FollowerSnapshot)
    snapshot = FollowerSnapshot.objects.get(platform="instagram")
    assert (snapshot.followers, snapshot.follows, snapshot.media_count) == (321, 12, 40)


def test_youtube_daily_load_splits_channel_and_video_rows() -> None:
    rows = [
        {
            "channel": "zonea0",
            "date": date(2025, 5, 1),
            "video_id": "*",
            "views": 100,
            "engaged_views": 60,
            "minutes_watched": 250,
            "subscribers_gained": 3,
            "subscribers_lost": 1,
            "likes": 9,
            "shares": 2,
            "comments": 1,
        },
        {"channel": "zonea0", "date": date(2025, 5, 1), "video_id": "dQw4w9WgXcQ", "views": 70},
    ]
    _load_twice("youtube_daily", rows, SocialDaily)
    day = SocialDaily.objects.get(platform="youtube")
    assert (day.views, day.engaged_views, day.watch_minutes, day.subscribers_gained) == (
        100,
        60,
        250,
        3,
    )
    assert VideoDaily.objects.get().views == 70
    snapshots = [
        {
            "channel": "zonea0",
            "video_id": "dQw4w9WgXcQ",
            "period_start": date(2025, 4, 1),
            "period_end": date(2025, 4, 30),
            "title": "Video",
            "views": 700,
            "impressions_ctr": 0.052,
            "estimated_revenue_usd": Decimal("1.5"),
        }
    ]
    _load_twice("youtube_video_snapshots", snapshots, VideoSnapshot)
    assert VideoSnapshot.objects.get().estimated_revenue_usd == Decimal("1.5")


def test_mailchimp_loads_campaigns_and_list_figures() -> None:
    campaigns = [
        {
            "campaign_id": "abc123",
            "title": "THE SCALE out now",
            "list_id": "l1",
            "send_time": datetime(2025, 5, 1, 15, 0, tzinfo=UTC),
            "emails_sent": 200,
            "unique_opens": 80,
            "open_rate": 0.4,
            "unique_clicks": 10,
            "click_rate": 0.05,
        }
    ]
    _load_twice("mailchimp_campaigns", campaigns, EmailCampaign)
    assert EmailCampaign.objects.get().open_rate == 0.4
    monthly = [{"list_id": "l1", "month": date(2025, 4, 1), "existing": 150, "optins": 12}]
    _load_twice("mailchimp_list_monthly", monthly, ListMonthly)
    snapshots = [
        {"list_id": "l1", "captured_on": date(2025, 5, 2), "member_count": 163, "open_rate": 0.383}
    ]
    _load_twice("mailchimp_list_snapshots", snapshots, ListSnapshot)
    assert (ListMonthly.objects.get().existing, ListSnapshot.objects.get().member_count) == (
        150,
        163,
    )


def test_submithub_load_resolves_artist_and_track_through_aliases() -> None:
    track = Track.objects.create(title="The Scale", artist_id=_artist("ZONE A0"))
    rows = [
        {
            "submission_key": "k1",
            "submitted_on": date(2025, 5, 1),
            "artist_name": "zone.a0",
            "track_title": "the scale",
            "outlet": "Blog",
            "status": "approved",
            "listens": 1,
            "cost_credits": Decimal("2"),
            "cost_usd": Decimal("3.00"),
        },
        {
            "submission_key": "k2",
            "submitted_on": date(2025, 5, 1),
            "artist_name": "Nobody",
            "track_title": "X",
            "outlet": "Playlist",
            "status": "declined",
        },
    ]
    _load_twice("submithub_submissions", rows, Submission)
    found = {s.submission_key: (s.artist_id, s.track_id) for s in Submission.objects.all()}
    assert found == {"k1": (_artist("ZONE A0"), track.pk), "k2": (None, None)}


def test_latest_followers_by_account_takes_the_newest_known_value() -> None:
    from apps.warehouse.selectors import latest_followers_by_account

    # given a daily total on May 1 and a snapshot on May 3 for zonea0, and only a total for pig
    _load("tiktok_daily", [*TIKTOK_DAYS, {**TIKTOK_DAYS[0], "account": "pig1987"}])
    snapshots = [{"account": "zonea0", "captured_on": date(2025, 5, 3), "followers": 2050}]
    _load("tiktok_follower_snapshots", snapshots)
    latest = latest_followers_by_account(platform="tiktok")
    assert {a: (k.date, k.followers) for a, k in latest.items()} == {
        "zonea0": (date(2025, 5, 3), 2050),
        "pig1987": (date(2025, 5, 1), 2000),
    }
