"""Source id -> connector class, one line per source; `connector_for` is the only lookup."""

from __future__ import annotations

from apps.health.errors import InvalidInputError
from apps.sources.connectors.base import Connector
from apps.sources.connectors.distrokid.connector import DistroKidConnector
from apps.sources.connectors.instagram.connector import InstagramConnector
from apps.sources.connectors.linktree.connector import LinktreeConnector
from apps.sources.connectors.mailchimp.connector import MailchimpConnector
from apps.sources.connectors.metaads.connector import MetaAdsConnector
from apps.sources.connectors.spotify.connector import SpotifyConnector
from apps.sources.connectors.submithub.connector import SubmitHubConnector
from apps.sources.connectors.tiktok.connector import TikTokConnector
from apps.sources.connectors.toolost.connector import TooLostConnector
from apps.sources.connectors.youtube.connector import YouTubeConnector

CONNECTORS: dict[str, type[Connector]] = {
    "distrokid": DistroKidConnector,
    "tiktok": TikTokConnector,
    "instagram": InstagramConnector,
    "spotify": SpotifyConnector,
    "linktree": LinktreeConnector,
    "toolost": TooLostConnector,
    "metaads": MetaAdsConnector,
    "youtube": YouTubeConnector,
    "mailchimp": MailchimpConnector,
    "submithub": SubmitHubConnector,
}

# The contract's source ids (CONTRACT.md section 4); those without a connector yet are listed too.
SOURCE_IDS = (
    "distrokid",
    "toolost",
    "spotify",
    "tiktok",
    "metaads",
    "linktree",
    "youtube",
    "mailchimp",
    "instagram",
    "submithub",
)


def connector_for(source_id: str) -> Connector:
    try:
        return CONNECTORS[source_id]()
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise InvalidInputError(f"unknown source {source_id!r}; known sources: {known}") from None


def detect_source(head: bytes, original_name: str) -> list[tuple[str, str]]:
    """Every (source_id, kind) whose connector recognises this content."""
    matches = []
    for source_id, connector_class in CONNECTORS.items():
        kind = connector_class().sniff(head, original_name)
        if kind:
            matches.append((source_id, kind))
    return matches
