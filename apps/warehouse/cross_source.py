"""The two daily Spotify figures the cross-source check compares (SPEC 5, 4.5): what the
distributors report and what Spotify for Artists reports, read once for the warehouse
validation report and the streaming page alike."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max, Sum

from apps.warehouse.models import AudienceDaily, DailyStream

SPOTIFY = "Spotify"
CROSS_SOURCE_DAYS = 28


def spotify_daily_streams(
    *, start: date | None = None, end: date | None = None
) -> tuple[dict[date, int], dict[date, int]]:
    """Per day, distributor Spotify streams (every distributor) and the S4A streams summed over
    every artist, from `start` (default: the 28 days up to the newest distributor day) to the
    newest distributor day on or before `end`. Both empty without distributor Spotify days."""
    spotify = DailyStream.objects.filter(platform__name=SPOTIFY)
    if end is not None:
        spotify = spotify.filter(date__lte=end)
    last = spotify.aggregate(newest=Max("date"))["newest"]
    if last is None:
        return {}, {}
    first = start or last - timedelta(days=CROSS_SOURCE_DAYS - 1)
    distributor = dict(
        spotify.filter(date__gte=first)
        .values("date")
        .annotate(total=Sum("streams"))
        .values_list("date", "total")
        .order_by()
    )
    s4a = dict(
        AudienceDaily.objects.filter(date__gte=first, date__lte=last, streams__isnull=False)
        .values("date")
        .annotate(total=Sum("streams"))
        .values_list("date", "total")
        .order_by()
    )
    return distributor, s4a
