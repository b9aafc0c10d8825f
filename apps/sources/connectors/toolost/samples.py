"""Deterministic, realistic TooLost files for fixtures, the demo and tests.

The analytics responses have the portal's shapes (SPEC 2.2): arrays in no particular order, days
without streams left out rather than written as 0, Spotify counts as digit strings and Discovery
fees as 8-decimal strings, Apple counts as ints with Shazam counts as strings, and a
`streamTotal` equal to the sum of `totalStreams`. The sales report is in the guessed layout the
provisional header-alias table expects. Every value is invented; the artists are the label's.
"""

from __future__ import annotations

import csv
import io
import json
import random
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

# The guessed sales-report layout: three dates, the split columns and the fee (SPEC 2.2).
SALES_REPORT_HEADER: tuple[str, ...] = (
    "Sale Date",
    "Accounting Date",
    "Reporting Date",
    "Store",
    "Artist",
    "Title",
    "ISRC",
    "UPC",
    "Quantity",
    "Revenue",
    "Revenue Fee",
    "Net Revenue",
    "Original Currency",
    "Country",
    "Split ID",
    "Share",
)

# TooLost keeps this share of revenue as its fee on the label's plan (invented, but plausible).
REVENUE_FEE_SHARE = Decimal("0.10")
# Spotify keeps 30 % of Discovery Mode streams' royalties; about $0.003 a stream.
DISCOVERY_FEE_PER_STREAM = Decimal("0.0009")
EIGHT_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class Track:
    artist: str
    title: str
    isrc: str
    release: str
    upc: str
    team_percentage: int
    weight: float


CATALOG: tuple[Track, ...] = (
    Track("IWARY", "Lanternfish", "QZTL22500011", "Lanternfish", "199876500017", 100, 5.0),
    Track("IWARY", "Tidepool Radio", "QZTL22500012", "Tidepool Radio", "199876500024", 100, 3.0),
    Track("PIG1987", "Hog Heaven (Dub)", "QZTL22500013", "Hog Heaven", "199876500031", 100, 2.0),
    Track("ZONE A0", "Cold Open", "QZTL22500014", "Cold Open", "199876500048", 100, 4.0),
    Track("ZONE A0 X SXNCTUARY", "Vesper", "QZTL22500015", "Vesper", "199876500055", 50, 1.5),
)

# Store, per-unit rate in USD, weight.
STORES: tuple[tuple[str, Decimal, float], ...] = (
    ("Spotify", Decimal("0.0031"), 40.0),
    ("Apple Music", Decimal("0.0062"), 12.0),
    ("YouTube Music", Decimal("0.0021"), 6.0),
    ("Amazon Music", Decimal("0.0044"), 4.0),
    ("TikTok", Decimal("0.0009"), 6.0),
    ("Deezer", Decimal("0.0029"), 2.0),
)

# Country, currency of sale, weight.
COUNTRIES: tuple[tuple[str, str, float], ...] = (
    ("US", "USD", 40.0),
    ("GB", "GBP", 9.0),
    ("DE", "EUR", 8.0),
    ("CA", "CAD", 6.0),
    ("FR", "EUR", 5.0),
    ("BR", "BRL", 5.0),
    ("AU", "AUD", 4.0),
    ("SE", "SEK", 3.0),
)


def spotify_analytics_bytes(*, through: date, seed: int = 0) -> bytes:
    """The `analytics/spotify?date=thisYear` response from 1 January to `through`."""
    rng = random.Random(f"spotify-{seed}")
    daily = _daily_streams(rng, through, base=180)
    streams = [{"date": day.isoformat(), "streams": str(count)} for day, count in daily.items()]
    rng.shuffle(streams)
    discovery = []
    for month_start in _month_starts(through):
        monthly = sum(count for day, count in daily.items() if day.month == month_start.month)
        discovered = monthly * rng.randint(8, 22) // 100
        fees = (discovered * DISCOVERY_FEE_PER_STREAM).quantize(EIGHT_PLACES)
        discovery.append(
            {"date": month_start.strftime("%Y-%m"), "streams": str(discovered), "fees": f"{fees}"}
        )
    rng.shuffle(discovery)
    return _json({"streams": streams, "discovery": discovery})


