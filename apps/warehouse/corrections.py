"""Corrections (SPEC 4.4): a staff change to a mapping re-points every existing fact that
carries the raw value, in one transaction, writes an audit row (who, when, old -> new, rows
affected) and records a warehouse change, so KPI caches keyed by the load version turn over
and open pages get a refresh broadcast after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from apps.health.errors import InvalidInputError
from apps.warehouse.campaigns import campaigns_reparse
from apps.warehouse.models import (
    Account,
    AdPerformanceDaily,
    AdPerformancePeriod,
    Artist,
    ArtistAlias,
    AudienceDaily,
    Campaign,
    Correction,
    DailyStream,
    Distributor,
    DistributorTrackTotal,
    EmailCampaign,
    FxRate,
    Platform,
    Release,
    SongStreamDaily,
    SongWindowSnapshot,
    StatementLine,
    StoreMapping,
    Submission,
    Track,
    TrackAlias,
    TrackSplit,
    normalise_name,
)
from apps.warehouse.rollup import revenue_rollup_refresh

logger = logging.getLogger(__name__)
HUNDRED = Decimal(100)
TWELVE_PLACES = Decimal("0.000000000001")


@dataclass(frozen=True)
class SplitInput:
    party: str
    share: Decimal
    effective_from: date
    effective_to: date | None = None
    flat_fee_usd: Decimal = Decimal(0)
    is_label: bool = False


def _record(*, action: str, old: str, new: str, rows: int, user: Any) -> Correction:
    """Audit row, then a warehouse change record: its new version makes every cached KPI
    unreachable and its broadcast tells open pages to refresh (after commit only)."""
    from apps.warehouse.services import warehouse_load_record

    correction = Correction.objects.create(
        user=user if getattr(user, "pk", None) else None,
        action=action,
        old_value=old[:300],
        new_value=new[:300],
        rows_affected=rows,
    )
    # Corrections re-point statement lines (artist, track, platform): the rollups follow.
    revenue_rollup_refresh()
    warehouse_load_record(
        datasets=[f"correction:{action}"], lake_file_id=None, rows=rows, started_at=timezone.now()
    )
    logger.info("warehouse_correction action=%s rows=%s", action, rows)
    return correction


def _matching_values(queryset: QuerySet[Any], field: str, key: str) -> list[str]:
    """The raw values of `field` whose normalised form is `key` (case, spaces)."""
    values = queryset.order_by().values_list(field, flat=True).distinct()
    return [value for value in values if normalise_name(value or "") == key]


# --- artists ----------------------------------------------------------------------------------

# Every foreign key to Artist that a merge moves to the winner.
_ARTIST_REFERENCES: list[tuple[type[Model], str]] = [
    (StatementLine, "artist"),
    (Track, "artist"),
    (Campaign, "artist"),
    (Campaign, "override_artist"),
    (AudienceDaily, "artist"),
    (Account, "artist"),
    (Submission, "artist"),
    (EmailCampaign, "artist"),
    (Release, "artist"),
]


def artist_merge(*, loser: Artist, winner: Artist, user: Any = None) -> Correction:
    """Move every fact and mapping of `loser` to `winner`; the loser's name becomes an alias."""
    if loser.pk == winner.pk:
        raise InvalidInputError("an artist cannot be merged into itself")
    with transaction.atomic():
        rows = sum(
            model.objects.filter(**{field: loser}).update(**{field: winner})  # type: ignore[attr-defined]
            for model, field in _ARTIST_REFERENCES
        )
        for alias in ArtistAlias.objects.filter(artist=loser):
            if ArtistAlias.objects.filter(alias=alias.alias, source=alias.source, artist=winner):
                alias.delete()
            else:
                alias.artist = winner
                alias.save(update_fields=["artist"])
        ArtistAlias.objects.get_or_create(
            alias=normalise_name(loser.name), source="", defaults={"artist": winner}
        )
        old_name = loser.name
        loser.delete()
        return _record(action="artist_merge", old=old_name, new=winner.name, rows=rows, user=user)


