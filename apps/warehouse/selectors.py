"""Warehouse reads shared by the apps downstream of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, OuterRef, Subquery, Value

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


def latest_followers_by_account(
    *, platform: str, accounts: list[str] | None = None, end: date | None = None
) -> dict[str, KnownFollowers]:
    """The newest known follower count per account of a social platform (of `accounts`, known
    on or before `end`, when given), from whichever is newer: a follower snapshot or a daily
    row's running total (never a stamped-on value); on the same day the snapshot wins. One
    query: the newest of each kind per account, united."""
    days = SocialDaily.objects.filter(platform=platform, followers_total__isnull=False).order_by()
    snapshots = FollowerSnapshot.objects.filter(
        platform=platform, followers__isnull=False
    ).order_by()
    if accounts is not None:
        days = days.filter(account__in=accounts)
        snapshots = snapshots.filter(account__in=accounts)
    if end is not None:
        days = days.filter(date__lte=end)
        snapshots = snapshots.filter(captured_on__lte=end)
    newest_day = days.filter(account=OuterRef("account")).order_by("-date").values("date")[:1]
    newest_snapshot = (
        snapshots.filter(account=OuterRef("account"))
        .order_by("-captured_on")
        .values("captured_on")[:1]
    )
    candidates = (
        days.filter(date=Subquery(newest_day))
        .annotate(rank=Value(0))
        .values_list("account", "date", "followers_total", "rank")
        .union(
            snapshots.filter(captured_on=Subquery(newest_snapshot))
            .annotate(rank=Value(1))
            .values_list("account", "captured_on", "followers", "rank"),
            all=True,
        )
    )
    newest: dict[str, tuple[date, int, int]] = {}
    for account, day, followers, rank in candidates:
        if account not in newest or (day, rank) > newest[account][:2]:
            newest[account] = (day, rank, followers)
    return {
        account: KnownFollowers(account=account, date=day, followers=followers)
        for account, (day, _, followers) in newest.items()
    }