def apple_analytics_bytes(*, through: date, seed: int = 0) -> bytes:
    """The `analytics/apple/?date=thisYear` response from 1 January to `through`."""
    rng = random.Random(f"apple-{seed}")
    daily = _daily_streams(rng, through, base=40)
    total_streams = [{"date": day.isoformat(), "streams": count} for day, count in daily.items()]
    rng.shuffle(total_streams)
    shazam = [
        {"date": day.isoformat(), "shazams": str(count // 9)}
        for day, count in daily.items()
        if count >= 9
    ]
    rng.shuffle(shazam)
    total = sum(daily.values())
    return _json(
        {
            "totalStreams": total_streams,
            "totalShazam": shazam,
            "tracksTotal": _track_totals(rng, total),
            "countryTotal": _country_totals(rng, total),
            "streamTotal": total,
        }
    )


def sales_report_name(month: date, report_id: int) -> str:
    """The attachment name the notifications page offers: `@MM-YYYY-<id>.csv`."""
    return f"@{month:%m-%Y}-{report_id}.csv"


def sales_report_bytes(*, month: date, lines: int, seed: int = 0) -> bytes:
    """A monthly sales report in the guessed layout: sales of `month`, reported two months on."""
    rng = random.Random(f"sales-{seed}-{month:%Y-%m}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SALES_REPORT_HEADER)
    for _ in range(lines):
        writer.writerow(_sales_line(rng, month))
    return buffer.getvalue().encode("utf-8")


def demo_toolost_files(*, seed: int = 1987, through: date = date(2025, 12, 29)) -> dict[str, bytes]:
    """The demo's TooLost captures: both analytics responses and three monthly sales reports."""
    files = {
        "analytics_spotify_thisYear.json": spotify_analytics_bytes(through=through, seed=seed),
        "analytics_apple_thisYear.json": apple_analytics_bytes(through=through, seed=seed),
    }
    for offset, month in enumerate((date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1))):
        name = sales_report_name(month, 18340 + offset)
        files[name] = sales_report_bytes(month=month, lines=150, seed=seed)
    return files


def _daily_streams(rng: random.Random, through: date, *, base: int) -> dict[date, int]:
    """Streams per day of the year so far; a day with none is left out, as the portal does."""
    daily: dict[date, int] = {}
    day = date(through.year, 1, 1)
    while day <= through:
        # A slow climb through the year with weekend peaks and the odd silent day.
        trend = base * (1 + (day.timetuple().tm_yday / 365))
        weekend = 1.25 if day.weekday() >= 5 else 1.0
        count = 0 if rng.random() < 0.03 else int(rng.gauss(trend * weekend, trend * 0.2))
        if count > 0:
            daily[day] = count
        day += timedelta(days=1)
    return daily


def _month_starts(through: date) -> list[date]:
    return [date(through.year, month, 1) for month in range(1, through.month + 1)]


def _track_totals(rng: random.Random, total: int) -> list[dict[str, object]]:
    weights = [track.weight * rng.uniform(0.7, 1.3) for track in CATALOG]
    counts = _split(total, weights)
    return [
        {
            "isrc": track.isrc,
            "streams": count,
            "track": track.title,
            "release": track.release,
            "cover": f"https://cdn.toolost.com/covers/{track.upc}/600x600.jpg",
        }
        for track, count in zip(CATALOG, counts, strict=True)
    ]


def _country_totals(rng: random.Random, total: int) -> list[dict[str, object]]:
    counts = _split(total, [weight * rng.uniform(0.8, 1.2) for _, _, weight in COUNTRIES])
    return [
        {"country": country, "streams": count}
        for (country, _, _), count in zip(COUNTRIES, counts, strict=True)
    ]


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` split by weight into whole numbers that add up to `total` exactly."""
    shares = [int(total * weight / sum(weights)) for weight in weights]
    shares[0] += total - sum(shares)
    return shares


def _sales_line(rng: random.Random, month: date) -> list[str]:
    track = rng.choices(CATALOG, weights=[t.weight for t in CATALOG])[0]
    store, rate, _ = rng.choices(STORES, weights=[weight for _, _, weight in STORES])[0]
    country, currency, _ = rng.choices(COUNTRIES, weights=[w for _, _, w in COUNTRIES])[0]
    quantity = 1 + int(400 * rng.random() ** 3)
    revenue = (quantity * rate * Decimal(rng.uniform(0.85, 1.15))).quantize(
        EIGHT_PLACES, ROUND_HALF_EVEN
    )
    fee = (revenue * REVENUE_FEE_SHARE).quantize(EIGHT_PLACES, ROUND_HALF_EVEN)
    sale_day = month.replace(day=rng.randint(1, monthrange(month.year, month.month)[1]))
    accounting = _month_end(_add_months(month, 1))
    reporting = _add_months(month, 2).replace(day=rng.randint(3, 9))
    is_split = track.team_percentage < 100
    return [
        sale_day.isoformat(),
        accounting.isoformat(),
        reporting.isoformat(),
        store,
        track.artist,
        track.title,
        track.isrc,
        track.upc,
        str(quantity),
        f"{revenue}",
        f"{fee}",
        f"{revenue - fee}",
        currency,
        country,
        f"SPL-{track.isrc[-4:]}" if is_split else "",
        str(track.team_percentage),
    ]


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