def artist_alias_add(
    *, alias: str, artist: Artist, source: str = "", user: Any = None
) -> Correction:
    """Map a raw artist value to an artist, and re-point the facts that carry it (statement
    lines of that distributor when scoped, submissions, accounts), then re-parse campaigns."""
    key = normalise_name(alias)
    if not key:
        raise InvalidInputError(
            "alias is empty", field_errors={"alias": ["This field is required."]}
        )
    with transaction.atomic():
        ArtistAlias.objects.update_or_create(alias=key, source=source, defaults={"artist": artist})
        lines = StatementLine.objects.all()
        if source and Distributor.objects.filter(code=source).exists():
            lines = lines.filter(distributor__code=source)
        elif source:
            lines = lines.none()
        rows = lines.filter(artist_name__in=_matching_values(lines, "artist_name", key)).update(
            artist=artist
        )
        if source in ("", "submithub"):
            submissions = Submission.objects.all()
            matches = _matching_values(submissions, "artist_name", key)
            rows += submissions.filter(artist_name__in=matches).update(artist=artist)
        rows += _accounts_repoint(key=key, source=source, artist=artist)
        campaigns_reparse()
        return _record(action="artist_alias_add", old=alias, new=artist.name, rows=rows, user=user)


def _accounts_repoint(*, key: str, source: str, artist: Artist) -> int:
    accounts = Account.objects.filter(artist__isnull=True)
    if source:
        accounts = accounts.filter(source=source)
    matched = [a for a in accounts if normalise_name(a.slug) == key]
    rows = 0
    for account in matched:
        account.artist = artist
        account.save(update_fields=["artist"])
        if account.source == "spotify":
            rows += AudienceDaily.objects.filter(account=account.slug).update(artist=artist)
    return rows + len(matched)


def account_artist_set(*, account: Account, artist: Artist, user: Any = None) -> Correction:
    """Map a persona/channel/S4A account to an artist (unknown TikTok handles, S4A ids)."""
    with transaction.atomic():
        old = account.artist.name if account.artist else ""
        account.artist = artist
        account.save(update_fields=["artist"])
        rows = 1
        if account.source == "spotify":
            rows += AudienceDaily.objects.filter(account=account.slug).update(artist=artist)
        return _record(
            action="account_artist_set",
            old=f"{account} {old}".strip(),
            new=artist.name,
            rows=rows,
            user=user,
        )


# --- tracks -----------------------------------------------------------------------------------

_TRACK_REFERENCES: list[tuple[type[Model], str]] = [
    (StatementLine, "track"),
    (DistributorTrackTotal, "track"),
    (SongStreamDaily, "track"),
    (SongWindowSnapshot, "track"),
    (Submission, "track"),
    (Campaign, "track"),
    (Campaign, "override_track"),
    (TrackAlias, "track"),
]


def track_merge(*, loser: Track, winner: Track, user: Any = None) -> Correction:
    """Move every fact of `loser` to `winner`; the loser's title becomes a track alias."""
    if loser.pk == winner.pk:
        raise InvalidInputError("a track cannot be merged into itself")
    with transaction.atomic():
        rows = _track_repoint(loser, winner)
        old = str(loser)
        loser.delete()
        return _record(action="track_merge", old=old, new=str(winner), rows=rows, user=user)


def records_delete(*, records: list[Artist] | list[Track], user: Any = None) -> Correction:
    """Delete artists or tracks (the admin's delete): their facts keep their figures and fall
    back to unassigned, for review; recorded like any correction so every KPI follows."""
    with transaction.atomic():
        rows = sum(
            StatementLine.objects.filter(**{type(record).__name__.lower(): record}).count()
            for record in records
        )
        names = ", ".join(str(record) for record in records)
        for record in records:
            record.delete()
        return _record(action="delete", old=names, new="", rows=rows, user=user)


def _track_repoint(loser: Track, winner: Track) -> int:
    rows = sum(
        model.objects.filter(**{field: loser}).update(**{field: winner})  # type: ignore[attr-defined]
        for model, field in _TRACK_REFERENCES
    )
    for split in TrackSplit.objects.filter(track=loser):
        if not TrackSplit.objects.filter(
            track=winner, party=split.party, effective_from=split.effective_from
        ).exists():
            split.track = winner
            split.save(update_fields=["track"])
    for release in loser.releases.all():
        release.tracks.add(winner)
    TrackAlias.objects.get_or_create(
        alias=normalise_name(loser.title), source="", defaults={"track": winner}
    )
    return rows


