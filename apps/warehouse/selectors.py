"""Warehouse reads shared by the apps downstream of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max

from apps.warehouse.models import FollowerSnapshot, SocialDaily, WarehouseLoad


def as_of_get() -> datetime | None:
    """Finish time of the newest warehouse load: every KPI's `as_of` (None before any load)."""
    finished_at: datetime | None = WarehouseLoad.objects.aggregate(newest=Max("finished_at"))[
        "newest"
    ]
    return finished_at


@dataclass(frozen=True)
class KnownFollowers:
    account: str
    date: date
    followers: int


def latest_followers_by_account(*, platform: str) -> dict[str, KnownFollowers]:
    """The newest known follower count per account of a social platform, from whichever is
    newer: a follower snapshot or a daily row's running total (never a stamped-on value)."""
    latest: dict[str, KnownFollowers] = {}
    snapshots = FollowerSnapshot.objects.filter(platform=platform, followers__isnull=False)
    days = SocialDaily.objects.filter(platform=platform, followers_total__isnull=False)
    candidates = [
        *snapshots.values_list("account", "captured_on", "followers"),
        *days.values_list("account", "date", "followers_total"),
    ]
    for account, day, followers in candidates:
        known = latest.get(account)
        if known is None or day > known.date:
            latest[account] = KnownFollowers(account=account, date=day, followers=followers)
    return latest
