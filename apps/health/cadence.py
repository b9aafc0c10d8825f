"""Each source's expected cadence (SPEC 6.2) and default priority (SPEC 6.4).

Health owns this knowledge so it never imports the sources app; a test checks the ids against
`apps.sources.connectors.registry.SOURCE_IDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Priority(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class AgeBasis(StrEnum):
    DATA = "data"  # the newest date the data covers (period_end of a file)
    CAPTURE = "capture"  # when the newest file arrived (a sync or an upload)


@dataclass(frozen=True)
class Ladder:
    """Age thresholds in days for the 5/15/30/40 deductions; None skips a step."""

    over_5: int | None
    over_15: int | None
    over_30: int | None
    over_40: int | None

    def base_for(self, age_days: int) -> int:
        for threshold, base in (
            (self.over_40, 40),
            (self.over_30, 30),
            (self.over_15, 15),
            (self.over_5, 5),
        ):
            if threshold is not None and age_days > threshold:
                return base
        return 0


@dataclass(frozen=True)
class DatasetCadence:
    """One measured dataset of a source: which files feed it and how its age is judged."""

    name: str
    ladder: Ladder
    kinds: frozenset[str] = frozenset()  # empty: every kind of the source
    basis: AgeBasis = AgeBasis.DATA


DAILY = Ladder(2, 4, 8, 15)
DAILY_AFTER_2_DAYS = Ladder(3, 5, 9, 16)
DAILY_48_72H_LATENCY = Ladder(4, 6, 10, 17)
MONTHLY_STATEMENT = Ladder(35, 45, 75, 105)
MANUAL_UPLOAD = Ladder(35, 60, 90, 180)
# Linktree keeps 90 days: with no capture in 60 days the oldest days are about to be lost.
NO_CAPTURE_IN_60_DAYS = Ladder(None, None, None, 60)

SOURCE_CADENCES: dict[str, tuple[DatasetCadence, ...]] = {
    "distrokid": (
        DatasetCadence(
            "stream_chart", DAILY_AFTER_2_DAYS, frozenset({"streams_chart", "apple_chart"})
        ),
        DatasetCadence("statements", MONTHLY_STATEMENT, frozenset({"bank_statement"})),
    ),
    "toolost": (
        DatasetCadence(
            "analytics",
            DAILY,
            frozenset({"analytics", "analytics_spotify", "analytics_apple"}),
        ),
        DatasetCadence("sales_reports", MONTHLY_STATEMENT, frozenset({"sales_report"})),
    ),
    "spotify": (DatasetCadence("audience", DAILY),),
    "tiktok": (DatasetCadence("analytics", DAILY),),
    "metaads": (DatasetCadence("insights", DAILY),),
    "linktree": (
        DatasetCadence("analytics", DAILY),
        DatasetCadence("capture", NO_CAPTURE_IN_60_DAYS, basis=AgeBasis.CAPTURE),
    ),
    "youtube": (DatasetCadence("analytics", DAILY_48_72H_LATENCY),),
    "instagram": (DatasetCadence("insights", DAILY),),
    "mailchimp": (DatasetCadence("sync", DAILY, basis=AgeBasis.CAPTURE),),
    "submithub": (DatasetCadence("upload", MANUAL_UPLOAD, basis=AgeBasis.CAPTURE),),
}

HEALTH_SOURCE_IDS: tuple[str, ...] = tuple(SOURCE_CADENCES)

DEFAULT_PRIORITIES: dict[str, Priority] = {
    "toolost": Priority.CRITICAL,
    "spotify": Priority.HIGH,
    "tiktok": Priority.HIGH,
    "distrokid": Priority.MEDIUM,
    "linktree": Priority.MEDIUM,
    "youtube": Priority.MEDIUM,
    "instagram": Priority.MEDIUM,
    "metaads": Priority.LOW,
    "mailchimp": Priority.LOW,
    "submithub": Priority.LOW,
}

# Sources whose login Bedrot can renew without a person (SPEC 6.5): a stored password
# (DistroKid, TooLost), an OAuth refresh (YouTube), a token refresh or check (Instagram, Meta).
AUTOMATIC_REFRESH_SOURCES = frozenset({"distrokid", "toolost", "youtube", "instagram", "metaads"})
