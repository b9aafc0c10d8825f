"""One realistic export per source and kind covering a span of days, for the per-source ingest
bench (issue 3) and the full-rebuild bench (issue 4).

Every file is built by the connector's own sample writer or the demo generator where one exists,
so its layout and quirks are the vendor's (SPEC section 2); the few shapes no writer covers
(a year of TikTok Studio days, a daily Ads Manager CSV, a year of Mailchimp campaigns) are
written here in the same format. The arrival name matters for some formats (S4A song title,
TikTok handle, YouTube period), so every file carries the name a real export would have.
"""

from __future__ import annotations

import calendar
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from apps.sources.connectors.distrokid import samples as distrokid
from apps.sources.connectors.instagram import samples as instagram
from apps.sources.connectors.linktree import samples as linktree
from apps.sources.connectors.mailchimp import samples as mailchimp
from apps.sources.connectors.metaads import samples as metaads
from apps.sources.connectors.spotify import samples as spotify
from apps.sources.connectors.spotify.accounts import account_by_slug
from apps.sources.connectors.submithub import samples as submithub
from apps.sources.connectors.tiktok import samples as tiktok
from apps.sources.connectors.toolost import samples as toolost
from apps.sources.connectors.youtube import samples as youtube
from apps.sources.connectors.youtube.channels import CHANNELS
from apps.sources.demo_charts import apple_chart_page, spotify_chart_page

ARTIST_ACCOUNT = "zonea0"
TIKTOK_HANDLE = "zone.a0"
SALES_REPORT_LINES = 2000
MAILCHIMP_SEND_EVERY_DAYS = 3  # about two campaigns a week
META_CAMPAIGNS = metaads.DEMO_CAMPAIGNS[:2]