def track_isrc_attach(*, track: Track, isrc: str, user: Any = None) -> Correction:
    """Give a track its ISRC: an auto-created track with that ISRC merges into it, and every
    statement line with the ISRC points at it."""
    isrc = isrc.strip().upper()
    if len(isrc) != 12 or not isrc.isalnum():
        raise InvalidInputError(
            "an ISRC has 12 letters and digits", field_errors={"isrc": ["Invalid ISRC."]}
        )
    with transaction.atomic():
        rows = 0
        other = Track.objects.filter(isrc=isrc).exclude(pk=track.pk).first()
        if other is not None:
            rows += _track_repoint(other, track)
            other.delete()
        old = track.isrc or ""
        track.isrc = isrc
        track.save(update_fields=["isrc"])
        rows += StatementLine.objects.filter(isrc=isrc).exclude(track=track).update(track=track)
        return _record(
            action="track_isrc_attach", old=old or str(track), new=isrc, rows=rows, user=user
        )


def track_splits_set(*, track: Track, splits: list[SplitInput], user: Any = None) -> Correction:
    """Replace a track's splits; on every start date the shares in effect must total 100."""
    _check_splits(splits)
    with transaction.atomic():
        old = ", ".join(f"{s.party} {s.share}%" for s in track.splits.all())
        TrackSplit.objects.filter(track=track).delete()
        TrackSplit.objects.bulk_create(
            [
                TrackSplit(
                    track=track,
                    party=split.party,
                    share=split.share,
                    effective_from=split.effective_from,
                    effective_to=split.effective_to,
                    flat_fee_usd=split.flat_fee_usd,
                    is_label=split.is_label,
                )
                for split in splits
            ]
        )
        new = ", ".join(f"{s.party} {s.share}%" for s in splits)
        return _record(action="track_splits_set", old=old, new=new, rows=len(splits), user=user)


def _check_splits(splits: list[SplitInput]) -> None:
    errors: list[str] = []
    for split in splits:
        if not (0 <= split.share <= HUNDRED):
            errors.append(f"{split.party}: share must be between 0 and 100")
    for day in sorted({split.effective_from for split in splits}):
        total = sum(
            (
                s.share
                for s in splits
                if s.effective_from <= day and (s.effective_to is None or s.effective_to >= day)
            ),
            Decimal(0),
        )
        if total != HUNDRED:
            errors.append(f"shares in effect on {day} total {total}, not 100")
    if errors:
        raise InvalidInputError("invalid splits", field_errors={"splits": errors})


# --- stores, campaigns, FX --------------------------------------------------------------------


def store_platform_map(*, store: str, platform: Platform, user: Any = None) -> Correction:
    """Map a store name to a platform (reviewed) and re-point its statement lines; a platform
    that existed only for this unknown store is removed once nothing uses it."""
    key = normalise_name(store)
    if not key:
        raise InvalidInputError(
            "store is empty", field_errors={"store": ["This field is required."]}
        )
    with transaction.atomic():
        mapping = StoreMapping.objects.filter(store=key).first()
        old_platform = mapping.platform if mapping else None
        if mapping is None:
            mapping = StoreMapping(store=key)
        mapping.platform = platform
        mapping.is_reviewed = True
        mapping.save()
        lines = StatementLine.objects.filter(
            store__in=_matching_values(StatementLine.objects.all(), "store", key)
        )
        rows = lines.exclude(platform=platform).update(platform=platform)
        if old_platform is not None and old_platform.pk != platform.pk:
            _platform_drop_if_unused(old_platform)
        old = f"{store} -> {old_platform.name if old_platform else '(none)'}"
        return _record(
            action="store_platform_map", old=old, new=platform.name, rows=rows, user=user
        )


def _platform_drop_if_unused(platform: Platform) -> None:
    if platform.is_reviewed:
        return
    in_use = (
        StatementLine.objects.filter(platform=platform).exists()
        or StoreMapping.objects.filter(platform=platform).exists()
        or DailyStream.objects.filter(platform=platform).exists()
        or DistributorTrackTotal.objects.filter(platform=platform).exists()
    )
    if not in_use:
        platform.delete()


