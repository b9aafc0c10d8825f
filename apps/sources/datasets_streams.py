"""Curated stream datasets (SPEC.md 3.5): daily streams per distributor and platform, track totals
per capture and window, and Spotify Discovery Mode fees per month.

Names, schemas and keys are plain module constants, so parsers import them without touching
`datasets.py`. The `DatasetSpec`s are built by `stream_datasets()`, which imports `DatasetSpec`
only when called: `datasets.py` imports this module to register them, and a module-level import
back would make the two modules depend on each other's import order (as `datasets_audience`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from apps.sources.datasets import DatasetSpec

STREAMS_DAILY = "streams_daily"
DISTRIBUTOR_TRACK_TOTALS = "distributor_track_totals"
DISCOVERY_FEES_MONTHLY = "discovery_fees_monthly"

# Platform names as the warehouse's `Platform` rows spell them (CONTRACT section 5).
PLATFORM_SPOTIFY = "Spotify"
PLATFORM_APPLE_MUSIC = "Apple Music"

# Track-total windows: DistroKid's `tracks1year` covers the 365 days before the capture,
# TooLost's `date=thisYear` the calendar year up to the capture.
WINDOW_LAST_365_DAYS = "last_365_days"
WINDOW_THIS_YEAR = "this_year"

# Exact money, the same type as `statement_lines` amounts (datasets.MONEY): fees have 8 places.
MONEY = pa.decimal128(24, 12)

STREAMS_DAILY_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("distributor", pa.string()),
        ("platform", pa.string()),
        ("streams", pa.int64()),
    ]
)
STREAMS_DAILY_KEY = ("date", "distributor", "platform")

# SPEC's key part "isrc or title" is one column, `track_key`: the ISRC when the vendor gives one,
# else the track title. `isrc` is kept on its own too, so a loader never has to split the key.
DISTRIBUTOR_TRACK_TOTALS_SCHEMA = pa.schema(
    [
        ("captured_on", pa.date32()),
        ("distributor", pa.string()),
        ("platform", pa.string()),
        ("window", pa.string()),
        ("track_key", pa.string()),
        ("isrc", pa.string()),
        ("track_title", pa.string()),
        ("release_title", pa.string()),
        ("streams", pa.int64()),
    ]
)
DISTRIBUTOR_TRACK_TOTALS_KEY = ("captured_on", "distributor", "platform", "window", "track_key")

# `month` is the first day of the month the Discovery Mode figures are for.
DISCOVERY_FEES_MONTHLY_SCHEMA = pa.schema(
    [
        ("distributor", pa.string()),
        ("month", pa.date32()),
        ("streams", pa.int64()),
        ("fees_usd", MONEY),
    ]
)
DISCOVERY_FEES_MONTHLY_KEY = ("distributor", "month")


def stream_datasets() -> tuple[DatasetSpec, ...]:
    """The three stream datasets, natural keys as SPEC 3.5, partitioned by month of a date."""
    # Imported here, not at module level: datasets.py imports this module (see the docstring).
    from apps.sources.datasets import DatasetSpec

    return (
        DatasetSpec(
            name=STREAMS_DAILY,
            schema=STREAMS_DAILY_SCHEMA,
            natural_key=STREAMS_DAILY_KEY,
            partition_column="date",
        ),
        DatasetSpec(
            name=DISTRIBUTOR_TRACK_TOTALS,
            schema=DISTRIBUTOR_TRACK_TOTALS_SCHEMA,
            natural_key=DISTRIBUTOR_TRACK_TOTALS_KEY,
            partition_column="captured_on",
        ),
        DatasetSpec(
            name=DISCOVERY_FEES_MONTHLY,
            schema=DISCOVERY_FEES_MONTHLY_SCHEMA,
            natural_key=DISCOVERY_FEES_MONTHLY_KEY,
            partition_column="month",
        ),
    )