@dataclass(frozen=True)
class Span:
    """The days a file covers, first and last included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range(self.days)]


@dataclass(frozen=True)
class SourceFile:
    source: str  # the source the content must be detected as
    kind: str  # a short label for the report (the lake file's own kind is read back)
    account: str  # passed as --account when not empty, as the demo loader does
    name: str  # the arrival name
    build: Callable[[], bytes]

    @property
    def label(self) -> str:
        return f"{self.source}/{self.kind}"


def calendar_year(year: int) -> Span:
    return Span(date(year, 1, 1), date(year, 12, 31))


def source_files(span: Span, *, seed: int, statement_lines: int) -> list[SourceFile]:
    """Every source's exports for `span` (a calendar year: TooLost's window is "thisYear")."""
    return [
        *_distrokid(span, seed, statement_lines),
        *_toolost(span, seed),
        *_spotify(span, seed),
        *_tiktok(span, seed),
        *_metaads(span, seed),
        *_linktree(span, seed),
        *_youtube(span, seed),
        *_instagram(span, seed),
        *_mailchimp(span, seed),
        *_submithub(span, seed),
    ]


def _epoch(day: date) -> int:
    return calendar.timegm(datetime.combine(day, time(9, 30), tzinfo=UTC).timetuple())


def _distrokid(span: Span, seed: int, lines: int) -> list[SourceFile]:
    capture = span.last + timedelta(days=1)  # a chart ends the day before its capture
    months = (span.last.year - span.first.year) * 12 + span.last.month - span.first.month + 1
    return [
        SourceFile(
            "distrokid",
            "bank_statement",
            "",
            f"DistroKid_{_epoch(capture)}.tsv",
            lambda: distrokid.statement_bytes(
                schema_id="dk_current_15",
                lines=lines,
                seed=seed,
                first_month=span.first.replace(day=1),
                months=months,
            ),
        ),
        SourceFile(
            "distrokid",
            "streams_chart",
            "",
            f"distrokid_spotify_stats_{capture:%Y%m%d}.html",
            lambda: spotify_chart_page(today=capture, seed=seed),
        ),
        SourceFile(
            "distrokid",
            "apple_chart",
            "",
            f"distrokid_apple_stats_{capture:%Y%m%d}.html",
            lambda: apple_chart_page(today=capture, seed=seed),
        ),
    ]


def _toolost(span: Span, seed: int) -> list[SourceFile]:
    month = span.last.replace(day=1)
    return [
        SourceFile(
            "toolost",
            "analytics_spotify",
            "",
            f"analytics_spotify_thisYear_{span.last:%Y}.json",
            lambda: toolost.spotify_analytics_bytes(through=span.last, seed=seed),
        ),
        SourceFile(
            "toolost",
            "analytics_apple",
            "",
            f"analytics_apple_thisYear_{span.last:%Y}.json",
            lambda: toolost.apple_analytics_bytes(through=span.last, seed=seed),
        ),
        SourceFile(
            "toolost",
            "sales_report",
            "",
            toolost.sales_report_name(month, 18000 + span.last.year),
            lambda: toolost.sales_report_bytes(month=month, lines=SALES_REPORT_LINES, seed=seed),
        ),
    ]


def _spotify(span: Span, seed: int) -> list[SourceFile]:
    artist = account_by_slug(ARTIST_ACCOUNT)
    artist_id = artist.artist_id if artist else ARTIST_ACCOUNT
    song = spotify.CATALOG[ARTIST_ACCOUNT][0]
    return [
        SourceFile(
            "spotify",
            "audience_timeline",
            ARTIST_ACCOUNT,
            f"{artist_id}-audience-timeline.csv",
            lambda: spotify.audience_timeline_csv(
                first_day=span.first, days=span.days, seed=seed + span.first.year
            ),
        ),
        SourceFile(
            "spotify",
            "song_timeline",
            ARTIST_ACCOUNT,
            f"{song.title}-timeline.csv",
            lambda: spotify.song_timeline_csv(
                first_day=span.first, days=span.days, seed=seed + span.first.year
            ),
        ),
    ]


def _tiktok(span: Span, seed: int) -> list[SourceFile]:
    capture = span.last + timedelta(days=1)
    return [
        SourceFile(
            "tiktok",
            "legacy_zip",
            "",
            tiktok.legacy_zip_name(capture, TIKTOK_HANDLE, _epoch(capture)),
            lambda: _tiktok_legacy_zip(span, random.Random(seed + span.first.year)),
        ),
        SourceFile(
            "tiktok",
            "studio_overview",
            ARTIST_ACCOUNT,
            f"overview_{span.first:%Y%m%d}_{span.last:%Y%m%d}.csv",
            lambda: _tiktok_studio_overview(span, random.Random(seed + span.first.year)),
        ),
    ]


def _tiktok_legacy_zip(span: Span, rng: random.Random) -> bytes:
    """Overview.csv and FollowerHistory.csv with year-less days; the zip name's capture date is
    the anchor that gives them back their years."""
    counts = []
    totals, differences, total = [], [], 2100
    for _ in range(span.days):
        views = int(900 * rng.uniform(0.5, 1.8))
        counts.append((views, views // 40, views // 7, views // 90, views // 150))
        difference = rng.randint(-3, 14)
        total += difference
        totals.append(total)
        differences.append(difference)
    return tiktok.zip_bytes(
        {
            "Overview.csv": tiktok.legacy_overview(span.first, counts),
            "FollowerHistory.csv": tiktok.follower_history(span.first, totals, differences),
        }
    )


def _tiktok_studio_overview(span: Span, rng: random.Random) -> bytes:
    """A Studio overview export over the span: BOM, YYYY/MM/DD, the demo's value shapes."""
    rows = []
    for day in span.each_day():
        views = int(1100 * rng.uniform(0.5, 1.6))
        new, lost = rng.randint(2, 25), rng.randint(0, 8)
        rows.append(
            (day.strftime("%Y/%m/%d"), views, views * 2 // 3, views // 35, views // 8,
             views // 120, views // 95, rng.randint(0, 6), 0, 0, 0, new - lost, new, lost)
        )  # fmt: skip
    return tiktok.studio_csv(tiktok.STUDIO_OVERVIEW_HEADER, rows)


def _metaads(span: Span, seed: int) -> list[SourceFile]:
    return [
        SourceFile(
            "metaads",
            "api_insights",
            "",
            f"meta_insights_{span.first}_{span.last}.json",
            lambda: _meta_insights(span, random.Random(seed + span.first.year)),
        ),
        SourceFile(
            "metaads",
            "ads_manager_csv",
            "",
            f"BEDROT-ADS-Campaigns-{_meta_day(span.first)}-{_meta_day(span.last)}.csv",
            lambda: _meta_daily_csv(span, random.Random(seed + span.first.year + 1)),
        ),
    ]


def _meta_day(day: date) -> str:
    return f"{day:%b}-{day.day}-{day.year}"


def _meta_insights(span: Span, rng: random.Random) -> bytes:
    """`level=adset`, `time_increment=1` insights: one row per campaign's ad set and day."""
    rows = []
    for day in span.each_day():
        for campaign_id, campaign_name in META_CAMPAIGNS:
            impressions = 600 + rng.randrange(900)
            clicks = impressions // (20 + rng.randrange(20))
            rows.append(
                metaads.insight_row(
                    day=day.isoformat(),
                    campaign_id=campaign_id,
                    campaign_name=campaign_name,
                    adset_id=campaign_id[:-3] + "9" + campaign_id[-2:],
                    adset_name="US 18-34",
                    spend=f"{rng.randrange(100, 2500) / 100:.2f}",
                    impressions=str(impressions),
                    reach=str(impressions * 3 // 4),
                    clicks=str(clicks),
                    ctr=f"{100 * clicks / impressions:.4f}",
                    actions=[{"action_type": "link_click", "value": str(clicks * 4 // 5)}],
                )
            )
    return metaads.api_page_bytes(rows)


META_DAILY_HEADER: tuple[str, ...] = (
    "Reporting starts",
    "Reporting ends",
    "Day",
    "Campaign name",
    "Campaign ID",
    "Campaign delivery",
    "Results",
    "Result indicator",
    "Reach",
    "Impressions",
    "Amount spent (USD)",
    "Link clicks",
)


def _meta_daily_csv(span: Span, rng: random.Random) -> bytes:
    """An Ads Manager campaign export broken down by day, its account summary row first."""
    rows = []
    total_cents = 0
    for day in span.each_day():
        for campaign_id, campaign_name in META_CAMPAIGNS:
            cents = rng.randrange(100, 2500)
            total_cents += cents
            impressions = 600 + rng.randrange(900)
            clicks = impressions // (20 + rng.randrange(20))
            rows.append(
                [span.first.isoformat(), span.last.isoformat(), day.isoformat(), campaign_name,
                 campaign_id, "active", str(clicks), "Link clicks", str(impressions * 3 // 4),
                 str(impressions), f"{cents / 100:.2f}", str(clicks)]
            )  # fmt: skip
    summary = [span.first.isoformat(), span.last.isoformat(), "", "", "", "0", "", "", "", "",
               f"{total_cents / 100:.2f}", ""]  # fmt: skip
    return metaads.csv_bytes(META_DAILY_HEADER, [summary, *rows])


def _linktree(span: Span, seed: int) -> list[SourceFile]:
    return [
        SourceFile(
            "linktree",
            "analytics",
            "",
            f"linktree_analytics_{span.last:%Y%m%d}.json",
            lambda: linktree.analytics_capture_json(
                first_day=span.first, days=span.days, seed=seed + span.first.year
            ),
        )
    ]


def _youtube(span: Span, seed: int) -> list[SourceFile]:
    channel = CHANNELS[0]
    # Fetched a week after the span, so no day falls in the 3-day latency tail.
    fetched_at = datetime.combine(span.last + timedelta(days=7), time(8), tzinfo=UTC)
    return [
        SourceFile(
            "youtube",
            "api_report",
            "",
            f"youtube_api_report_{span.first:%Y%m%d}_{span.last:%Y%m%d}.json",
            lambda: youtube.api_report_json(
                channel_id=channel.channel_id,
                start=span.first,
                end=span.last,
                fetched_at=fetched_at,
                seed=seed + span.first.year,
            ),
        ),
        SourceFile(
            "youtube",
            "studio_zip",
            channel.slug,
            f"Content {span.first.isoformat()}_{span.last.isoformat()} {channel.title}.zip",
            lambda: youtube.studio_zip(
                period_start=span.first, period_end=span.last, seed=seed + span.first.year
            ),
        ),
    ]


def _instagram(span: Span, seed: int) -> list[SourceFile]:
    def insights() -> bytes:
        rng = random.Random(seed + span.first.year)
        reach = [(day, rng.randint(300, 1400)) for day in span.each_day()]
        followers = [(day, rng.randint(0, 9)) for day in span.each_day()]
        return instagram.insights_json(
            [
                instagram.insights_item("reach", reach),
                instagram.insights_item("follower_count", followers),
            ]
        )

    def business_suite() -> bytes:
        rng = random.Random(seed + span.first.year + 1)
        return instagram.suite_csv(
            "Reach", [(day, rng.randint(300, 1400)) for day in span.each_day()]
        )

    return [
        SourceFile(
            "instagram",
            "api_insights",
            ARTIST_ACCOUNT,
            f"instagram_insights_{span.first:%Y%m%d}_{span.last:%Y%m%d}.json",
            insights,
        ),
        SourceFile(
            "instagram",
            "business_suite_csv",
            ARTIST_ACCOUNT,
            f"Reach_{span.first:%Y%m%d}_{span.last:%Y%m%d}.csv",
            business_suite,
        ),
    ]


def _mailchimp(span: Span, seed: int) -> list[SourceFile]:
    return [
        SourceFile(
            "mailchimp",
            "api_reports",
            "",
            f"mailchimp_reports_{span.first:%Y%m%d}_{span.last:%Y%m%d}.json",
            lambda: _mailchimp_reports(span, random.Random(seed + span.first.year)),
        ),
        SourceFile(
            "mailchimp",
            "api_growth",
            "",
            f"mailchimp_growth_{mailchimp.LIST_ID}_{span.last:%Y%m}.json",
            lambda: mailchimp.growth_json(
                first_month=span.first.replace(day=1), months=12, seed=seed + span.first.year
            ),
        ),
    ]


def _mailchimp_reports(span: Span, rng: random.Random) -> bytes:
    """A `/reports` page with a campaign every third day, in the sample writer's report shape
    (its public writer holds only four fixed campaigns)."""
    reports = []
    for number, day in enumerate(span.each_day()[::MAILCHIMP_SEND_EVERY_DAYS]):
        campaign_id = f"{span.first.year % 100:02d}{number:08x}"
        campaign = (campaign_id, f"Label newsletter {day:%Y-%m-%d}", f"News for {day:%B %d}")
        sent_at = datetime.combine(day, time(17), tzinfo=UTC)
        reports.append(mailchimp._report(campaign, sent_at, rng))
    document = {"reports": reports, "total_items": len(reports), "_links": []}
    return json.dumps(document, indent=2).encode("utf-8")


def _submithub(span: Span, seed: int) -> list[SourceFile]:
    return [
        SourceFile(
            "submithub",
            "submissions",
            "",
            f"submithub_campaign_{span.first:%Y%m%d}_{span.last:%Y%m%d}.csv",
            lambda: submithub.submissions_csv(
                first_day=span.first, count=2 * span.days, seed=seed + span.first.year
            ),
        )
    ]
