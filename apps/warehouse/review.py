"""The review queue (SPEC 4.4): what the loaders could not resolve, with the number of facts
and the revenue affected, and suggestions (similar names, an ISRC match)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from difflib import get_close_matches

from django.db.models import Count, Q, Sum

from apps.warehouse.models import (
    Account,
    AdPerformanceDaily,
    Artist,
    AudienceDaily,
    Campaign,
    Platform,
    SocialDaily,
    StatementLine,
    StoreMapping,
    Track,
    normalise_name,
)

QUEUE_LIMIT = 200


@dataclass(frozen=True)
class ReviewEntry:
    """One raw value to resolve."""

    kind: str
    raw: str
    facts: int
    revenue_usd: Decimal | None = None
    context: str = ""
    suggestion_id: int | None = None
    suggestion: str = ""
    key: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewQueue:
    unmatched_artists: list[ReviewEntry]
    unmatched_tracks: list[ReviewEntry]
    auto_created_tracks: list[ReviewEntry]
    unreviewed_stores: list[ReviewEntry]
    campaigns: list[ReviewEntry]
    accounts: list[ReviewEntry]
    missing_fx: list[ReviewEntry]
    tracks_without_splits: list[ReviewEntry]

    @property
    def total(self) -> int:
        return sum(
            len(entries)
            for entries in (
                self.unmatched_artists,
                self.unmatched_tracks,
                self.auto_created_tracks,
                self.unreviewed_stores,
                self.campaigns,
                self.accounts,
                self.missing_fx,
                self.tracks_without_splits,
            )
        )


def _closest(raw: str, candidates: dict[str, int]) -> tuple[int | None, str]:
    """The most similar known name (normalised), for a pre-selected one-click resolution."""
    match = get_close_matches(normalise_name(raw), list(candidates), n=1, cutoff=0.6)
    if not match:
        return None, ""
    return candidates[match[0]], match[0]


def _artist_names() -> dict[str, int]:
    names = {normalise_name(a.name): a.pk for a in Artist.objects.all()}
    for artist in Artist.objects.prefetch_related("aliases"):
        for alias in artist.aliases.all():
            names.setdefault(alias.alias, artist.pk)
    return names


def _unmatched_artists() -> list[ReviewEntry]:
    groups = (
        StatementLine.objects.filter(artist__isnull=True)
        .values("distributor__code", "artist_name")
        .annotate(facts=Count("pk"), revenue=Sum("earnings_usd"))
        .order_by("-revenue")[:QUEUE_LIMIT]
    )
    names = _artist_names()
    entries = []
    for group in groups:
        suggestion_id, _ = _closest(group["artist_name"], names)
        artist = Artist.objects.filter(pk=suggestion_id).first() if suggestion_id else None
        entries.append(
            ReviewEntry(
                kind="artist",
                raw=group["artist_name"],
                facts=group["facts"],
                revenue_usd=group["revenue"],
                context=group["distributor__code"],
                suggestion_id=suggestion_id,
                suggestion=artist.name if artist else "",
            )
        )
    return entries


def _unmatched_tracks() -> list[ReviewEntry]:
    groups = (
        StatementLine.objects.filter(track__isnull=True)
        .values("artist_name", "title")
        .annotate(facts=Count("pk"), revenue=Sum("earnings_usd"))
        .order_by("-revenue")[:QUEUE_LIMIT]
    )
    titles = {normalise_name(t.title): t.pk for t in Track.objects.all()}
    entries = []
    for group in groups:
        suggestion_id, title = _closest(group["title"], titles)
        entries.append(
            ReviewEntry(
                kind="track",
                raw=group["title"],
                facts=group["facts"],
                revenue_usd=group["revenue"],
                context=group["artist_name"],
                suggestion_id=suggestion_id,
                suggestion=title,
            )
        )
    return entries


def _auto_created_tracks() -> list[ReviewEntry]:
    tracks = (
        Track.objects.filter(auto_created=True)
        .annotate(facts=Count("statementline"), revenue=Sum("statementline__earnings_usd"))
        .order_by("-revenue")[:QUEUE_LIMIT]
    )
    return [
        ReviewEntry(
            kind="auto_track",
            raw=track.title,
            facts=track.facts,
            revenue_usd=track.revenue,
            context=track.isrc or "",
            key={"track": track.pk},
        )
        for track in tracks
    ]


def _unreviewed_stores() -> list[ReviewEntry]:
    entries = []
    for mapping in StoreMapping.objects.filter(is_reviewed=False).select_related("platform"):
        lines = StatementLine.objects.filter(platform_id=mapping.platform_id).aggregate(
            facts=Count("pk"), revenue=Sum("earnings_usd")
        )
        entries.append(
            ReviewEntry(
                kind="store",
                raw=mapping.store,
                facts=lines["facts"],
                revenue_usd=lines["revenue"],
                context=mapping.platform.name,
            )
        )
    return sorted(entries, key=lambda e: -(e.revenue_usd or 0))


def _campaigns() -> list[ReviewEntry]:
    campaigns = (
        Campaign.objects.filter(parse_status="needs_review", override_artist__isnull=True)
        .annotate(facts=Count("days"), spend=Sum("days__spend_usd"))
        .order_by("-spend")[:QUEUE_LIMIT]
    )
    names = _artist_names()
    entries = []
    for campaign in campaigns:
        first_part = campaign.name.split(" - ")[0]
        suggestion_id, _ = _closest(first_part, names)
        artist = Artist.objects.filter(pk=suggestion_id).first() if suggestion_id else None
        entries.append(
            ReviewEntry(
                kind="campaign",
                raw=campaign.name,
                facts=campaign.facts,
                revenue_usd=campaign.spend,
                context=campaign.parse_notes,
                suggestion_id=suggestion_id,
                suggestion=artist.name if artist else "",
                key={"campaign": campaign.pk},
            )
        )
    return entries


def _accounts() -> list[ReviewEntry]:
    entries = []
    for account in Account.objects.filter(artist__isnull=True):
        if account.source == "spotify":
            facts = AudienceDaily.objects.filter(account=account.slug).count()
        else:
            facts = SocialDaily.objects.filter(
                platform=account.source, account=account.slug
            ).count()
        suggestion_id, _ = _closest(account.slug, _artist_names())
        artist = Artist.objects.filter(pk=suggestion_id).first() if suggestion_id else None
        entries.append(
            ReviewEntry(
                kind="account",
                raw=account.slug,
                facts=facts,
                context=account.source,
                suggestion_id=suggestion_id,
                suggestion=artist.name if artist else "",
                key={"account": account.pk},
            )
        )
    return entries


def _missing_fx() -> list[ReviewEntry]:
    groups = (
        AdPerformanceDaily.objects.filter(lacks_fx_rate=True)
        .values("currency", "date__year", "date__month")
        .annotate(facts=Count("pk"), spend=Sum("spend"))
        .order_by("currency", "date__year", "date__month")
    )
    return [
        ReviewEntry(
            kind="fx",
            raw=f"{g['currency']} {g['date__year']}-{g['date__month']:02d}",
            facts=g["facts"],
            revenue_usd=g["spend"],
            context=f"{g['date__year']}-{g['date__month']:02d}-01",
            key={"currency": g["currency"]},
        )
        for g in groups
    ]


def _tracks_without_splits() -> list[ReviewEntry]:
    tracks = (
        Track.objects.filter(splits__isnull=True)
        .annotate(facts=Count("statementline"), revenue=Sum("statementline__earnings_usd"))
        .filter(facts__gt=0)
        .order_by("-revenue")[:QUEUE_LIMIT]
    )
    return [
        ReviewEntry(
            kind="splits",
            raw=track.title,
            facts=track.facts,
            revenue_usd=track.revenue,
            context=track.isrc or "",
            key={"track": track.pk},
        )
        for track in tracks
    ]


def review_queue_get() -> ReviewQueue:
    """Everything waiting for a person, largest revenue first within each group."""
    return ReviewQueue(
        unmatched_artists=_unmatched_artists(),
        unmatched_tracks=_unmatched_tracks(),
        auto_created_tracks=_auto_created_tracks(),
        unreviewed_stores=_unreviewed_stores(),
        campaigns=_campaigns(),
        accounts=_accounts(),
        missing_fx=_missing_fx(),
        tracks_without_splits=_tracks_without_splits(),
    )


def review_counts_get() -> dict[str, int]:
    """Counts for the validation report's orphans section (statement lines in one scan)."""
    lines = StatementLine.objects.aggregate(
        lines_without_artist=Count("pk", filter=Q(artist__isnull=True)),
        lines_without_track=Count("pk", filter=Q(track__isnull=True)),
        lines_on_unreviewed_platform=Count(
            "pk", filter=Q(platform_id__in=Platform.objects.filter(is_reviewed=False).values("pk"))
        ),
    )
    return {
        **lines,
        "campaigns_needing_review": Campaign.objects.filter(
            parse_status="needs_review", override_artist__isnull=True
        ).count(),
        "auto_created_tracks": Track.objects.filter(auto_created=True).count(),
        "accounts_without_artist": Account.objects.filter(artist__isnull=True).count(),
        "ad_rows_without_fx_rate": AdPerformanceDaily.objects.filter(lacks_fx_rate=True).count(),
    }
