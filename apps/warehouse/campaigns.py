"""Campaign-name parse (SPEC 4.2, CONTRACT section 5): `ARTIST - TRACK - TARGETING`.

The name is trimmed and upper-cased, a trailing ` - COPY` / ` - COPY N` is removed, and the rest
is split on ` - `. Two parts try a known artist first, then a known track (whose artist comes
from the catalogue, never a hard-coded default). Anything unresolved needs review."""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.warehouse.resolve import AliasBook, TrackCatalogue

PARSED = "parsed"
NEEDS_REVIEW = "needs_review"
_COPY_SUFFIX = re.compile(r"\s+-\s+COPY(?:\s+\d+)?$")
_SEPARATOR = " - "
_ENGAGEMENT = "NEW ENGAGEMENT"


@dataclass(frozen=True)
class CampaignParse:
    artist_id: int | None
    track_id: int | None
    targeting: str
    status: str
    notes: str = ""


def campaign_name_parts(name: str) -> list[str]:
    cleaned = " ".join(name.strip().upper().split())
    cleaned = _COPY_SUFFIX.sub("", cleaned)
    return [part.strip() for part in cleaned.split(_SEPARATOR)]


def campaign_parse(name: str, *, book: AliasBook, catalogue: TrackCatalogue) -> CampaignParse:
    """Artist, track, targeting and parse status of one campaign name."""
    parts = campaign_name_parts(name)
    if len(parts) >= 3:
        return _parse_three(parts, book, catalogue)
    if len(parts) == 2:
        return _parse_two(parts, book, catalogue)
    return _parse_one(parts[0], book, catalogue)


def _parse_three(parts: list[str], book: AliasBook, catalogue: TrackCatalogue) -> CampaignParse:
    artist_id = book.artist_id(parts[0], "metaads")
    track_id = catalogue.only_track_titled(parts[1], artist_id) if artist_id else None
    targeting = _SEPARATOR.join(parts[2:])
    unresolved = [
        label for label, value in (("artist", artist_id), ("track", track_id)) if value is None
    ]
    if unresolved:
        notes = "unresolved " + " and ".join(unresolved)
        return CampaignParse(artist_id, track_id, targeting, NEEDS_REVIEW, notes)
    return CampaignParse(artist_id, track_id, targeting, PARSED)


def _parse_two(parts: list[str], book: AliasBook, catalogue: TrackCatalogue) -> CampaignParse:
    first, targeting = parts
    # Known artist first: `IWARY - BROAD` is IWARY's campaign, never a track of someone else.
    artist_id = book.artist_id(first, "metaads")
    if artist_id is not None:
        return CampaignParse(artist_id, None, targeting, PARSED)
    track_id = catalogue.only_track_titled(first)
    if track_id is not None:
        track_artist = catalogue.artist_of.get(track_id)
        status = PARSED if track_artist is not None else NEEDS_REVIEW
        notes = "" if track_artist is not None else "track has no artist"
        return CampaignParse(track_artist, track_id, targeting, status, notes)
    return CampaignParse(None, None, targeting, NEEDS_REVIEW, f"unknown artist or track {first}")


def _parse_one(name: str, book: AliasBook, catalogue: TrackCatalogue) -> CampaignParse:
    track_id = catalogue.only_track_titled(name)
    if track_id is not None:
        track_artist = catalogue.artist_of.get(track_id)
        status = PARSED if track_artist is not None else NEEDS_REVIEW
        return CampaignParse(track_artist, track_id, "", status)
    artist_id = book.artist_id(name, "metaads")
    if artist_id is not None:
        return CampaignParse(artist_id, None, "", PARSED)
    if _ENGAGEMENT in name:
        return CampaignParse(None, None, "ENGAGEMENT", PARSED)
    return CampaignParse(None, None, name, NEEDS_REVIEW, "name matches no artist or track")


def campaigns_reparse(campaign_ids: list[int] | None = None) -> int:
    """Parse the stored names again (after a load, an alias or a catalogue change). Only the
    parsed fields change; the admin's override fields are never touched, so they survive."""
    from apps.warehouse.models import Campaign

    book = AliasBook()
    catalogue = TrackCatalogue.load()
    campaigns = Campaign.objects.all()
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=campaign_ids)
    changed = []
    for campaign in campaigns:
        parse = campaign_parse(campaign.name, book=book, catalogue=catalogue)
        values = (parse.artist_id, parse.track_id, parse.targeting, parse.status, parse.notes)
        current = (
            campaign.artist_id,
            campaign.track_id,
            campaign.targeting,
            campaign.parse_status,
            campaign.parse_notes,
        )
        if values != current:
            (
                campaign.artist_id,
                campaign.track_id,
                campaign.targeting,
                campaign.parse_status,
                campaign.parse_notes,
            ) = values
            changed.append(campaign)
    Campaign.objects.bulk_update(
        changed, ["artist", "track", "targeting", "parse_status", "parse_notes"]
    )
    return len(changed)