def campaign_override_set(
    *,
    campaign: Campaign,
    artist: Artist | None,
    track: Track | None,
    targeting: str = "",
    user: Any = None,
) -> Correction:
    """Set a campaign's artist/track/targeting by hand; the override wins over the parse and
    survives later loads. A track given without an artist brings its catalogue artist."""
    with transaction.atomic():
        old_artist = campaign.override_artist or campaign.artist
        campaign.override_artist = artist or (track.artist if track else None)
        campaign.override_track = track
        campaign.override_targeting = targeting.strip().upper()
        campaign.save(update_fields=["override_artist", "override_track", "override_targeting"])
        rows = (
            AdPerformanceDaily.objects.filter(campaign=campaign).count()
            + AdPerformancePeriod.objects.filter(campaign=campaign).count()
        )
        new = campaign.override_artist.name if campaign.override_artist else "(none)"
        if track is not None:
            new += f" / {track.title}"
        return _record(
            action="campaign_override_set",
            old=f"{campaign.name}: {old_artist.name if old_artist else '(none)'}",
            new=new,
            rows=rows,
            user=user,
        )


def fx_rate_set(
    *, currency: str, month: date, usd_per_unit: Decimal, user: Any = None
) -> Correction:
    """Add or change a monthly FX rate and convert the Meta rows of that currency and month."""
    currency = currency.strip().upper()
    if usd_per_unit <= 0:
        raise InvalidInputError(
            "rate must be positive", field_errors={"usd_per_unit": ["Must be > 0."]}
        )
    month = month.replace(day=1)
    with transaction.atomic():
        FxRate.objects.update_or_create(
            currency=currency, month=month, defaults={"usd_per_unit": usd_per_unit}
        )
        rows = _convert_spend(AdPerformanceDaily, "date", currency, month, usd_per_unit)
        rows += _convert_spend(AdPerformancePeriod, "period_start", currency, month, usd_per_unit)
        return _record(
            action="fx_rate_set",
            old=f"{currency} {month:%Y-%m}",
            new=str(usd_per_unit),
            rows=rows,
            user=user,
        )


def _convert_spend(
    model: type[Model], day_field: str, currency: str, month: date, rate: Decimal
) -> int:
    rows = model.objects.filter(  # type: ignore[attr-defined]
        Q(**{f"{day_field}__year": month.year, f"{day_field}__month": month.month}),
        currency=currency,
        spend__isnull=False,
    ).exclude(currency="USD")
    changed = 0
    for row in rows:
        row.spend_usd = (row.spend * rate).quantize(TWELVE_PLACES)
        row.lacks_fx_rate = False
        row.save(update_fields=["spend_usd", "lacks_fx_rate"])
        changed += 1
    return changed


def track_alias_add(*, alias: str, track: Track, source: str = "", user: Any = None) -> Correction:
    """Map a reported title to a catalogue track and re-point the unmatched statement lines
    with that title (of the track's artist, or with no artist)."""
    key = normalise_name(alias)
    if not key:
        raise InvalidInputError(
            "alias is empty", field_errors={"alias": ["This field is required."]}
        )
    with transaction.atomic():
        TrackAlias.objects.update_or_create(alias=key, source=source, defaults={"track": track})
        lines = StatementLine.objects.filter(track__isnull=True)
        if track.artist_id is not None:
            lines = lines.filter(Q(artist__isnull=True) | Q(artist_id=track.artist_id))
        rows = lines.filter(title__in=_matching_values(lines, "title", key)).update(track=track)
        return _record(action="track_alias_add", old=alias, new=str(track), rows=rows, user=user)


def track_review_mark(*, track: Track, user: Any = None) -> Correction:
    """Accept an auto-created track as it is: it leaves the review queue."""
    with transaction.atomic():
        track.auto_created = False
        track.save(update_fields=["auto_created"])
        return _record(
            action="track_review_mark", old=str(track), new="reviewed", rows=0, user=user
        )


def platform_accept(*, store: str, user: Any = None) -> Correction:
    """Accept an unknown store as a platform of its own name (mapping and platform reviewed)."""
    mapping = (
        StoreMapping.objects.select_related("platform").filter(store=normalise_name(store)).first()
    )
    if mapping is None:
        raise InvalidInputError("unknown store", field_errors={"store": ["No such store mapping."]})
    with transaction.atomic():
        mapping.is_reviewed = True
        mapping.save(update_fields=["is_reviewed"])
        Platform.objects.filter(pk=mapping.platform_id).update(is_reviewed=True)
        rows = StatementLine.objects.filter(platform_id=mapping.platform_id).count()
        return _record(
            action="platform_accept", old=store, new=mapping.platform.name, rows=rows, user=user
        )
